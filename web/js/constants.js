// Texts and fixed values shared by the editor modules (one place each).

/** The command that writes a tiny random checkpoint for a first smoke test. */
export const SMOKE_CHECKPOINT_COMMAND = "python main.py smoke-checkpoint";
export const CHECKPOINT_FOLDER = "models/checkpoints";
export const EMPTY_CHECKPOINT_LABEL = `(no checkpoints: add one to ${CHECKPOINT_FOLDER})`;
export const AUTOSAVE_KEY = "sdflow.workflow";
export const UNDO_LIMIT = 50;

/** Link and socket colours by data type (ComfyUI's palette). */
export const TYPE_COLORS = {
  CLIP: "#FFD500",
  CLIP_VISION: "#A8DADC",
  CLIP_VISION_OUTPUT: "#ad7452",
  CONDITIONING: "#FFA931",
  CONTROL_NET: "#6EE7B7",
  IMAGE: "#64B5F6",
  LATENT: "#FF9CF9",
  MASK: "#81C784",
  MODEL: "#B39DDB",
  STYLE_MODEL: "#C2FFAE",
  VAE: "#FF6E6E",
  NOISE: "#B0B0B0",
  GUIDER: "#66FFFF",
  SAMPLER: "#ECB4B4",
  SIGMAS: "#CDFFCD",
  UPSCALE_MODEL: "#d4a373",
  INT: "#7ec8e3",
  FLOAT: "#a1e3a1",
  STRING: "#e8e8a0",
  BOOLEAN: "#e0a0e0",
  COMBO: "#c0c0c0",
};
