// Compatibility shim: custom node scripts written for ComfyUI import
// `app` from "../../scripts/app.js"; here it is the running editor.
export const app = window.app;
