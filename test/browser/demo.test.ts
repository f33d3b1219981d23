// The browser demo end to end in headless Chromium on SwiftShader: the page acquires
// WebGPU, trains a small model on a subset (?train=2000&test=500) until the test loss
// has fallen, draws its canvases, decodes clicked map points, traverses a latent
// dimension, denoises and inpaints (erasing with mouse drags), saves its model, loads
// a checkpoint trained in Node through the file picker and its own one by URL (both
// evaluated alike in Node), trains every model of the family (beta-VAE, plain
// autoencoder, conditional VAE, whose digit picker changes the samples), opens with a
// run the server preloads (--checkpoint), and explains a browser without WebGPU.
// Screenshots go to test-artifacts/browser/ (git-ignored) for a person to look at.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDemo, type DemoServer } from '../../demo/serve.js';
import { decodeCheckpoint, decodeConfig, parameterSpecs } from '../../src/index.js';
import type { Gpu, Split } from '../../src/index.js';
import { launchChromium, type Browser } from './chromium.js';
import { closeNodeGpu, NODE_MODEL, nodeTestLoss, openNodeGpu, pageDigits, trainNodeCheckpoint } from './node-side.js';

const ARTIFACTS = 'test-artifacts/browser';
const TRAIN = 2000;
const TEST = 500;
const SEED = 1; // the page's seed (demo/session.ts), so evaluations agree
/** Adapters differ (llvmpipe in Node, SwiftShader in the page) only in rounding. */
const SAME_LOSS = 1e-3;
const PROVOKED = 'choose both files of a run together';

let server: DemoServer;
let browser: Browser;
let page: Page;
let work: string;
let nodeGpu: Gpu;
let digits: Split;
const pageErrors: string[] = [];
/** Epochs the page trained before the pause. */
let epochs = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webgpu-vae-demo-test-'));
  await mkdir(ARTIFACTS, { recursive: true });
  nodeGpu = await openNodeGpu();
  digits = await pageDigits();
  await trainNodeCheckpoint(nodeGpu, digits, join(work, 'node-run'), SEED);
  server = await serveDemo({ port: 0 });
  browser = await launchChromium();
  page = watch(await browser.context.newPage());
});

/** Collects a page's errors and logged errors; the page logs what its error box shows, and the one this test provokes is expected. */
function watch(p: Page): Page {
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes(PROVOKED)) pageErrors.push(m.text());
  });
  return p;
}

afterAll(async () => {
  if (nodeGpu) await closeNodeGpu(nodeGpu);
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const waitReady = (p: Page) => p.waitForSelector('body[data-state="ready"]', { timeout: 90_000 });

/** Test losses in the metrics table, by epoch (row 0 is the model before training). */
async function testLosses(p: Page): Promise<Map<number, number>> {
  const rows = await p.$$eval('#metrics tbody tr', (trs) => trs.map((tr) => [Number(tr.dataset.epoch), Number(tr.dataset.testLoss)] as const));
  return new Map(rows);
}

/** How much is drawn on a canvas: its size, pixels with any alpha, and distinct colours. */
function ink(p: Page, id: string) {
  return p.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set<number>();
    let painted = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) painted++;
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    return { width: c.width, height: c.height, painted, colours: colours.size };
  }, id);
}

/** A canvas's pixels as a data URL, to tell whether it changed. */
function pixels(p: Page, id: string): Promise<string> {
  return p.$eval(`#${id}`, (c) => (c as HTMLCanvasElement).toDataURL());
}

/** Waits until a canvas no longer shows `before`. */
async function changed(p: Page, id: string, before: string): Promise<void> {
  await p.waitForFunction(([id, prev]) => (document.getElementById(id) as HTMLCanvasElement).toDataURL() !== prev, [id, before] as const);
}

/** Sets a range input as a drag would (playwright's fill dispatches input and change). */
async function slide(p: Page, selector: string, value: number): Promise<void> {
  await p.locator(selector).fill(String(value));
}

