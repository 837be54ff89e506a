// EDF and EDF+ reader: the header, every ordinary signal in physical units (microvolts where the header names a
// voltage) and the EDF+ annotations. Values as MNE's read_raw_edf gives them (digital * gain + offset).

const ANNOTATION_LABEL = "EDF Annotations";
// Factors to microvolts of the physical dimensions of voltage; other dimensions are kept as written.
const TO_MICROVOLTS = { uv: 1, "µv": 1, "μv": 1, mv: 1e3, v: 1e6, nv: 1e-3 };

export class EdfError extends Error {}

function text(bytes, start, width) {
  let out = "";
  for (let i = start; i < start + width; i += 1) out += String.fromCharCode(bytes[i]); // latin-1
  return out.trim();
}

function number(bytes, start, width, what, name) {
  const field = text(bytes, start, width);
  const value = Number(field);
  if (field === "" || !Number.isFinite(value)) {
    throw new EdfError(`${name} is not a readable EDF file: its ${what} field is '${field}', not a number`);
  }
  return value;
}

function parseStart(date, time) {
  const d = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(date);
  const t = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(time);
  if (!d || !t) return null;
  const year = Number(d[3]) + (Number(d[3]) >= 85 ? 1900 : 2000); // EDF's clipping date: 1985
  return new Date(Date.UTC(year, Number(d[2]) - 1, Number(d[1]), Number(t[1]), Number(t[2]), Number(t[3])));
}

// The annotations of one record's annotation bytes: [{onset, duration, text}], the time-keeping one included
// (empty text) so the caller can read the record's start.
function parseTals(bytes) {
  const out = [];
  let at = 0;
  while (at < bytes.length && bytes[at] !== 0) {
    let end = at;
    while (end < bytes.length && bytes[end] !== 0) end += 1;
    const tal = new TextDecoder("utf-8").decode(bytes.subarray(at, end));
    const parts = tal.split("\x14");
    const [onsetText, durationText] = parts[0].split("\x15");
    const onset = Number(onsetText);
    const duration = durationText === undefined || durationText === "" ? 0 : Number(durationText);
    const texts = parts.slice(1, -1);
    if (Number.isFinite(onset)) {
      if (texts.length === 0 || texts.every((t) => t === "")) out.push({ onset, duration, text: "" });
      for (const t of texts) if (t !== "") out.push({ onset, duration, text: t });
    }
    at = end + 1;
  }
  return out;
}

/**
 * Reads an EDF/EDF+ file held in `buffer` (an ArrayBuffer). `name` is the file's name, for the messages.
 * Returns {start, recordDuration, nRecords, signals: [{label, sampleRate, unit, data}], annotations}; a signal's
 * `data` (Float64Array) is decoded each time it is read.
 * Throws EdfError with a one-line message for a file that is not an EDF or is cut short.
 */
