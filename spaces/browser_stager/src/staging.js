// From a recording's signals to a consensus hypnogram: the bundled RobustSleepNet models' preprocessing, their
// ONNX graphs run with onnxruntime-web, the windows fused and the members averaged, as hf_sleep's consensus
// staging does (hf_sleep/staging/consensus.py, onnx_runtime.py and models/sleep_base/preprocessing.py).

import { filtfilt, percentiles, resamplePoly, resampleRatio } from "./dsp.js";

// EEG electrodes in order of preference (hf_sleep.pretrained.channels.EEG_PREFERENCE).
const EEG_PREFERENCE = ["C4", "C3", "CZ", "FPZ-CZ", "FPZ"];

function electrodes(label) {
  let text = label.trim().toUpperCase().replace(/^(EEG|EOG|EMG)[\s_:]*/, "");
  text = text.replace(/\s*-\s*/g, "-").trim();
  return [text.split(/[-:/\s]/)[0], text];
}

/** The recording's central EEG derivations (C4, C3, Cz, then Fpz-Cz), at most `limit`, in that preference. */
export function centralEegChannels(labels, limit) {
  const picked = [];
  const remaining = [...labels];
  while (picked.length < limit) {
    let found = null;
    for (const wanted of EEG_PREFERENCE) {
      found = remaining.find((label) => {
        if (/^(EOG|EMG)/.test(label.trim().toUpperCase())) return false;
        const [first, whole] = electrodes(label);
        return wanted === whole || (!wanted.includes("-") && wanted === first);
      });
      if (found) break;
    }
    if (!found) break;
    picked.push(found);
    remaining.splice(remaining.indexOf(found), 1);
  }
  if (!picked.length) {
    throw new Error(`no channel looks like a central EEG (C4, C3, Cz) or Fpz-Cz; the recording has: ${labels.join(", ")}`);
  }
  return picked;
}

/** RobustSleepNet's preparation of one channel (µV at `sampleRate`) -> Float32Array at the model's rate. */
export function robustSleepNetPreprocess(values, sampleRate, step) {
  const resample = (x, rateIn, rateOut) => {
    if (rateIn === rateOut) return x;
    const [up, down] = resampleRatio(rateIn, rateOut);
    const y = resamplePoly(x, up, down);
    const expected = Math.round((x.length / rateIn) * rateOut);
    if (y.length >= expected) return y;
    const out = new Float64Array(expected); // zeros up to the duration's length, as the original pads
    out.set(y);
    return out;
  };
  const single = Float32Array.from(values); // the recording is read as float32 µV
  let data = Float64Array.from(Float32Array.from(resample(single, sampleRate, step.intermediate_sfreq)));
  data = filtfilt(step.b, step.a, step.zi, data);
  data = resample(data, step.intermediate_sfreq, step.target_sfreq);
  let [q25, median, q75] = percentiles(data, [25, 50, 75]);
  const low = -2 * step.clip_iqr * (median - q25);
  const high = 2 * step.clip_iqr * (q75 - median);
  const clipped = data.map((v) => Math.min(Math.max(v, low), high));
  [q25, median, q75] = percentiles(clipped, [25, 50, 75]);
  const spread = q75 - q25 === 0 ? step.eps : q75 - q25;
  return Float32Array.from(clipped, (v) => (v - median) / spread);
}

/** hf_sleep's window_starts: the first window at 0, the last ending at the last epoch, the others on a grid. */
export function windowStarts(nEpochs, window, stride, offset) {
  if (nEpochs <= window) return [0];
  const starts = [];
  for (let s = offset % stride; s <= nEpochs - window; s += stride) starts.push(s);
  if (!starts.length || starts[0] !== 0) starts.unshift(0);
  if (starts[starts.length - 1] !== nEpochs - window) starts.push(nEpochs - window);
  return starts;
}

// Python's round(): halves to even.
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One member's probabilities, (nEpochs * nStages) Float64Array: `epochs` (nEpochs * nTimes Float32Array) through
 * one graph's session, windows at `stride` from `offset`, fused as the model's staging.json says.
 */
