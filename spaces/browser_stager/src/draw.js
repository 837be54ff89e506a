// The hypnogram (a step line, wake at the top) and the hypnodensity (stacked probabilities) on canvases.

export const STAGE_COLOURS = { W: "#f2b134", N1: "#8fd3f4", N2: "#3a86ff", N3: "#1d3557", REM: "#e63946" };
const DRAW_ORDER = ["W", "REM", "N1", "N2", "N3"]; // top to bottom, as clinical hypnograms draw them

export function drawHypnogram(canvas, stages, stageNames) {
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  const rows = DRAW_ORDER.filter((s) => stageNames.includes(s)).concat(stageNames.filter((s) => !DRAW_ORDER.includes(s)));
  const left = 50;
  const rowHeight = (height - 20) / rows.length;
  const y = (stage) => 10 + (rows.indexOf(stage) + 0.5) * rowHeight;
  const x = (epoch) => left + ((width - left - 10) * epoch) / stages.length;
  context.clearRect(0, 0, width, height);
  context.font = "14px sans-serif";
  context.fillStyle = "#222";
  rows.forEach((stage) => context.fillText(stage, 5, y(stage) + 5));
  context.strokeStyle = "#222";
  context.beginPath();
  stages.forEach((stage, e) => {
    if (e === 0) context.moveTo(x(0), y(stage));
    else context.lineTo(x(e), y(stage));
    context.lineTo(x(e + 1), y(stage));
  });
  context.stroke();
}

export function drawHypnodensity(canvas, probabilities, stageNames) {
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  const nStages = stageNames.length;
  const nEpochs = probabilities.length / nStages;
  const step = width / nEpochs;
  context.clearRect(0, 0, width, height);
  for (let e = 0; e < nEpochs; e += 1) {
    let top = 0;
    stageNames.forEach((stage, s) => {
      const h = probabilities[e * nStages + s] * height;
      context.fillStyle = STAGE_COLOURS[stage] || "#888";
      context.fillRect(e * step, top, Math.ceil(step), h);
      top += h;
    });
  }
}
