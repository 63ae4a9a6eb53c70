// Laying out a graph built from an API prompt (which has no positions): nodes in columns by depth,
// sized so that widget labels and values are not cut, and the columns folded into bands (rows of
// columns) when one row would be too wide to read once the view is fitted to it.

export const LAYOUT_NODE_WIDTH = 320;   // wide enough for "ckpt_name  v1-5-pruned-emaonly.safetensors"
const COLUMN_GAP = 60;
const ROW_GAP = 50;          // between nodes of one column (room for the title bar)
const BAND_GAP = 100;
const MARGIN = 40;

/**
 * Place nodes given as {column, size: [w, h], hasWidgets}; widens nodes with widgets to
 * LAYOUT_NODE_WIDTH and returns [{pos: [x, y], size: [w, h]}] in the same order.
 * aspect: the width / height of the view the graph will be fitted into; the number of bands is the one
 * that lets the whole graph be shown largest.
 */
export function layoutColumns(items, aspect = 1.6) {
  const sizes = items.map((it) => [it.hasWidgets ? Math.max(it.size[0], LAYOUT_NODE_WIDTH) : it.size[0], it.size[1]]);
  const ncol = items.reduce((m, it) => Math.max(m, it.column + 1), 0);
  const colWidth = Array(ncol).fill(0);
  const colHeight = Array(ncol).fill(0);
  items.forEach((it, i) => {
    colWidth[it.column] = Math.max(colWidth[it.column], sizes[i][0]);
    colHeight[it.column] += sizes[i][1] + ROW_GAP;
  });
  const bandsOf = (k) => {
    const per = Math.ceil(ncol / k);
    const bands = [];
    for (let c = 0; c < ncol; c += per) bands.push([c, Math.min(c + per, ncol)]);
    return bands;
  };
  const extent = (bands) => {
    let w = 0;
    let h = 0;
    for (const [a, b] of bands) {
      w = Math.max(w, colWidth.slice(a, b).reduce((s, x) => s + x + COLUMN_GAP, 0));
      h += Math.max(...colHeight.slice(a, b)) + BAND_GAP;
    }
    return [w, h];
  };
  let best = null;
  for (let k = 1; k <= Math.max(1, Math.min(3, ncol)); k += 1) {
    const bands = bandsOf(k);
    const [w, h] = extent(bands);
    const scale = Math.min(aspect / w, 1 / h);
    if (!best || scale > best.scale * 1.05) best = { bands, scale };   // fewer bands unless clearly larger
  }
  const colX = Array(ncol).fill(0);
  const colY = Array(ncol).fill(0);
  let y = MARGIN;
  for (const [a, b] of best.bands) {
    let x = MARGIN;
    for (let c = a; c < b; c += 1) {
      colX[c] = x;
      colY[c] = y;
      x += colWidth[c] + COLUMN_GAP;
    }
    y += Math.max(...colHeight.slice(a, b)) + BAND_GAP;
  }
  return items.map((it, i) => {
    const pos = [colX[it.column], colY[it.column]];
    colY[it.column] += sizes[i][1] + ROW_GAP;
    return { pos, size: sizes[i] };
  });
}
