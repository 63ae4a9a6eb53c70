// Custom node packs' web scripts (GET /api/extensions) and their hooks:
// registerExtension({name, init, setup, beforeRegisterNodeDef, nodeCreated}).

export class ExtensionManager {
  constructor(app) {
    this.app = app;
    this.list = [];
    this.failed = [];
  }

  registerExtension(ext) {
    if (!ext || typeof ext.name !== "string") throw new Error("registerExtension: the extension needs a name");
    if (this.list.some((e) => e.name === ext.name)) throw new Error(`registerExtension: "${ext.name}" is already registered`);
    this.list.push(ext);
  }

  /** Import every script the server lists; a failing script is reported, the others still load. */
  async load() {
    let urls = [];
    try {
      urls = await this.app.api.extensions();
    } catch (err) {
      this.app.panels.error("Could not list custom node web extensions (/api/extensions)", String(err));
      return;
    }
    for (const url of urls || []) {
      try {
        await import(url);
      } catch (err) {
        this.failed.push(url);
        this.app.panels.error(`Custom node script ${url} failed to load`, String(err && err.stack ? err.stack : err));
      }
    }
  }

  /** Call an app-level hook (init, setup) on each extension. */
  call(hook) {
    for (const ext of this.list) {
      try {
        ext[hook]?.(this.app);
      } catch (err) {
        this.app.panels.error(`Extension ${ext.name}: ${hook} failed`, String(err && err.stack ? err.stack : err));
      }
    }
  }

  beforeRegisterNodeDef(nodeType, nodeData) {
    for (const ext of this.list) ext.beforeRegisterNodeDef?.(nodeType, nodeData, this.app);
  }

  nodeCreated(node) {
    for (const ext of this.list) ext.nodeCreated?.(node, this.app);
  }
}
