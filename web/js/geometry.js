// Text for "how big is the output, and why": every number comes from pycore's
// conv_output_geometry (the one place the formula lives); this only lays it out.

function axisLine(name, g, unit) {
  const li = document.createElement("li");
  const code = document.createElement("code");
  code.textContent = g.formula;
  li.append(`${name}: `, code);
  if (g.dropped > 0) {
    const drop = document.createElement("span");
    drop.className = "dropped";
    drop.dataset.testid = "dropped";
    drop.textContent = g.dropped === 1
      ? ` — the last ${unit} never fits a whole window and is dropped`
      : ` — the last ${g.dropped} ${unit}s never fit a whole window and are dropped`;
    li.append(drop);
  } else if (g.overhang > 0) {
    const part = document.createElement("span");
    part.className = "dropped";
    part.textContent = ` — ceil mode keeps a partial window that reaches ${g.overhang} ${unit}${g.overhang === 1 ? "" : "s"} past the edge`;
    li.append(part);
  }
  return li;
}

/**
 * One block per distinct window size: the output-size formula for rows and columns
 * with its numbers, and what a floor drops.
 * @param {{label: string, shape: number[], kernel: number[], geometry: {rows: object, cols: object}}[]} entries
 * @param {string} what  "Feature map" or "Pooled map"
 * @param {string} windowWord  "kernel" or "window"
 * @returns {HTMLElement[]}
 */
export function describeGeometry(entries, what, windowWord) {
  const seen = new Map();
  for (const e of entries) {
    const key = `${e.kernel[0]}x${e.kernel[1]}`;
    if (!seen.has(key)) seen.set(key, { e, labels: [] });
    seen.get(key).labels.push(e.label);
  }
  const blocks = [];
  for (const { e, labels } of seen.values()) {
    const div = document.createElement("div");
    div.className = "geometry";
    div.dataset.testid = "geometry";
    div.dataset.shape = e.shape.join(",");
    const p = document.createElement("p");
    const names = seen.size > 1 ? ` (${labels.join(", ")})` : "";
    const strong = document.createElement("strong");
    strong.textContent = `${what}: ${e.shape[0]}×${e.shape[1]}`;
    // ceil mode rounds up (⌈⌉) where the usual rule rounds down (⌊⌋)
    const [open, close] = e.geometry.rows.ceil_mode ? ["⌈", "⌉"] : ["⌊", "⌋"];
    p.append(strong, ` with a ${e.kernel[0]}×${e.kernel[1]} ${windowWord}${names}. Output size = ${open}(n + 2·padding − dilation·(k−1) − 1) / stride${close} + 1:`);
    const ul = document.createElement("ul");
    ul.append(axisLine("height", e.geometry.rows, "row"), axisLine("width", e.geometry.cols, "column"));
    div.append(p, ul);
    blocks.push(div);
  }
  return blocks;
}
