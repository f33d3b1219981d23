// The demo server serves the bundle folder and nothing else, and with --checkpoint DIR
// that run's two files at fixed URLs (and nothing else of DIR). Requests are sent raw
// (node:http keeps the path as written; fetch would normalise '..' away first).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDemo, type DemoServer } from '../../demo/serve.js';
import { denseConfig, encodeConfig } from '../../src/index.js';

let dir: string;
let demo: DemoServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webgpu-vae-serve-'));
  const root = join(dir, 'bundle');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>demo</title>');
  await writeFile(join(root, 'app.js'), 'export {};');
  await writeFile(join(root, 'sub', 'data.bin'), new Uint8Array([1, 2, 3]));
  await writeFile(join(dir, 'secret.txt'), 'outside the bundle');
  await symlink(join(dir, 'secret.txt'), join(root, 'leak.txt'));
  await symlink(join(root, 'app.js'), join(root, 'alias.js'));
  demo = await serveDemo({ root, port: 0 });
});

afterAll(async () => {
  await demo?.close();
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, method = 'GET', server = demo): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('demo server', () => {
  it('binds 127.0.0.1 by default and reports its URL', () => {
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((demo.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('serves the page, its files and HEAD', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('<title>demo</title>');
    expect((await get('/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await get('/sub/data.bin?cache=1')).status).toBe(200);
    const head = await get('/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('10');
    expect(head.body).toBe('');
  });

  it('answers only GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await get('/index.html', method);
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('refuses paths that leave the bundle, however they are spelled', async () => {
    const attempts = [
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/sub%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/index.html%00.js',
      '/%E0%A4%A',
      '/leak.txt',
      '/sub',
      '/nothing-here.js',
    ];
    for (const path of attempts) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('outside the bundle');
    }
  });

  it('follows a symlink that stays inside the bundle', async () => {
    expect((await get('/alias.js')).body).toBe('export {};');
  });

  it('names the fix when the bundle is missing or the port is taken', async () => {
    await expect(serveDemo({ root: join(dir, 'missing'), port: 0 })).rejects.toThrow(/npm run build:demo/);
    const port = Number(new URL(demo.url).port);
    await expect(serveDemo({ root: join(dir, 'bundle'), port })).rejects.toThrow(/--port 0/);
  });
});

describe('demo server with --checkpoint DIR', () => {
  let run: string;
  let preloading: DemoServer;
  const config = encodeConfig(denseConfig({ hidden: [8], latent: 2 }), { epochs_done: 3 });
  const weights = 'not really safetensors';

  beforeAll(async () => {
    run = join(dir, 'runs', 'vae');
    await mkdir(run, { recursive: true });
    await writeFile(join(run, 'model.safetensors'), weights);
    await writeFile(join(run, 'config.json'), config);
    await writeFile(join(run, 'notes.txt'), 'not part of the run');
    preloading = await serveDemo({ root: join(dir, 'bundle'), port: 0, checkpoint: run });
  });

  afterAll(async () => {
    await preloading?.close();
  });

  it('says a run is preloaded, and where, at /run/index.json', async () => {
    const r = await get('/run/index.json', 'GET', preloading);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.body)).toEqual({ preloaded: true, name: 'vae', folder: 'run/' });
    // Without the option the page hears that nothing is preloaded (and gets no 404 to log).
    const plain = await get('/run/index.json');
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toEqual({ preloaded: false });
  });

  it("serves the run's model.safetensors and config.json at fixed URLs, fresh on every request", async () => {
    const model = await get('/run/model.safetensors', 'GET', preloading);
    expect(model.status).toBe(200);
    expect(model.headers['content-type']).toBe('application/octet-stream');
    expect(model.body).toBe(weights);
    const json = await get('/run/config.json?v=2', 'GET', preloading);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body).toBe(config);
    const head = await get('/run/model.safetensors', 'HEAD', preloading);
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, String(weights.length), '']);
    // A run retrained in place is served as it is now.
    await writeFile(join(run, 'model.safetensors'), 'retrained');
    expect((await get('/run/model.safetensors', 'GET', preloading)).body).toBe('retrained');
    await writeFile(join(run, 'model.safetensors'), weights);
    // The bundle is still served beside it.
    expect((await get('/app.js', 'GET', preloading)).body).toBe('export {};');
  });

  it("serves nothing else of the run's folder, and keeps the bundle's guards", async () => {
    const attempts = [
      '/run/notes.txt',
      '/run/',
      '/run',
      '/run/../secret.txt',
      '/run/%2e%2e/%2e%2e/secret.txt',
      '/run/..%2fnotes.txt',
      '/run/model.safetensors/..',
      '/run/model.safetensors%00',
      '/run%2fconfig.json%00',
      '/leak.txt',
      '/../secret.txt',
    ];
    for (const path of attempts) {
      const r = await get(path, 'GET', preloading);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toMatch(/not part of the run|outside the bundle/);
    }
    expect((await get('/run/model.safetensors', 'POST', preloading)).status).toBe(405);
    // Without the option the run URLs are not served at all.
    expect((await get('/run/model.safetensors')).status).toBe(404);
  });

  it('refuses to start without a loadable run, naming what is wrong', async () => {
    const root = join(dir, 'bundle');
    await expect(serveDemo({ root, port: 0, checkpoint: join(dir, 'runs', 'missing') })).rejects.toThrow(/--checkpoint .*missing: no such folder/);
    await expect(serveDemo({ root, port: 0, checkpoint: join(run, 'config.json') })).rejects.toThrow(/is a file; give the run's folder/);
    const half = join(dir, 'runs', 'half');
    await mkdir(half, { recursive: true });
    await writeFile(join(half, 'config.json'), config);
    await expect(serveDemo({ root, port: 0, checkpoint: half })).rejects.toThrow(/the folder has no model\.safetensors/);
    const bad = join(dir, 'runs', 'bad');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 'model.safetensors'), weights);
    await writeFile(join(bad, 'config.json'), '{"model": {}}');
    await expect(serveDemo({ root, port: 0, checkpoint: bad })).rejects.toThrow(/is not a webgpu-vae config/);
  });

  it('follows a run folder that is a symlink (a run picked by a link name)', async () => {
    await symlink(run, join(dir, 'runs', 'latest'));
    const linked = await serveDemo({ root: join(dir, 'bundle'), port: 0, checkpoint: join(dir, 'runs', 'latest') });
    try {
      expect((await get('/run/config.json', 'GET', linked)).body).toBe(config);
    } finally {
      await linked.close();
    }
  });
});
