// Undo/redo and autosave: compares the serialised graph after each user action.
import { UNDO_LIMIT } from "./constants.js";

export class ChangeTracker {
  /**
   * @param {() => object} serialize  current workflow
   * @param {(wf: object) => void} restore  load a workflow without recording it
   * @param {(json: string) => void} onChange  called with the new JSON after each recorded change
   */
  constructor(serialize, restore, onChange) {
    this.serialize = serialize;
    this.restore = restore;
    this.onChange = onChange;
    this.undoStack = [];
    this.redoStack = [];
    this.current = null;
    this.restoring = false;
  }

  /** Forget history; the present graph becomes the base state. */
  reset() {
    this.undoStack = [];
    this.redoStack = [];
    this.current = null;
    this.check();
  }

  /** Record the graph if it changed since the last check. */
  check() {
    if (this.restoring) return false;
    const json = JSON.stringify(stripView(this.serialize()));
    if (json === this.current) return false;
    if (this.current !== null) {
      this.undoStack.push(this.current);
      if (this.undoStack.length > UNDO_LIMIT) this.undoStack.shift();
      this.redoStack = [];
    }
    this.current = json;
    this.onChange(json);
    return true;
  }

  undo() { return this.#move(this.undoStack, this.redoStack); }
  redo() { return this.#move(this.redoStack, this.undoStack); }

  #move(from, to) {
    this.check();
    if (!from.length) return false;
    const target = from.pop();
    to.push(this.current);
    this.current = target;
    this.restoring = true;
    try {
      this.restore(JSON.parse(target));
    } finally {
      this.restoring = false;
    }
    this.onChange(target);
    return true;
  }
}

/** The viewport (pan/zoom) is not an undoable change. */
function stripView(workflow) {
  if (workflow && workflow.extra && workflow.extra.ds) {
    const extra = { ...workflow.extra };
    delete extra.ds;
    return { ...workflow, extra };
  }
  return workflow;
}
