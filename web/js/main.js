// Entry point: one App on the page, reachable as window.app (custom node scripts use it).
import { App } from "./app.js";

const app = new App(document.body);
window.app = app;
app.setup().catch((err) => {
  const box = document.querySelector("#fatal");
  box.hidden = false;
  box.textContent = `The editor could not start: ${err && err.message ? err.message : err}`;
  throw err;
});
