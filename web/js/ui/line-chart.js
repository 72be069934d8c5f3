// A line chart on a canvas: labelled axes with nice ticks, several series (a line, or dots
// joined by a line), a legend in HTML. Points are appended as they come and the chart is
// redrawn once per animation frame at most; drawLineChart itself keeps no state.
import { el } from "./dom.js";
import { sizeCanvas } from "./canvas.js";
import { extent, linear, niceTicks, tickLabel } from "./chart-scale.js";
import { onWidthChange } from "./schedule.js";

const PAD = { left: 46, right: 10, top: 10, bottom: 38 };

/**
 * Draw a chart into a 2-D context of CSS size (w, h).
 * @param {CanvasRenderingContext2D} ctx
 * @param {{series: {label, color, dash?: number[], dots?: boolean, width?: number, points: number[][]}[],
 *          xLabel: string, yLabel: string, xRange?: number[], yRange?: number[], yScale?: number}} c
 *   xRange / yRange fix an axis (else it follows the data); yScale multiplies the tick labels
 *   (100 shows 0..1 as 0..100).
 */
export function drawLineChart(ctx, w, h, c) {
  ctx.clearRect(0, 0, w, h);
  const xe = c.xRange ? { lo: c.xRange[0], hi: c.xRange[1] } : extent(c.series, 0) || { lo: 0, hi: 1 };
  const ye = c.yRange ? { lo: c.yRange[0], hi: c.yRange[1] } : extent(c.series, 1) || { lo: 0, hi: 1 };
  const xt = niceTicks(xe.lo, xe.hi, Math.max(2, Math.floor((w - PAD.left - PAD.right) / 60)));
  const yt = niceTicks(c.yRange ? ye.lo : Math.min(0, ye.lo), ye.hi, Math.max(2, Math.floor((h - PAD.top - PAD.bottom) / 32)));
  const x0 = PAD.left;
  const x1 = w - PAD.right;
  const y0 = h - PAD.bottom;
  const y1 = PAD.top;
  const X = linear(xt.lo, xt.hi, x0, x1);
  const Y = linear(yt.lo, yt.hi, y0, y1);
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  // grid and tick labels
  ctx.strokeStyle = "#e3e6ec";
  ctx.fillStyle = "#5b6475";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yt.ticks) {
    const y = Math.round(Y(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x0, y);
    ctx.lineTo(x1, y);
    ctx.stroke();
    ctx.fillText(tickLabel(t * (c.yScale || 1), yt.step * (c.yScale || 1)), x0 - 4, y);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of xt.ticks) {
    const x = Math.round(X(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y0 + 4);
    ctx.stroke();
    ctx.fillText(tickLabel(t, xt.step), x, y0 + 6);
  }
  ctx.strokeStyle = "#8a8f99";
  ctx.beginPath();
  ctx.moveTo(x0 + 0.5, y1);
  ctx.lineTo(x0 + 0.5, y0 + 0.5);
  ctx.lineTo(x1, y0 + 0.5);
  ctx.stroke();
  // axis labels
  ctx.fillStyle = "#1d2330";
  ctx.fillText(c.xLabel, (x0 + x1) / 2, h - 14);
  ctx.save();
  ctx.translate(11, (y0 + y1) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(c.yLabel, 0, 0);
  ctx.restore();
  // the series, clipped to the plot
  ctx.save();
  ctx.beginPath();
  ctx.rect(x0, y1 - 2, x1 - x0 + 2, y0 - y1 + 4);
  ctx.clip();
  for (const s of c.series) {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (!pts.length) continue;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.width || 1.5;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
    ctx.stroke();
    ctx.setLineDash([]);
    if (s.dots || pts.length === 1) {
      for (const p of pts) {
        ctx.beginPath();
        ctx.arc(X(p[0]), Y(p[1]), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
  ctx.restore();
}

/**
 * A chart that grows: append points, it redraws itself.
 * @param {{title: string, xLabel: string, yLabel: string, series: {id, label, color, dash?, dots?, width?}[],
 *          xRange?: number[], yRange?: number[], yScale?: number, height?: number, testid?: string,
 *          describe?: (series) => string}} o
 *   describe gives the canvas's text alternative from the series (their points).
 */
export function lineChart(o) {
  const series = o.series.map((s) => ({ ...s, points: [] }));
  const canvas = el("canvas", { className: "chart-canvas", role: "img", "aria-label": `${o.title}: no data yet` });
  const legend = el("ul", { className: "chart-legend", "aria-hidden": "true" }, ...series.map((s) => {
    const key = el("span", { className: "chart-key" });
    key.style.borderTop = `${s.dots ? 3 : 2}px ${s.dash ? "dashed" : "solid"} ${s.color}`;
    return el("li", {}, key, s.label);
  }));
  const element = el("figure", { className: "chart", dataset: { testid: o.testid || "chart" } },
    el("figcaption", { className: "chart-title" }, o.title), canvas, legend);
  let xRange = o.xRange || null;
  let queued = false;

  function draw() {
    queued = false;
    const w = Math.max(200, Math.floor(element.clientWidth || 320));
    const h = o.height || 190;
    const ctx = sizeCanvas(canvas, w, h);
    drawLineChart(ctx, w, h, { series, xLabel: o.xLabel, yLabel: o.yLabel, xRange, yRange: o.yRange, yScale: o.yScale });
    if (o.describe) canvas.setAttribute("aria-label", `${o.title}: ${o.describe(series)}`);
  }
  function redraw() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(draw);
  }
  onWidthChange(element, redraw, 100);

  return {
    element,
    /** Add one point (x, y) to the series `id`. */
    append(id, x, y) {
      series.find((s) => s.id === id).points.push([x, y]);
      redraw();
    },
    /** Add many points to a series at once. */
    extend(id, points) {
      series.find((s) => s.id === id).points.push(...points);
      redraw();
    },
    /** Fix the x axis to [lo, hi] (null: follow the data). */
    setXRange(r) {
      xRange = r;
      redraw();
    },
    clear() {
      for (const s of series) s.points = [];
      redraw();
    },
    series: (id) => series.find((s) => s.id === id).points,
  };
}
