// The live table: per layer output shape, parameters (weights + biases) and multiply-adds,
// with totals; each layer's time once the network has run. Filled from pycore's trace.
import { el, prefixTestids } from "./dom.js";
import { fmtInt, fmtShort, fmtMs } from "./format.js";
import { TYPE_LABELS } from "./layer-editor.js";

/** The empty table; `testidPrefix` goes before its data-testid hooks (another tab's table). */
export function tableSkeleton(testidPrefix = "") {
  const tbody = el("tbody");
  const tfoot = el("tfoot");
  const table = el("table", { className: "b-table", dataset: { testid: "layer-table" } },
    el("caption", { className: "sr-only" }, "Each layer's output shape, parameters and multiply-adds"),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", className: "b-idx" }, "#"),
      el("th", { scope: "col" }, "Layer"),
      el("th", { scope: "col" }, "Output shape"),
      el("th", { scope: "col", className: "num" }, el("span", { className: "b-long" }, "Parameters"), el("span", { className: "b-short" }, "Params")),
      el("th", { scope: "col", className: "num" }, el("span", { className: "b-long" }, "Multiply-adds"), el("span", { className: "b-short" }, "Mult-adds")),
      el("th", { scope: "col", className: "num b-time" }, "Time"))),
    tbody, tfoot);
  prefixTestids(table, testidPrefix);
  return { table, tbody, tfoot, testidPrefix };
}

function describe(row) {
  if (row.type === "input") return ["input"];
  const label = TYPE_LABELS[row.type] || row.type || "?";
  const act = row.activation ? ` + ${row.activation === "leaky_relu" ? "leaky ReLU" : row.activation === "relu" ? "ReLU" : row.activation}` : "";
  return [row.name, el("span", { className: "b-type muted" }, ` (${label}${act})`)];
}

/**
 * @param {{tbody, tfoot}} t  from tableSkeleton
 * @param {object} trace      network_trace meta
 * @param {object|null} times {layerName: ms} from the last run of this same stack, or null
 */
export function fillTable(t, trace, times) {
  const rows = trace.rows.map((row, i) => {
    const bad = row.error && row.index === trace.error_index;
    const tr = el("tr", {
      dataset: {
        testid: i === 0 ? "input-row" : "layer-row",
        name: row.name,
        shape: row.output_shape ? row.output_shape.join(",") : "",
        params: String(row.params),
        macs: String(row.macs),
      },
      className: bad ? "bad" : row.error ? "after-bad" : "",
    });
    if (bad) tr.dataset.error = row.error;
    const shapeCell = el("td", { className: "shape" });
    if (row.output_shape) shapeCell.append(el("code", {}, `(${row.output_shape.join(", ")})`));
    else if (bad) shapeCell.append(el("strong", { className: "b-bad-text" }, "✕ breaks here"));
    else shapeCell.append(el("span", { className: "muted" }, "—"));
    const params = row.output_shape && row.params
      ? el("span", { title: `${fmtInt(row.weights)} weights + ${fmtInt(row.biases)} biases` }, fmtInt(row.params))
      : row.output_shape ? "0" : "";
    const ms = times && row.name in times ? fmtMs(times[row.name]) : "";
    tr.append(
      el("td", { className: "muted b-idx" }, i === 0 ? "" : String(i)),
      el("th", { scope: "row" }, ...describe(row)),
      shapeCell,
      el("td", { className: "num" }, params),
      el("td", { className: "num", title: row.macs ? fmtInt(row.macs) : "" }, row.output_shape && i > 0 ? fmtShort(row.macs) : ""),
      el("td", { className: "num b-time", dataset: { testid: "layer-time" } }, ms),
    );
    if (!bad) return [tr];
    // the reason, on a row of its own under the layer that breaks
    return [tr, el("tr", { className: "bad b-reason", dataset: { testid: "layer-error-row" } },
      el("td", { className: "b-idx" }),
      el("td", { colSpan: 5 }, el("span", { className: "b-bad-text" }, row.reason || row.error)))];
  });
  t.tbody.replaceChildren(...rows.flat().map((r) => prefixTestids(r, t.testidPrefix)));
  const tot = trace.totals;
  const total = times ? Object.values(times).reduce((a, b) => a + b, 0) : null;
  t.tfoot.replaceChildren(el("tr", { dataset: { testid: "totals", params: String(tot.params), macs: String(tot.macs), weights: String(tot.weights), biases: String(tot.biases) } },
    el("td", { className: "b-idx" }),
    el("th", { scope: "row" }, "Total"),
    el("td", {}, trace.valid ? "" : el("span", { className: "b-bad-text" }, "invalid stack")),
    el("td", { className: "num", dataset: { testid: "total-params" } }, trace.valid
      ? [el("strong", {}, fmtInt(tot.params)), el("br"), el("small", { className: "b-wb" }, `${fmtInt(tot.weights)} weights + ${fmtInt(tot.biases)} biases`)]
      : "—"),
    el("td", { className: "num", dataset: { testid: "total-macs" }, title: fmtInt(tot.macs) }, trace.valid ? el("strong", {}, fmtShort(tot.macs)) : "—"),
    el("td", { className: "num b-time", dataset: { testid: "total-time" } }, total === null ? "" : fmtMs(total)),
  ));
  prefixTestids(t.tfoot.firstChild, t.testidPrefix);
}
