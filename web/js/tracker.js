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
    this.current = null;      // JSON of the present state (what Undo returns to)
    this.currentKey = null;   // its comparison key
    this.restoring = false;
  }

  /** Forget history; the present graph becomes the base state. */
  reset() {
    this.undoStack = [];
    this.redoStack = [];
    this.current = null;
    this.currentKey = null;
    this.check();
  }

  /** Record the graph if it changed since the last check. */
  check() {
    if (this.restoring) return false;
    const state = stripView(this.serialize());
    const key = compareKey(state);
    if (key === this.currentKey) return false;
    if (this.current !== null) {
      this.undoStack.push(this.current);
      if (this.undoStack.length > UNDO_LIMIT) this.undoStack.shift();
      this.redoStack = [];
    }
    this.current = JSON.stringify(state);
    this.currentKey = key;
    this.onChange(this.current);
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
    const state = JSON.parse(target);
    this.currentKey = compareKey(state);
    this.restoring = true;
    try {
      this.restore(state);
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

/**
 * What two states are compared by: the state without the nodes' execution `order`, which litegraph
 * recomputes on its own after a configure (graph.computeExecutionOrder; comparing it made the first
 * key release after an Undo record a new step and empty the redo stack), and without the graph's
 * `id`, which litegraph makes up anew each time a workflow without one (the default graph) loads.
 */
function compareKey(state) {
  if (!state || !Array.isArray(state.nodes)) return JSON.stringify(state);
  const { id, ...rest } = state;
  return JSON.stringify({ ...rest, nodes: state.nodes.map(({ order, ...node }) => node) });
}
