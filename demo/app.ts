// The demo page: acquires WebGPU, fetches the digits, and connects the session (the
// model and its training loop) to the panels. `body[data-state]` says what the page
// is doing (loading, ready, training, busy, error), for people and for the browser test.
import { createBrowserGpu, encode } from '../src/index.js';
import type { Gpu, Split } from '../src/index.js';
import { CheckpointPanel } from './checkpoint-io.js';
import { coalesced } from './coalesce.js';
import { loadDigits } from './dataset.js';
import { Denoising } from './denoising.js';
import { DigitPicker } from './digit-picker.js';
import { byId } from './dom.js';
import { Inpainting } from './inpainting.js';
import { Interpolation } from './interpolation.js';
import { DIGIT_COLORS, LatentMap } from './latent-map.js';
import { drawReconstructions, drawSamples } from './pictures.js';
import { Session } from './session.js';
import { TrainingPanel } from './training-panel.js';
import { Traversal } from './traversal.js';

/** While training, pictures are also redrawn this often within an epoch. */
const REFRESH_MS = 4000;

const status = byId('status', HTMLElement);
const errorBox = byId('error', HTMLElement);

function setState(state: 'loading' | 'ready' | 'training' | 'busy' | 'error', text: string): void {
  document.body.dataset.state = state;
  status.textContent = text;
}

function showError(e: Error): void {
  console.error(e);
  errorBox.textContent = e.message;
  errorBox.hidden = false;
}

async function acquireGpu(): Promise<Gpu> {
  try {
    return await createBrowserGpu({ log: null });
  } catch (e) {
    throw new Error(
      `WebGPU is not available: ${(e as Error).message} ` +
        'This demo needs a browser with WebGPU: Chrome or Edge 113+, Safari 26+, or Firefox 141+ (Windows). ' +
        'On Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu and #enable-vulkan.',
    );
  }
}

async function main(): Promise<void> {
  // The controls are filled in first, so a page that cannot start still shows them.
  const panel = new TrainingPanel();
  setState('loading', 'Acquiring WebGPU…');
  const gpu = await acquireGpu();
  const adapter = `${gpu.adapter.name} (${gpu.adapter.featureLevel} feature level)`;
  byId('adapter', HTMLElement).textContent = `adapter: ${adapter}`;
  setState('loading', `WebGPU adapter: ${adapter}. Fetching the digits…`);
  const data = await loadDigits('digits.bin', new URLSearchParams(location.search));
  byId('stat-data', HTMLElement).textContent = `${data.train.n} train · ${data.test.n} test`;
  connect(panel, gpu, data, adapter);
}

