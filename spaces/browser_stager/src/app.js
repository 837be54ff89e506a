// The page: loads the models once, then reads a chosen EDF with FileReader and stages it locally. Nothing the
// user chooses is sent: the only requests are this page's own files, all made before a file can be chosen.

import * as ort from "../ort/ort.wasm.min.mjs";
import { EdfError, readEdf, writeAnnotationsEdf } from "./edf.js";
import { hypnogramCsv, sleepStatistics, stageAnnotations, stageConsensus } from "./staging.js";
import { drawHypnodensity, drawHypnogram, STAGE_COLOURS } from "./draw.js";

ort.env.wasm.wasmPaths = new URL("../ort/", import.meta.url).href;
ort.env.wasm.numThreads = 1; // a static Space is not cross-origin isolated: no shared-memory threads

const status = document.getElementById("status");
const input = document.getElementById("file");
let manifest = null;
const sessions = {};

function say(message, kind = "info") {
  status.textContent = message;
  status.className = kind;
  document.body.dataset.state = kind;
}

async function loadModels() {
  manifest = await (await fetch("models/manifest.json")).json();
  for (const model of manifest.models) {
    const bytes = new Uint8Array(await (await fetch(model.graph)).arrayBuffer());
    sessions[model.name] = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  }
  input.disabled = false;
  say(`Ready: ${manifest.models.length} models loaded. Choose a recording.`, "ready");
}

function downloadLink(id, bytes, name, type) {
  const link = document.getElementById(id);
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([bytes], { type }));
  link.download = name;
}

function showStatistics(stats) {
  const table = document.getElementById("statistics");
  table.replaceChildren();
  for (const [key, value] of Object.entries(stats)) {
    const row = table.insertRow();
    row.insertCell().textContent = key;
    const unit = key === "SOREMP" ? "" : key.startsWith("%") || key === "SE" || key === "SME" ? " %" : " min";
    row.insertCell().textContent = Number.isNaN(value) ? "–" : `${value.toFixed(1)}${unit}`;
  }
}

async function stageFile(file) {
  const started = performance.now();
  document.getElementById("results").classList.add("hidden");
  say(`Reading ${file.name}…`, "busy");
  try {
    const recording = readEdf(await file.arrayBuffer(), file.name);
    say(`Staging ${file.name}…`, "busy");
    const result = await stageConsensus(ort, recording, manifest, sessions, (done) => {
      status.textContent = `Staging ${file.name}: ${Math.round(done * 100)} %`;
    });
    const statistics = sleepStatistics(result.stages, result.epochSeconds, result.stageNames);
    const seconds = (performance.now() - started) / 1000;
    drawHypnogram(document.getElementById("hypnogram"), result.stages, result.stageNames);
    drawHypnodensity(document.getElementById("hypnodensity"), result.probabilities, result.stageNames);
    document.getElementById("legend").innerHTML = result.stageNames
      .map((s) => `<span style="color:${STAGE_COLOURS[s] || "#888"}">■</span> ${s}`).join("&nbsp;&nbsp;");
    showStatistics(statistics);
    const stem = file.name.replace(/\.[^.]*$/, "");
    downloadLink("csv", hypnogramCsv(result), `${stem}_hypnogram.csv`, "text/csv");
    downloadLink("edf", writeAnnotationsEdf(stageAnnotations(result.stages, result.epochSeconds), recording.start),
      `${stem}_hypnogram.edf`, "application/octet-stream");
    document.getElementById("summary").textContent =
      `${result.stages.length} epochs of ${result.epochSeconds} s staged on ${result.channels.join(" and ")} by ` +
      `${result.members.length} members in ${seconds.toFixed(1)} s.`;
    document.getElementById("results").classList.remove("hidden");
    window.stagerResult = { ...result, probabilities: Array.from(result.probabilities), statistics, seconds };
    say(`Done: ${file.name} staged in ${seconds.toFixed(1)} s, on this machine.`, "done");
  } catch (error) {
    const message = error instanceof EdfError ? error.message : `${file.name} could not be staged: ${error.message}`;
    say(message.split("\n")[0], "error");
  }
}

input.addEventListener("change", () => {
  if (input.files.length) stageFile(input.files[0]);
});
loadModels().catch((error) => say(`The models could not be loaded: ${error.message}`.split("\n")[0], "error"));
