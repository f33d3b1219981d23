// The two files of a run folder (what `webgpu-vae train --out DIR` writes and the page
// downloads), and where the demo server serves a preloaded run (`--checkpoint DIR`).
// Shared by the server (Node) and the page, so it imports nothing.

export const MODEL_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

/** The folder the server serves the preloaded run's two files in, relative to the page. */
export const RUN_FOLDER = 'run/';
/** Says whether a run is preloaded; the demo server always answers it. */
export const RUN_INDEX = `${RUN_FOLDER}index.json`;

export interface RunIndex {
  preloaded: boolean;
  /** The run folder's name on the server's disk, for the page to show. */
  name?: string;
  /** The folder holding MODEL_FILE and CONFIG_FILE, relative to the page. */
  folder?: string;
}
