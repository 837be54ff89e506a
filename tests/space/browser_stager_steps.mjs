// Runs the browser stager's own modules in Node for tests/space/test_browser_stager_steps.py: reads a job (JSON)
// and writes what the page's EDF reader, EDF+ writer and signal steps give, for the Python side to compare with
// MNE and scipy. Usage: node browser_stager_steps.mjs JOB.json OUT_DIR
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [space, jobPath, out] = process.argv.slice(2);
const { readEdf, writeAnnotationsEdf } = await import(join(space, "src", "edf.js"));
const { filtfilt, percentiles, resamplePoly, resampleRatio } = await import(join(space, "src", "dsp.js"));
const { centralEegChannels, sleepStatistics, windowStarts } = await import(join(space, "src", "staging.js"));
const job = JSON.parse(readFileSync(jobPath, "utf-8"));
const f64 = (path) => {
  const bytes = readFileSync(path);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
};
const result = { edf: [], resample: [], filtfilt: null, percentiles: null, errors: [] };

for (const [k, path] of job.edf.entries()) {
  const bytes = readFileSync(path);
  const edf = readEdf(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), path);
  edf.signals.forEach((signal, i) => writeFileSync(join(out, `edf${k}_${i}.f64`), Buffer.from(signal.data.buffer)));
  result.edf.push({
    start: edf.start && edf.start.toISOString(),
    labels: edf.signals.map((s) => s.label),
    rates: edf.signals.map((s) => s.sampleRate),
    annotations: edf.annotations,
  });
}
for (const path of job.broken) {
  const bytes = readFileSync(path);
  try {
    readEdf(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), path);
    result.errors.push(null);
  } catch (error) {
    result.errors.push(`${error.constructor.name}: ${error.message}`);
  }
}
const written = writeAnnotationsEdf(job.annotations, new Date(job.start));
writeFileSync(join(out, "annotations.edf"), written);
const x = f64(job.signal);
for (const [native, target] of job.rates) {
  const [up, down] = resampleRatio(native, target);
  writeFileSync(join(out, `resample_${native}_${target}.f64`), Buffer.from(resamplePoly(x, up, down).buffer));
  result.resample.push([up, down]);
}
const filtered = filtfilt(job.b, job.a, job.zi, x);
writeFileSync(join(out, "filtfilt.f64"), Buffer.from(Float64Array.from(filtered).buffer));
result.percentiles = percentiles(x, [25, 50, 75]);
result.channels = job.channels.map((labels) => {
  try {
    return centralEegChannels(labels, 2);
  } catch (error) {
    return error.message;
  }
});
result.windows = job.windows.map(([n, window, stride, offset]) => windowStarts(n, window, stride, offset));
result.statistics = job.hypnograms.map((labels) => sleepStatistics(labels, 30, ["W", "N1", "N2", "N3", "REM"]));
writeFileSync(join(out, "result.json"), JSON.stringify(result));
