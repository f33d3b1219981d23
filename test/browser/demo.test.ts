// The browser demo end to end in headless Chromium on SwiftShader: the page acquires
// WebGPU, trains a small model on a subset (?train=2000&test=500) until the test loss
// has fallen, draws its canvases, decodes clicked map points, saves its model, loads
// a checkpoint trained in Node through the file picker and its own one by URL (both
// evaluated alike in Node), and explains a browser without WebGPU. Screenshots go to
// test-artifacts/browser/ (git-ignored) for a person to look at.
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
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // The page logs what its error box shows; the one this test provokes is expected.
    if (m.type() === 'error' && !m.text().includes(PROVOKED)) pageErrors.push(m.text());
  });
});

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
    for (const id of ['reconstructions', 'samples', 'interp-strip', 'decoded']) {
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

  it('downloads the model trained in the page as model.safetensors + config.json', async () => {
    const downloads = [page.waitForEvent('download', (d) => d.suggestedFilename() === 'model.safetensors'), page.waitForEvent('download', (d) => d.suggestedFilename() === 'config.json')];
    await page.click('#ckpt-download');
    const [weights, config] = await Promise.all(downloads);
    await weights.saveAs(join(work, 'page-run', 'model.safetensors'));
    await config.saveAs(join(work, 'page-run', 'config.json'));
    const saved = decodeConfig(await readFile(join(work, 'page-run', 'config.json'), 'utf8'));
    expect(saved.model).toMatchObject({ hidden: 32, latent: 2 });
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

  it('says what is missing, and what to do, in a browser without WebGPU', async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const p = await plain.context.newPage();
      await p.goto(server.url);
      await p.waitForSelector('body[data-state="error"]');
      const message = await p.textContent('#error');
      expect(message).toMatch(/^WebGPU is not available: /);
      expect(message).toMatch(/Chrome or Edge 113\+/);
      await p.screenshot({ path: join(ARTIFACTS, 'no-webgpu.png') });
    } finally {
      await plain.close();
    }
  });

  it('logs no errors in the page console', () => {
    expect(pageErrors).toEqual([]);
  });
});
