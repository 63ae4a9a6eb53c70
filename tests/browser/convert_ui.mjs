// node tests/browser/convert_ui.mjs OBJECT_INFO.json WORKFLOW.json [...]
// Prints {file: prompt} converted by the editor's DOM-free web/js/graph.js.
import { readFileSync } from "node:fs";
import { uiToApi } from "../../web/js/graph.js";

const [objectInfoPath, ...files] = process.argv.slice(2);
const objectInfo = JSON.parse(readFileSync(objectInfoPath, "utf8"));
const out = {};
for (const f of files) out[f] = uiToApi(JSON.parse(readFileSync(f, "utf8")), objectInfo);
process.stdout.write(JSON.stringify(out));