export async function stageMember(ort, session, epochs, nEpochs, model, stride, offset) {
  const { window, fusion, stage_names: stageNames, n_times: nTimes } = model;
  const nStages = stageNames.length;
  const padding = model.end_padding_epochs || 0;
  const total = nEpochs + 2 * padding;
  let input = epochs;
  if (padding) {
    input = new Float32Array(total * nTimes);
    input.set(epochs, padding * nTimes);
  }
  const starts = windowStarts(total, window, stride, offset);
  const index = new BigInt64Array(starts.length * window);
  starts.forEach((start, w) => {
    for (let k = 0; k < window; k += 1) index[w * window + k] = BigInt(start + k);
  });
  const feeds = {
    input_values: new ort.Tensor("float32", input, [total, 1, nTimes]),
    window_index: new ort.Tensor("int64", index, [starts.length, window]),
  };
  const logits = (await session.run(feeds)).logits.data;
  const sums = new Float64Array(total * nStages);
  const counts = new Float64Array(total);
  const row = new Float64Array(nStages);
  for (let w = 0; w < starts.length; w += 1) {
    for (let k = 0; k < window; k += 1) {
      const at = (w * window + k) * nStages;
      let max = -Infinity;
      for (let s = 0; s < nStages; s += 1) max = Math.max(max, logits[at + s]);
      let sum = 0;
      for (let s = 0; s < nStages; s += 1) sum += Math.exp(logits[at + s] - max);
      const epoch = starts[w] + k;
      for (let s = 0; s < nStages; s += 1) {
        row[s] = logits[at + s] - max - Math.log(sum); // log-probabilities
        sums[epoch * nStages + s] += fusion === "probability" ? Math.exp(row[s]) : row[s];
      }
      counts[epoch] += 1;
    }
  }
  const probabilities = new Float64Array(nEpochs * nStages);
  for (let e = 0; e < nEpochs; e += 1) {
    const at = (e + padding) * nStages;
    const n = counts[e + padding];
    const scores = Array.from(sums.subarray(at, at + nStages), (v) => (fusion === "probability" ? Math.log(Math.max(v / n, 1e-300)) : v / n));
    const max = Math.max(...scores);
    const total = scores.reduce((sum, v) => sum + Math.exp(v - max), 0);
    scores.forEach((v, s) => {
      probabilities[e * nStages + s] = Math.exp(v - max) / total;
    });
  }
  return probabilities;
}

/**
 * Stages a read recording with every model on every central EEG channel and averages their probabilities.
 * `manifest` is the build's models/manifest.json, `sessions` the models' onnxruntime sessions by name.
 */
export async function stageConsensus(ort, recording, manifest, sessions, onProgress = () => {}) {
  const step = manifest.preprocessing;
  const labels = recording.signals.map((s) => s.label);
  const channels = centralEegChannels(labels, manifest.max_eeg_derivations);
  const nTimes = Math.round(step.target_sfreq * manifest.epoch_seconds);
  const prepared = channels.map((label) => {
    const signal = recording.signals[labels.indexOf(label)];
    return robustSleepNetPreprocess(signal.data, signal.sampleRate, step);
  });
  const nEpochs = Math.floor(prepared[0].length / nTimes);
  const window = manifest.models[0].window;
  if (nEpochs < window) {
    throw new Error(`the recording holds ${nEpochs} whole ${manifest.epoch_seconds}-s epochs; staging needs at least ${window}`);
  }
  const stageNames = manifest.models[0].stage_names;
  const nStages = stageNames.length;
  const nMembers = manifest.models.length * channels.length;
  const members = [];
  for (const [modelIndex, model] of manifest.models.entries()) {
    for (const [setIndex, channel] of channels.entries()) {
      const memberIndex = modelIndex * channels.length + setIndex;
      const stride = nMembers === 1 ? 1 : model.window;
      const offset = stride > 1 ? roundHalfEven((memberIndex * stride) / nMembers) : 0;
      const epochs = prepared[setIndex].subarray(0, nEpochs * nTimes);
      const probabilities = await stageMember(ort, sessions[model.name], epochs, nEpochs, { ...model, n_times: nTimes }, stride, offset);
      members.push({ label: `stage[${model.name} | ${channel}]`, probabilities });
      onProgress(members.length / nMembers);
    }
  }
  const mean = new Float64Array(nEpochs * nStages);
  for (const member of members) member.probabilities.forEach((p, i) => { mean[i] += p / nMembers; });
  const argmax = (values, e) => {
    let best = 0;
    for (let s = 1; s < nStages; s += 1) if (values[e * nStages + s] > values[e * nStages + best]) best = s;
    return best;
  };
  const consensus = Array.from({ length: nEpochs }, (_, e) => argmax(mean, e));
  const votes = members.map((m) => Array.from({ length: nEpochs }, (_, e) => argmax(m.probabilities, e)));
  const agreement = consensus.map((c, e) => votes.filter((v) => v[e] === c).length / nMembers);
  return {
    stageNames,
    stages: consensus.map((c) => stageNames[c]),
    probabilities: mean,
    agreement,
    members: members.map((m, i) => ({ label: m.label, stages: votes[i].map((v) => stageNames[v]) })),
    channels,
    epochSeconds: manifest.epoch_seconds,
  };
}

