// node tests/browser/js_units.mjs CASES.json -> results of the DOM-free editor modules on each case.
// Each case: {fn, args}; fn names a function of graph.js or pnginfo.js, or "subgraphs.NAME" one of
// subgraphs.js (Map results come back as [key, value] lists). Binary inputs are base64.
import { readFileSync } from "node:fs";
import * as graph from "../../web/js/graph.js";
import * as pnginfo from "../../web/js/pnginfo.js";
import * as subgraphs from "../../web/js/subgraphs.js";
import * as widgets from "../../web/js/widgets.js";

const b64 = (s) => { const b = Buffer.from(s, "base64"); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); };
const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = [];
for (const c of cases) {
  try {
    let r;
    if (c.fn === "readPngText") r = await pnginfo.readPngText(b64(c.args[0]));
    else if (c.fn === "workflowFromPng") r = await pnginfo.workflowFromPng(b64(c.args[0]));
    else if (c.fn === "parseBinaryFrame") {
      const f = graph.parseBinaryFrame(b64(c.args[0]));
      r = { ...f, bytes: f.bytes ? Buffer.from(f.bytes).toString("base64") : undefined };
    } else if (c.fn === "applyControl") {
      const [v, mode, opts, rnd] = c.args;
      r = graph.applyControl(v, mode, opts, () => rnd);
    } else if (c.fn === "processDynamicPrompt" || c.fn === "uiToApi") {
      const vals = c.args[c.args.length - 1];   // the "random" numbers, used in a cycle
      let k = 0;
      r = graph[c.fn](...c.args.slice(0, -1), () => vals[k++ % vals.length]);
    } else if (c.fn.startsWith("widgets.")) {   // DOM-free helpers of widgets.js (snapInt, renderMarkdown)
      r = widgets[c.fn.slice("widgets.".length)](...c.args);
    } else if (c.fn.startsWith("subgraphs.")) {
      r = subgraphs[c.fn.slice("subgraphs.".length)](...c.args);
      if (r instanceof Map) r = [...r.entries()];
    } else r = graph[c.fn](...c.args);
    out.push({ ok: r === undefined ? null : r });
  } catch (err) {
    out.push({ error: String(err.message || err) });
  }
}
process.stdout.write(JSON.stringify(out));
