// The signal steps of the bundled models' preprocessing, as scipy computes them: resample_poly (a Kaiser-window
// FIR from firwin, zero padding), filtfilt (odd extension, lfilter_zi initial state) and numpy's linear
// percentiles. Coefficients that depend only on the model (the band-pass, its initial state) come from the
// build, computed by scipy; what depends on the file (its sampling rate) is designed here.

// Modified Bessel function of the first kind, order 0 (power series; converges fast for Kaiser's beta).
function besselI0(x) {
  let sum = 1;
  let term = 1;
  const quarter = (x * x) / 4;
  for (let k = 1; k < 500; k += 1) {
    term *= quarter / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function sinc(x) {
  if (x === 0) return 1;
  const y = Math.PI * x;
  return Math.sin(y) / y;
}

// scipy.signal.firwin(numtaps, cutoff, window=("kaiser", beta)): a low-pass, cutoff relative to Nyquist.
export function firwinKaiser(numtaps, cutoff, beta) {
  const alpha = 0.5 * (numtaps - 1);
  const h = new Float64Array(numtaps);
  const i0beta = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < numtaps; n += 1) {
    const m = n - alpha;
    const ratio = alpha === 0 ? 0 : m / alpha;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - ratio * ratio))) / i0beta;
    h[n] = cutoff * sinc(cutoff * m) * window;
    sum += h[n];
  }
  for (let n = 0; n < numtaps; n += 1) h[n] /= sum;
  return h;
}

function gcd(a, b) {
  while (b) [a, b] = [b, a % b];
  return a;
}

// hf_sleep's resample_ratio: (up, down) with target / native = up / down, both at most 512.
export function resampleRatio(native, target) {
  const ratio = target / native;
  for (let down = 1; down <= 512; down += 1) {
    const up = Math.round(ratio * down);
    if (up >= 1 && Math.abs(up / down - ratio) <= 1e-9 * ratio) {
      if (up > 512) break;
      const g = gcd(up, down);
      return [up / g, down / g];
    }
  }
  throw new Error(`sampling rate ${native} Hz cannot be resampled to ${target} Hz (their ratio is not a ratio of small integers)`);
}

function upfirdnLength(lenH, nIn, up, down) {
  const nInCopy = nIn + Math.floor((lenH + ((-lenH % up) + up) % up) / up) - 1;
  const nt = nInCopy * up;
  return Math.floor(nt / down) + (nt % down > 0 ? 1 : 0);
}

// scipy.signal.resample_poly(x, up, down) with its default window ("kaiser", 5.0) and zero padding.
export function resamplePoly(x, up, down) {
  const g = gcd(up, down);
  up /= g;
  down /= g;
  if (up === 1 && down === 1) return Float64Array.from(x);
  const nIn = x.length;
  const nOut = Math.floor((nIn * up) / down) + ((nIn * up) % down ? 1 : 0);
  const maxRate = Math.max(up, down);
  const halfLen = 10 * maxRate;
  const core = firwinKaiser(2 * halfLen + 1, 1 / maxRate, 5.0);
  const nPrePad = down - (halfLen % down);
  let nPostPad = 0;
  const nPreRemove = Math.floor((halfLen + nPrePad) / down);
  while (upfirdnLength(core.length + nPrePad + nPostPad, nIn, up, down) < nOut + nPreRemove) nPostPad += 1;
  const h = new Float64Array(nPrePad + core.length + nPostPad);
  for (let i = 0; i < core.length; i += 1) h[nPrePad + i] = core[i] * up;
  // upfirdn: y[k] = sum_j h[j] * x_up[k * down - j], x_up holding x[i] at i * up and zeros between.
  const y = new Float64Array(nOut);
  for (let k = 0; k < nOut; k += 1) {
    const n = (k + nPreRemove) * down;
    let j = n % up;
    let i = (n - j) / up;
    let acc = 0;
    for (; j < h.length; j += up, i -= 1) {
      if (i < 0) break;
      if (i < nIn) acc += h[j] * x[i];
    }
    y[k] = acc;
  }
  return y;
}

// scipy.signal.lfilter(b, a, x, zi=zi) with a[0] == 1, in place on `out`.
function lfilter(b, a, x, zi, out) {
  const order = zi.length;
  const state = Float64Array.from(zi);
  for (let n = 0; n < x.length; n += 1) {
    const xn = x[n];
    const yn = state[0] + b[0] * xn;
    for (let k = 0; k < order - 1; k += 1) state[k] = state[k + 1] + b[k + 1] * xn - a[k + 1] * yn;
    state[order - 1] = b[order] * xn - a[order] * yn;
    out[n] = yn;
  }
  return out;
}

// scipy.signal.filtfilt(b, a, x) (padtype "odd", padlen 3 * max(len(a), len(b))), `zi` = lfilter_zi(b, a).
export function filtfilt(b, a, zi, x) {
  const padlen = 3 * Math.max(a.length, b.length);
  const n = x.length;
  if (n <= padlen) throw new Error(`the signal has ${n} samples, too few to filter (more than ${padlen} needed)`);
  const ext = new Float64Array(n + 2 * padlen);
  for (let i = 0; i < padlen; i += 1) ext[i] = 2 * x[0] - x[padlen - i];
  ext.set(x, padlen);
  for (let i = 0; i < padlen; i += 1) ext[padlen + n + i] = 2 * x[n - 1] - x[n - 2 - i];
  const forward = lfilter(b, a, ext, zi.map((z) => z * ext[0]), new Float64Array(ext.length));
  forward.reverse();
  const backward = lfilter(b, a, forward, zi.map((z) => z * forward[0]), new Float64Array(ext.length));
  backward.reverse();
  return backward.subarray(padlen, padlen + n);
}

// numpy.percentile(x, qs) with linear interpolation, for several qs at once (one sort).
export function percentiles(x, qs) {
  const sorted = Float64Array.from(x).sort();
  return qs.map((q) => {
    const position = (q / 100) * (sorted.length - 1);
    const lower = Math.floor(position);
    const upper = Math.min(lower + 1, sorted.length - 1);
    const fraction = position - lower;
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
  });
}