function connect(panel: TrainingPanel, gpu: Gpu, data: Split, adapter: string): void {
  const ready = () => setState('ready', `Ready on ${adapter}.`);
  const reconstructions = byId('reconstructions', HTMLCanvasElement);
  const samples = byId('samples', HTMLCanvasElement);

  // Everything that shows the model is redrawn together. A redraw asked for while one
  // runs joins it; `fresh` waits for it and draws again, so an epoch's pictures match it.
  // The test set is encoded once per redraw, for the latent map and the traversal.
  let drawing: Promise<void> | null = null;
  let lastDraw = 0;
  const redraw = async (fresh: boolean): Promise<void> => {
    if (drawing && !fresh) return drawing;
    while (drawing) await drawing.catch(() => undefined);
    lastDraw = performance.now();
    drawing = (async () => {
      const model = session.model;
      picker.setClasses(model.config.classes);
      await drawReconstructions(model, data.test, reconstructions);
      await redrawSamples();
      const latents = await encode(model, data.test.images, data.test.n, data.test.labels);
      map.refresh(latents.mu);
      await interpolation.refresh();
      await traversal.refresh(latents);
      await inpainting.refresh();
      await denoising.refresh();
    })().finally(() => (drawing = null));
    return drawing;
  };

  const session: Session = new Session(
    gpu,
    data,
    {
      model: async (initial) => {
        panel.newModel(initial);
        await redraw(true);
      },
      step: (p) => {
        panel.step(p);
        if (performance.now() - lastDraw > REFRESH_MS) redraw(false).catch(showError);
      },
      epoch: async (m) => {
        panel.epoch(m);
        await redraw(true);
      },
      running: () => settle(),
      error: showError,
    },
    panel.modelSettings(),
  );
  const model = () => session.model;
  // A conditional model draws its samples and decodes map points as the picked digit
  // (a pick during a redraw draws the samples again after it).
  const redrawSamples = coalesced(() => drawSamples(session.model, picker.digit, samples), showError);
  const picker = new DigitPicker(byId('digit-picker', HTMLFieldSetElement), byId('digit-note', HTMLElement), () => {
    void redrawSamples();
    map.redecode();
  });
  const map = new LatentMap(
    byId('latent-map', HTMLCanvasElement),
    byId('decoded', HTMLCanvasElement),
    byId('decoded-at', HTMLElement),
    byId('map-note', HTMLElement),
    data.test,
    model,
    () => picker.digit,
    showError,
  );
  const interpolation = new Interpolation(
    {
      a: byId('interp-a', HTMLInputElement),
      b: byId('interp-b', HTMLInputElement),
      t: byId('interp-t', HTMLInputElement),
      tOut: byId('interp-t-out', HTMLOutputElement),
      aImage: byId('interp-a-img', HTMLCanvasElement),
      bImage: byId('interp-b-img', HTMLCanvasElement),
      middle: byId('interp-mid', HTMLCanvasElement),
      strip: byId('interp-strip', HTMLCanvasElement),
    },
    data.test,
    model,
    showError,
  );
  // Repair and traverse: each finds its own elements; all are given each test digit's own label.
  const inpainting = new Inpainting(data.test, model, showError);
  const denoising = new Denoising(data.test, model, showError);
  const traversal = new Traversal(data.test, model, showError);
  legend(byId('map-legend', HTMLElement));

  // Reset and load swap models: the buttons wait until the new one has been drawn.
  let swapping = false;
  const settle = () => {
    if (swapping) return;
    const on = session.running;
    panel.start.disabled = on;
    panel.pause.disabled = !on;
    panel.reset.disabled = panel.family.disabled = false;
    if (on) setState('training', `Training on ${adapter}…`);
    else ready();
  };
  const busy = async (text: string, action: () => Promise<void>) => {
    errorBox.hidden = true;
    swapping = true;
    setState('busy', text);
    panel.start.disabled = panel.pause.disabled = panel.reset.disabled = panel.family.disabled = true;
    try {
      await action();
    } catch (e) {
      showError(e as Error);
    } finally {
      swapping = false;
      settle();
    }
  };
  const download = byId('ckpt-download', HTMLButtonElement);
  const checkpoints = new CheckpointPanel(
    { files: byId('ckpt-files', HTMLInputElement), url: byId('ckpt-url', HTMLInputElement), urlLoad: byId('ckpt-url-load', HTMLButtonElement), download, status: byId('ckpt-status', HTMLElement) },
    session,
    (config) => panel.showModel(config),
    busy,
    showError,
  );
  panel.start.addEventListener('click', () => {
    errorBox.hidden = true;
    try {
      session.start(panel.optimSettings());
    } catch (e) {
      showError(e as Error);
    }
  });
  // The interrupted epoch's steps changed the model: the pictures catch up before the page is ready.
  panel.pause.addEventListener('click', () =>
    void busy('Pausing…', async () => {
      await session.pause();
      await redraw(true);
    }),
  );
  const rebuild = (text: string) =>
    busy(text, async () => {
      await session.reset(panel.modelSettings());
      checkpoints.clearStatus();
    });
  panel.reset.addEventListener('click', () => void rebuild('Building a new model…'));
  panel.family.addEventListener('change', () => void rebuild(`Building a ${panel.family.selectedOptions[0].text}…`));

  // A run the server preloads (npm run demo -- --checkpoint DIR) replaces the fresh model at once.
  void busy('Evaluating the model…', async () => {
    if (!(await checkpoints.loadPreloaded())) await session.introduce();
    download.disabled = false;
  });
}

/** The map's colour key, one swatch per digit. */
function legend(el: HTMLElement): void {
  el.replaceChildren(
    ...DIGIT_COLORS.map((color, digit) => {
      const item = document.createElement('span');
      item.style.setProperty('--swatch', color);
      item.textContent = String(digit);
      return item;
    }),
  );
}

main().catch((e: Error) => {
  setState('error', 'The demo could not start.');
  showError(e);
});