/** hf_sleep.staging.sleep_stats.sleep_statistics over the whole recording (minutes and percent). */
export function sleepStatistics(labels, epochSeconds, stages, wake = "W", rem = "REM") {
  const perEpoch = epochSeconds / 60;
  const sleepStages = stages.filter((s) => s !== wake);
  const sleepIndices = labels.flatMap((l, i) => (sleepStages.includes(l) ? [i] : []));
  const count = (list, stage) => list.filter((l) => l === stage).length;
  const stats = { TIB: labels.length * perEpoch };
  if (sleepIndices.length) {
    const first = sleepIndices[0];
    const last = sleepIndices[sleepIndices.length - 1];
    const period = labels.slice(first, last + 1);
    stats.SPT = period.length * perEpoch;
    stats.TST = sleepIndices.length * perEpoch;
    stats.WASO = count(period, wake) * perEpoch;
    stats.SE = (100 * stats.TST) / stats.TIB;
    stats.SME = (100 * stats.TST) / stats.SPT;
    stats.SOL = first * perEpoch;
    const firstRem = labels.indexOf(rem);
    stats.REM_latency = firstRem >= 0 ? (firstRem - first) * perEpoch : NaN;
  } else {
    Object.assign(stats, { SPT: 0, TST: 0, WASO: 0, SE: 0, SME: NaN, SOL: NaN, REM_latency: NaN });
  }
  for (const stage of stages) stats[stage] = count(labels, stage) * perEpoch;
  for (const stage of sleepStages) stats[`%${stage}`] = stats.TST > 0 ? (100 * stats[stage]) / stats.TST : NaN;
  if (stats.TIB < 120) { // a nap: sleep-onset REM period, REM at most 15 min after sleep onset
    stats.SOREMP = sleepIndices.length ? Number(!Number.isNaN(stats.REM_latency) && stats.REM_latency <= 15) : NaN;
  }
  return stats;
}

// Python's "%g" for the onsets and durations of the CSV.
function formatG(value) {
  return Number.isInteger(value) && Math.abs(value) < 1e6 ? String(value) : String(Number(value.toPrecision(6)));
}

/** The hypnogram CSV `hf-sleep stage` writes: onset,duration,stage,prob_<stage>...,agreement,disagree,<members>. */
export function hypnogramCsv(result) {
  const { stageNames, stages, probabilities, agreement, members, epochSeconds } = result;
  const header = ["onset", "duration", "stage", ...stageNames.map((s) => `prob_${s}`), "agreement", "disagree", ...members.map((m) => m.label)];
  const rows = [header.join(",")];
  stages.forEach((stage, e) => {
    const probs = stageNames.map((_, s) => probabilities[e * stageNames.length + s].toFixed(6));
    rows.push([formatG(e * epochSeconds), formatG(epochSeconds), stage, ...probs, agreement[e].toFixed(3),
      String(Number(agreement[e] < 1)), ...members.map((m) => m.stages[e])].join(","));
  });
  return `${rows.join("\r\n")}\r\n`;
}

/** One `Sleep stage <label>` annotation per run of equal stages (Sleep-EDF's hypnogram layout). */
export function stageAnnotations(stages, epochSeconds) {
  const out = [];
  stages.forEach((stage, e) => {
    const last = out[out.length - 1];
    if (last && last.stage === stage) last.duration += epochSeconds;
    else out.push({ onset: e * epochSeconds, duration: epochSeconds, stage });
  });
  return out.map(({ onset, duration, stage }) => ({ onset, duration, text: `Sleep stage ${stage}` }));
}