export function readEdf(buffer, name = "the file") {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 256) {
    throw new EdfError(`${name} is not an EDF file: ${bytes.length} bytes, shorter than an EDF header (256 bytes)`);
  }
  if (text(bytes, 0, 8) !== "0") {
    throw new EdfError(`${name} is not an EDF file: its first 8 bytes are not the EDF version '0'`);
  }
  const headerBytes = number(bytes, 184, 8, "header size", name);
  const reserved = text(bytes, 192, 44);
  let nRecords = number(bytes, 236, 8, "number of data records", name);
  const recordDuration = number(bytes, 244, 8, "record duration", name);
  const ns = number(bytes, 252, 4, "number of signals", name);
  if (!Number.isInteger(ns) || ns < 1 || headerBytes !== 256 * (ns + 1)) {
    throw new EdfError(`${name} is not a readable EDF file: ${ns} signals do not fit a header of ${headerBytes} bytes`);
  }
  if (bytes.length < headerBytes) {
    throw new EdfError(`${name} is truncated: its header needs ${headerBytes} bytes, the file has ${bytes.length}`);
  }
  const field = (offset, width, i) => 256 + offset * ns + i * width;
  const channels = [];
  for (let i = 0; i < ns; i += 1) {
    const channel = {
      label: text(bytes, field(0, 16, i), 16),
      unit: text(bytes, 256 + 96 * ns + i * 8, 8),
      physicalMin: number(bytes, 256 + 104 * ns + i * 8, 8, "physical minimum", name),
      physicalMax: number(bytes, 256 + 112 * ns + i * 8, 8, "physical maximum", name),
      digitalMin: number(bytes, 256 + 120 * ns + i * 8, 8, "digital minimum", name),
      digitalMax: number(bytes, 256 + 128 * ns + i * 8, 8, "digital maximum", name),
      samples: number(bytes, 256 + 216 * ns + i * 8, 8, "samples per record", name),
    };
    if (channel.digitalMax === channel.digitalMin) {
      throw new EdfError(`${name} is not a readable EDF file: channel ${channel.label} has equal digital minimum and maximum`);
    }
    channels.push(channel);
  }
  const recordBytes = 2 * channels.reduce((sum, c) => sum + c.samples, 0);
  const available = Math.floor((bytes.length - headerBytes) / recordBytes);
  if (nRecords < 0) nRecords = available; // -1: unknown, as a recorder writes it while recording
  if (available < nRecords) {
    throw new EdfError(
      `${name} is truncated: its header announces ${nRecords} data records, the file holds ${available}`,
    );
  }
  const view = new DataView(buffer, bytes.byteOffset);
  const signals = [];
  const annotations = [];
  let firstRecordOnset = null;
  let before = 0;
  for (const channel of channels) {
    const isAnnotation = channel.label === ANNOTATION_LABEL && reserved.startsWith("EDF+");
    if (isAnnotation) {
      for (let r = 0; r < nRecords; r += 1) {
        const at = headerBytes + r * recordBytes + 2 * before;
        const tals = parseTals(bytes.subarray(at, at + 2 * channel.samples));
        // The first TAL of a record keeps time: its onset is the record's start.
        if (r === 0 && firstRecordOnset === null && tals.length) firstRecordOnset = tals[0].onset;
        for (const [k, tal] of tals.entries()) if (!(k === 0 && tal.text === "")) annotations.push(tal);
      }
    } else {
      const gain = (channel.physicalMax - channel.physicalMin) / (channel.digitalMax - channel.digitalMin);
      const offset = channel.physicalMin - channel.digitalMin * gain;
      const scale = TO_MICROVOLTS[channel.unit.toLowerCase()] ?? 1;
      const first = before;
      // Decoded when read, not here: a long polysomnography has many channels the staging never uses.
      const decode = () => {
        const data = new Float64Array(nRecords * channel.samples);
        for (let r = 0; r < nRecords; r += 1) {
          let at = headerBytes + r * recordBytes + 2 * first;
          const base = r * channel.samples;
          for (let s = 0; s < channel.samples; s += 1, at += 2) {
            data[base + s] = (view.getInt16(at, true) * gain + offset) * scale;
          }
        }
        return data;
      };
      signals.push({
        label: channel.label,
        unit: channel.unit,
        sampleRate: channel.samples / recordDuration,
        get data() {
          return decode();
        },
      });
    }
    before += channel.samples;
  }
  const shift = firstRecordOnset ?? 0;
  return {
    start: parseStart(text(bytes, 168, 8), text(bytes, 176, 8)),
    recordDuration,
    nRecords,
    signals,
    annotations: annotations.map((a) => ({ ...a, onset: a.onset - shift })),
  };
}

function padded(value, width) {
  const out = String(value);
  return out.length > width ? out.slice(0, width) : out.padEnd(width, " ");
}

/**
 * An annotation-only EDF+ file (one "EDF Annotations" signal, one record), as Sleep-EDF's hypnograms are
 * written: `annotations` are [{onset, duration, text}] in seconds from `start` (a Date or null).
 * Returns a Uint8Array.
 */
export function writeAnnotationsEdf(annotations, start = null) {
  const encoder = new TextEncoder();
  const tals = [encoder.encode("+0\x14\x14\x00")];
  for (const a of annotations) {
    tals.push(encoder.encode(`+${+a.onset.toFixed(6)}\x15${+a.duration.toFixed(6)}\x14${a.text}\x14\x00`));
  }
  const length = tals.reduce((sum, t) => sum + t.length, 0);
  const samples = Math.ceil(length / 2);
  const two = (n) => String(n).padStart(2, "0");
  const when = start ?? new Date(Date.UTC(1985, 0, 1));
  const date = `${two(when.getUTCDate())}.${two(when.getUTCMonth() + 1)}.${two(when.getUTCFullYear() % 100)}`;
  const time = `${two(when.getUTCHours())}.${two(when.getUTCMinutes())}.${two(when.getUTCSeconds())}`;
  const startdate = start ? `${two(when.getUTCDate())}-${["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][when.getUTCMonth()]}-${when.getUTCFullYear()}` : "X";
  const header =
    padded("0", 8) + padded("X X X X", 80) + padded(`Startdate ${startdate} X X X`, 80) + padded(date, 8) +
    padded(time, 8) + padded(512, 8) + padded("EDF+C", 44) + padded(1, 8) + padded(0, 8) + padded(1, 4) +
    padded(ANNOTATION_LABEL, 16) + padded("", 80) + padded("", 8) + padded(-1, 8) + padded(1, 8) +
    padded(-32768, 8) + padded(32767, 8) + padded("", 80) + padded(samples, 8) + padded("", 32);
  const out = new Uint8Array(512 + 2 * samples);
  for (let i = 0; i < 512; i += 1) out[i] = header.charCodeAt(i);
  let at = 512;
  for (const t of tals) {
    out.set(t, at);
    at += t.length;
  }
  return out;
}