/** Clicks the latent map at a fraction of its size and returns the decoded picture once it changed. */
async function clickMap(p: Page, fx: number, fy: number): Promise<string> {
  const before = await p.$eval('#decoded', (c) => (c as HTMLCanvasElement).dataset.point ?? '');
  const map = p.locator('#latent-map');
  const box = (await map.boundingBox())!;
  await map.click({ position: { x: fx * box.width, y: fy * box.height } });
  await p.waitForFunction((prev) => (document.getElementById('decoded') as HTMLCanvasElement).dataset.point !== prev, before);
  return p.$eval('#decoded', (c) => (c as HTMLCanvasElement).toDataURL());
}

describe('browser demo', () => {
  it('acquires WebGPU on SwiftShader and evaluates the untrained model', async () => {
    await page.goto(`${server.url}?train=${TRAIN}&test=${TEST}`);
    await waitReady(page);
    expect(await page.textContent('#adapter')).toMatch(/swiftshader/i);
    expect(await page.textContent('#stat-data')).toBe(`${TRAIN} train · ${TEST} test`);
    expect(await page.$$eval('#family option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['vae', 'beta', 'cvae', 'ae', 'conv']);
    expect(await page.inputValue('#family')).toBe('vae');
    expect(await page.$eval('#digit-picker', (f) => (f as HTMLFieldSetElement).disabled)).toBe(true);
    // A small model, quick on a CPU adapter.
    await page.selectOption('#hidden', '32');
    await page.selectOption('#latent', '2');
    await page.selectOption('#batch', '32');
    await page.selectOption('#lr', '0.003');
    await page.click('#reset');
    await waitReady(page);
    const losses = await testLosses(page);
    expect([...losses.keys()]).toEqual([0]);
    // An untrained Bernoulli VAE predicts ~0.5 everywhere: about 784 ln 2 = 543 nats.
    expect(losses.get(0)).toBeGreaterThan(400);
  });

  it('trains live, the test loss falls, and the pictures and charts are drawn', async () => {
    await page.click('#start');
    await page.waitForSelector('body[data-state="training"]');
    await page.waitForSelector('#metrics tr[data-epoch="4"]', { timeout: 90_000 });
    expect(Number(await page.textContent('#stat-rate'))).toBeGreaterThan(0);
    await page.click('#pause');
    await waitReady(page);
    const losses = await testLosses(page);
    epochs = Math.max(...losses.keys());
    expect(losses.get(1)!).toBeLessThan(losses.get(0)!);
    expect(losses.get(epochs)!).toBeLessThan(losses.get(1)!);
    for (const id of ['reconstructions', 'samples', 'interp-strip', 'decoded', 'inpaint-recon', 'inpaint-filled', 'denoise', 'traverse-image', 'traverse-strip']) {
      const drawn = await ink(page, id);
      expect(drawn.width, id).toBeGreaterThan(0);
      expect(drawn.colours, `${id} has too few grey levels to be a drawing`).toBeGreaterThan(10);
    }
    for (const id of ['loss-chart', 'kl-chart', 'latent-map']) {
      const drawn = await ink(page, id);
      expect(drawn.painted, `${id} is blank`).toBeGreaterThan(500);
      expect(drawn.colours, `${id} lacks its coloured series or points`).toBeGreaterThan(5);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'trained.png'), fullPage: true });
  });

  it('decodes the point clicked on the latent map, and interpolates', async () => {
    const a = await clickMap(page, 0.25, 0.3);
    const b = await clickMap(page, 0.75, 0.7);
    expect(b).not.toBe(a);
    const middle = () => page.$eval('#interp-mid', (c) => (c as HTMLCanvasElement).toDataURL());
    const before = await middle();
    await page.$eval('#interp-t', (el) => {
      (el as HTMLInputElement).value = '0.1';
      el.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction((prev) => (document.getElementById('interp-mid') as HTMLCanvasElement).toDataURL() !== prev, before);
    expect(await page.textContent('#interp-t-out')).toBe('0.10');
    await page.locator('.explore').screenshot({ path: join(ARTIFACTS, 'explore.png') });
  });

  it('traverses a latent dimension: a slider moves the decoded image', async () => {
    // Latent size 2: one slider per dimension, ordered by KL, each showing its KL.
    const sliders = page.locator('#traverse-sliders input[type="range"]');
    expect(await sliders.count()).toBe(2);
    expect(await page.textContent('#traverse-note')).toMatch(/^Ordered by KL/);
    const kl = await page.$$eval('#traverse-sliders .score', (els) => els.map((e) => Number(e.textContent!.replace('KL ', ''))));
    expect(kl[0]).toBeGreaterThanOrEqual(kl[1]);
    const before = await pixels(page, 'traverse-image');
    const first = sliders.first();
    const value = Number(await first.inputValue());
    await slide(page, '#traverse-sliders input >> nth=0', value > 0 ? -2.5 : 2.5);
    await changed(page, 'traverse-image', before);
    expect((await ink(page, 'traverse-image')).colours).toBeGreaterThan(10);
  });

  it('denoises: the noise slider changes the noisy and reconstructed rows', async () => {
    const before = await pixels(page, 'denoise');
    await slide(page, '#noise', 0.9);
    await page.waitForSelector('#denoise[data-sigma="0.9"]');
    await changed(page, 'denoise', before);
    expect(await page.textContent('#noise-out')).toBe('0.90');
    const grid = await ink(page, 'denoise');
    // Eight digits in three rows (clean, noisy, reconstructed), tiles of 28 with a 2-pixel pad.
    expect([grid.width, grid.height]).toEqual([8 * 30 + 2, 3 * 30 + 2]);
    const noisy = await pixels(page, 'denoise');
    await slide(page, '#noise', 0);
    await page.waitForSelector('#denoise[data-sigma="0"]');
    await changed(page, 'denoise', noisy);
  });

  it('inpaints: erasing with the mouse changes the reconstruction, and Restore brings it back', async () => {
    await page.waitForSelector('#inpaint-recon[data-hidden="0"]');
    const whole = await pixels(page, 'inpaint-recon');
    const original = await pixels(page, 'inpaint-filled');
    const editor = (await page.locator('#inpaint-input').boundingBox())!;
    // Four strokes across the middle of the digit.
    for (const fy of [0.35, 0.45, 0.55, 0.65]) {
      await page.mouse.move(editor.x + 0.15 * editor.width, editor.y + fy * editor.height);
      await page.mouse.down();
      await page.mouse.move(editor.x + 0.85 * editor.width, editor.y + fy * editor.height, { steps: 12 });
      await page.mouse.up();
    }
    const hidden = Number(await page.$eval('#inpaint-input', (c) => (c as HTMLCanvasElement).dataset.hidden));
    // Each stroke about 20 pixels long and 3 wide; the strokes barely overlap.
    expect(hidden).toBeGreaterThan(150);
    expect(hidden).toBeLessThan(350);
    expect(await page.textContent('#inpaint-note')).toContain(`${hidden} of 784 pixels erased`);
    await page.waitForSelector(`#inpaint-filled[data-hidden="${hidden}"]`);
    expect(await pixels(page, 'inpaint-recon')).not.toBe(whole);
    expect(await pixels(page, 'inpaint-filled')).not.toBe(original);
    for (const id of ['inpaint-input', 'inpaint-recon', 'inpaint-filled']) {
      const drawn = await ink(page, id);
      expect([drawn.width, drawn.height], id).toEqual([28, 28]);
      expect(drawn.colours, `${id} is not a drawing`).toBeGreaterThan(10);
    }
    await page.locator('.tools').screenshot({ path: join(ARTIFACTS, 'tools.png') });
    await page.click('#inpaint-restore');
    await page.waitForSelector('#inpaint-recon[data-hidden="0"]');
    // The same input to the same model: the un-erased reconstruction again.
    expect(await pixels(page, 'inpaint-recon')).toBe(whole);
    const first = await pixels(page, 'inpaint-input');
    await page.click('#inpaint-next');
    await changed(page, 'inpaint-input', first);
    expect(await page.textContent('#inpaint-note')).toMatch(/^Test digit #1 /);
  });

  it('downloads the model trained in the page as model.safetensors + config.json', async () => {
    const downloads = [page.waitForEvent('download', (d) => d.suggestedFilename() === 'model.safetensors'), page.waitForEvent('download', (d) => d.suggestedFilename() === 'config.json')];
    await page.click('#ckpt-download');
    const [weights, config] = await Promise.all(downloads);
    await weights.saveAs(join(work, 'page-run', 'model.safetensors'));
    await config.saveAs(join(work, 'page-run', 'config.json'));
    const saved = decodeConfig(await readFile(join(work, 'page-run', 'config.json'), 'utf8'));
    expect(saved.model).toMatchObject({ kind: 'vae', classes: 0, hidden: [32], latent: 2 });
    expect(saved.training).toMatchObject({ epochs_done: epochs, batchSize: 32, train_images: TRAIN });
    const values = decodeCheckpoint(new Uint8Array(await readFile(join(work, 'page-run', 'model.safetensors'))), parameterSpecs(saved.model));
    expect(values['fc1.weight'].length).toBe(32 * 784);
  });

  it('loads a checkpoint trained in Node through the file picker', async () => {
    await page.setInputFiles('#ckpt-files', [join(work, 'node-run', 'config.json')]);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toContain(PROVOKED);
    await page.setInputFiles('#ckpt-files', [join(work, 'node-run', 'model.safetensors'), join(work, 'node-run', 'config.json')]);
    await page.waitForFunction(() => document.getElementById('ckpt-status')!.textContent!.startsWith('Loaded'), undefined, { timeout: 60_000 });
    await waitReady(page);
    expect(await page.inputValue('#hidden')).toBe(String(NODE_MODEL.hidden));
    expect(await page.inputValue('#latent')).toBe(String(NODE_MODEL.latent));
    // Same weights, digits and evaluation noise: the page's test loss is Node's.
    const losses = await testLosses(page);
    expect([...losses.keys()]).toEqual([0]);
    const node = await nodeTestLoss(nodeGpu, digits, join(work, 'node-run'), TEST, SEED);
    expect(Math.abs(losses.get(0)! - node) / node).toBeLessThan(SAME_LOSS);
    // Latent size 3: the map shows principal components and decodes through them.
    expect(await page.textContent('#map-note')).toMatch(/principal components/);
    const a = await clickMap(page, 0.3, 0.5);
    const b = await clickMap(page, 0.7, 0.5);
    expect(b).not.toBe(a);
    expect(await page.textContent('#decoded-at')).toMatch(/^PC = /);
    await page.screenshot({ path: join(ARTIFACTS, 'checkpoint.png'), fullPage: true });
  });

  it('loads a checkpoint from a URL: the one it saved, which Node evaluates alike', async () => {
    // The demo server serves only its bundle, so the run folder's URL is answered here.
    await page.route('**/runs/page/*', (route) => route.fulfill({ path: join(work, 'page-run', new URL(route.request().url()).pathname.split('/').pop()!) }));
    await page.fill('#ckpt-url', `${server.url}runs/page/`);
    await page.click('#ckpt-url-load');
    await page.waitForFunction(() => document.getElementById('ckpt-status')!.textContent!.startsWith('Loaded'), undefined, { timeout: 60_000 });
    await waitReady(page);
    expect(await page.inputValue('#hidden')).toBe('32');
    expect(await page.inputValue('#latent')).toBe('2');
    const reloaded = (await testLosses(page)).get(0)!;
    const node = await nodeTestLoss(nodeGpu, digits, join(work, 'page-run'), TEST, SEED);
    expect(Math.abs(reloaded - node) / node).toBeLessThan(SAME_LOSS);
  });

  // The conditional VAE last, so the next test finds it in the page.
  it.each([
    { family: 'beta', label: 'β-VAE' },
    { family: 'ae', label: 'plain autoencoder' },
    { family: 'conv', label: 'conv VAE' },
    { family: 'cvae', label: 'conditional VAE' },
  ] as const)('rebuilds the model as a $label when it is chosen, and trains it until the test loss falls', async ({ family, label }) => {
    await page.selectOption('#family', family);
    await page.waitForSelector('body[data-state="busy"]');
    await waitReady(page);
    expect([...(await testLosses(page)).keys()]).toEqual([0]);
    expect(await page.$eval('#family', (s) => (s as HTMLSelectElement).selectedOptions[0].text)).toBe(label);
    expect(await page.$eval('#beta', (b) => [(b as HTMLInputElement).value, (b as HTMLInputElement).disabled])).toEqual(family === 'beta' ? ['4', false] : family === 'ae' ? ['0', true] : ['1', false]);
    expect(await page.$eval('#digit-picker', (f) => (f as HTMLFieldSetElement).disabled)).toBe(family !== 'cvae');
    await page.click('#start');
    await page.waitForSelector('#metrics tr[data-epoch="2"]', { timeout: 90_000 });
    await page.click('#pause');
    await waitReady(page);
    const losses = await testLosses(page);
    const last = Math.max(...losses.keys());
    expect(losses.get(1)!).toBeLessThan(losses.get(0)!);
    expect(losses.get(last)!).toBeLessThan(losses.get(1)!);
    // The autoencoder has no KL term: its KL column is 0, and its traversal is ordered by variance.
    const kl = await page.$eval('#metrics tbody tr', (tr) => Number(tr.children[4].textContent));
    if (family === 'ae') {
      expect(kl).toBe(0);
      expect(await page.textContent('#traverse-note')).toMatch(/variance of the code/);
    } else expect(kl).toBeGreaterThan(0);
  });

  it('draws the picked digit on a conditional model: samples and map points change with the label', async () => {
    expect(await page.$eval('#samples', (c) => (c as HTMLCanvasElement).dataset.digit)).toBe('0');
    const samples = await pixels(page, 'samples');
    const decoded = await pixels(page, 'decoded');
    await page.click('#digit-picker button[data-digit="7"]');
    expect(await page.getAttribute('#digit-picker button[data-digit="7"]', 'aria-pressed')).toBe('true');
    await page.waitForSelector('#samples[data-digit="7"]');
    await page.waitForSelector('#decoded[data-digit="7"]');
    // The same prior draws and the same map point, another label.
    expect(await pixels(page, 'samples')).not.toBe(samples);
    expect(await pixels(page, 'decoded')).not.toBe(decoded);
    await clickMap(page, 0.4, 0.6);
    expect(await page.$eval('#decoded', (c) => (c as HTMLCanvasElement).dataset.digit)).toBe('7');
    await page.screenshot({ path: join(ARTIFACTS, 'conditional.png'), fullPage: true });
  });

  it('opens with the run the server preloads (--checkpoint), without a click, and can train it on', async () => {
    const preloading = await serveDemo({ port: 0, checkpoint: join(work, 'node-run') });
    const p = watch(await browser.context.newPage());
    try {
      await p.goto(`${preloading.url}?train=${TRAIN}&test=${TEST}`);
      await p.waitForFunction(() => document.getElementById('ckpt-status')!.textContent!.startsWith('Preloaded'), undefined, { timeout: 60_000 });
      await waitReady(p);
      expect(await p.textContent('#ckpt-status')).toContain('(--checkpoint node-run)');
      expect(await p.inputValue('#hidden')).toBe(String(NODE_MODEL.hidden));
      expect(await p.inputValue('#latent')).toBe(String(NODE_MODEL.latent));
      expect(await p.inputValue('#family')).toBe('vae');
      const losses = await testLosses(p);
      expect([...losses.keys()]).toEqual([0]);
      const node = await nodeTestLoss(nodeGpu, digits, join(work, 'node-run'), TEST, SEED);
      expect(Math.abs(losses.get(0)! - node) / node).toBeLessThan(SAME_LOSS);
      // Latent size 3: three traversal sliders.
      expect(await p.locator('#traverse-sliders input').count()).toBe(NODE_MODEL.latent);
      await p.screenshot({ path: join(ARTIFACTS, 'preloaded.png'), fullPage: true });
      await p.click('#start');
      await p.waitForSelector('#metrics tr[data-epoch="1"]', { timeout: 60_000 });
      await p.click('#pause');
      await waitReady(p);
      expect((await testLosses(p)).get(1)!).toBeLessThan(node);
    } finally {
      await p.close();
      await preloading.close();
    }
  });

  it('says what is missing, and what to do, in a browser without WebGPU', async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const p = await plain.context.newPage();
      await p.goto(server.url);
      await p.waitForSelector('body[data-state="error"]');
      const message = await p.textContent('#error');
      expect(message).toMatch(/^WebGPU is not available: /);
      expect(message).toMatch(/Chrome or Edge 113\+/);
      // The controls are filled in even so, the model selector among them.
      expect(await p.inputValue('#family')).toBe('vae');
      await p.screenshot({ path: join(ARTIFACTS, 'no-webgpu.png') });
    } finally {
      await plain.close();
    }
  });

  it('logs no errors in the page console', () => {
    expect(pageErrors).toEqual([]);
  });
});
