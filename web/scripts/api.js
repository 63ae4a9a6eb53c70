// Compatibility shim: `import { api } from "../../scripts/api.js"` in custom node scripts.
export const api = window.app.api;
