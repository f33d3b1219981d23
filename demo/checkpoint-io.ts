// Loading and saving checkpoints in the page. A checkpoint is the pair a Node run
// writes (src/cli/train.ts): model.safetensors with the parameters and config.json
// with the model configuration. Both are decoded and checked by the library before
// the session swaps models, so a bad file leaves the current model in place. A run
// the demo server preloads (`--checkpoint DIR`) is loaded by URL, like any other.
import { decodeCheckpoint, decodeConfig, encodeCheckpoint, encodeConfig, parameterSpecs } from '../src/index.js';
import type { DenseConfig } from '../src/index.js';
import { FAMILIES, familyOf } from './family.js';
import { CONFIG_FILE, MODEL_FILE, RUN_INDEX, type RunIndex } from './run-files.js';
import type { Session } from './session.js';

export { CONFIG_FILE, MODEL_FILE };

export interface CheckpointElements {
  files: HTMLInputElement;
  url: HTMLInputElement;
  urlLoad: HTMLButtonElement;
  download: HTMLButtonElement;
  status: HTMLElement;
}

export class CheckpointPanel {
  constructor(
    private readonly el: CheckpointElements,
    private readonly session: Session,
    /** Called after a checkpoint replaced the model (the panel shows what was loaded). */
    private readonly onLoaded: (config: DenseConfig) => void,
    /** Runs a model swap with the page marked busy, showing its error if it fails. */
    busy: (text: string, action: () => Promise<void>) => Promise<void>,
    onError: (e: Error) => void,
  ) {
    el.files.addEventListener('change', () => void busy('Loading the checkpoint…', () => this.loadFiles()));
    el.urlLoad.addEventListener('click', () => void busy('Loading the checkpoint…', () => this.loadUrl()));
    // Saving reads the parameters while training goes on; the page is not marked busy.
    el.download.addEventListener('click', () => {
      el.download.disabled = true;
      this.download()
        .catch(onError)
        .finally(() => (el.download.disabled = false));
    });
  }

  /** Forgets what was loaded (the model was rebuilt). */
  clearStatus(): void {
    this.el.status.textContent = '';
  }

  private async loadFiles(): Promise<void> {
    this.el.status.textContent = '';
    const files = [...(this.el.files.files ?? [])];
    const weights = files.find((f) => f.name.endsWith('.safetensors'));
    const config = files.find((f) => f.name.endsWith('.json'));
    this.el.files.value = '';
    if (!weights || !config) {
      throw new Error(`choose both files of a run together in the file dialog: ${MODEL_FILE} and ${CONFIG_FILE} (got ${files.map((f) => f.name).join(', ') || 'none'})`);
    }
    await this.load(await config.text(), new Uint8Array(await weights.arrayBuffer()), config.name, weights.name);
  }

  /**
   * Loads the run the demo server preloads, if it says there is one (its RUN_INDEX);
   * resolves false when there is none, or the page is served by another server.
   */
  async loadPreloaded(): Promise<boolean> {
    let index: RunIndex;
    try {
      const response = await fetch(RUN_INDEX);
      if (!response.ok) return false;
      index = (await response.json()) as RunIndex;
    } catch {
      return false;
    }
    if (!index.preloaded || !index.folder) return false;
    const folder = new URL(index.folder, location.href);
    this.el.url.value = folder.href;
    await this.loadUrl();
    this.el.status.textContent = `Preloaded by the server (--checkpoint ${index.name ?? 'DIR'}). ${this.el.status.textContent}`;
    return true;
  }

  private async loadUrl(): Promise<void> {
    this.el.status.textContent = '';
    const text = this.el.url.value.trim();
    if (!text) throw new Error(`enter the URL of a run folder (holding ${MODEL_FILE} and ${CONFIG_FILE}) or of its ${MODEL_FILE}`);
    let given: URL;
    try {
      given = new URL(text, location.href);
    } catch {
      throw new Error(`'${text}' is not a URL; enter the address of a run folder or of its ${MODEL_FILE}`);
    }
    const weightsUrl = given.pathname.endsWith('.safetensors') ? given : new URL(MODEL_FILE, given.href.endsWith('/') ? given : `${given.href}/`);
    const configUrl = new URL(CONFIG_FILE, weightsUrl);
    const [config, weights] = await Promise.all([fetchBytes(configUrl), fetchBytes(weightsUrl)]);
    await this.load(new TextDecoder().decode(config), weights, configUrl.href, weightsUrl.href);
  }

  private async load(configText: string, weights: Uint8Array, configName: string, weightsName: string): Promise<void> {
    const config = decodeConfig(configText, configName);
    const values = decodeCheckpoint(weights, parameterSpecs(config.model), weightsName);
    const epochs = config.training?.epochs_done;
    await this.session.load(config.model, values, typeof epochs === 'number' ? epochs : 0);
    const m = config.model;
    const where = config.training?.adapter as { name?: string } | undefined;
    this.el.status.textContent =
      `Loaded ${weightsName}: ${FAMILIES[familyOf(m)].label}, ${m.network === 'conv' ? `channels ${m.channels.join('-')}` : `hidden ${m.hidden.join('-')}`}, latent ${m.latent}` +
      (m.kind === 'ae' ? '' : `, β ${m.beta}`) +
      (m.classes > 0 ? `, ${m.classes} classes` : '') +
      (typeof epochs === 'number' ? `, trained ${epochs} epoch${epochs === 1 ? '' : 's'}` : '') +
      (where?.name ? ` on ${where.name}` : '') +
      '. Start continues training it.';
    this.onLoaded(m);
  }

  private async download(): Promise<void> {
    const { model } = this.session;
    const weights = encodeCheckpoint(model.parameters.slots, await model.parameters.read());
    save(new Blob([weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), MODEL_FILE);
    save(new Blob([encodeConfig(model.config, this.session.trainingRecord())], { type: 'application/json' }), CONFIG_FILE);
    this.el.status.textContent = `Saved ${MODEL_FILE} (${(weights.length / 1024).toFixed(0)} KiB) and ${CONFIG_FILE} to your downloads.`;
  }
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${url.href} (${(e as Error).message}); is the address right, and does its server allow cross-origin requests (CORS)?`);
  }
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}; a run folder holds ${MODEL_FILE} and ${CONFIG_FILE}`);
  return new Uint8Array(await response.arrayBuffer());
}

function save(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  // The download has started by the next task; the object URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
