// The demo server serves the bundle folder and nothing else, and with --checkpoint DIR
// that run's two files at fixed URLs (and nothing else of DIR), against the real server
// on loopback. Requests are sent as written: node:http keeps the path (fetch would
// normalise '..' away first), and raw node:net sockets send what node:http will not
// (backslashes, CONNECT, huge headers, a body that never comes, a request never finished).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
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
  await writeFile(join(root, 'sub', 'index.html'), '<title>sub</title>');
  for (const name of ['style.css', 'data.json', 'pic.png', 'weights.safetensors', 'notes.xyz', 'README']) {
    await writeFile(join(root, name), name);
  }
  await writeFile(join(root, 'pct%41.txt'), 'named with a percent sign');
  // A legal name on Linux, but '\\' separates paths on Windows: never served.
  await writeFile(join(root, 'back\\slash.js'), 'a backslash in its name');
  await writeFile(join(dir, 'secret.txt'), 'outside the bundle');
  await symlink(join(dir, 'secret.txt'), join(root, 'leak.txt'));
  await symlink(dir, join(root, 'outside'));
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

interface RawReply {
  status: number;
  /** The response head, lower-cased. */
  head: string;
  /** Whether the server closed the connection within the wait. */
  closed: boolean;
}

/** Writes `text` to a plain socket as is, and reads what comes back until the server closes it or `waitMs` passes. */
function raw(text: string, server = demo, waitMs = 1500): Promise<RawReply> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let reply = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const head = reply.split('\r\n\r\n', 1)[0]!.toLowerCase();
      resolve({ status: Number(/^http\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => done(true));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? done(true) : reject(e)));
    socket.write(text);
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

  it('answers only GET and HEAD, CONNECT included', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND']) {
      const r = await get('/index.html', method);
      expect(r.status, method).toBe(405);
      expect(r.headers.allow, method).toBe('GET, HEAD');
      expect(r.headers['x-content-type-options'], method).toBe('nosniff');
    }
    // Node drops a CONNECT unanswered unless the server listens for it.
    const connectReply = await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(connectReply.status).toBe(405);
    expect(connectReply.head).toContain('allow: get, head');
    expect(connectReply.head).toContain('x-content-type-options: nosniff');
    expect(connectReply.closed).toBe(true);
  });

  it('serves each file with the type of its extension, an unknown one as octet-stream, always with nosniff', async () => {
    const types: Record<string, RegExp> = {
      '/': /^text\/html; charset=utf-8$/,
      '/index.html': /^text\/html; charset=utf-8$/,
      '/app.js': /^text\/javascript; charset=utf-8$/,
      '/style.css': /^text\/css; charset=utf-8$/,
      '/data.json': /^application\/json; charset=utf-8$/,
      '/pic.png': /^image\/png$/,
      '/weights.safetensors': /^application\/octet-stream$/,
      '/notes.xyz': /^application\/octet-stream$/,
      '/README': /^application\/octet-stream$/,
    };
    for (const [path, type] of Object.entries(types)) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toMatch(type);
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
    }
    // Refusals too, and the run index.
    for (const path of ['/nothing-here.js', '/../secret.txt', '/run/index.json']) {
      expect((await get(path)).headers['x-content-type-options'], path).toBe('nosniff');
    }
  });

  it('lists no directory: a folder is 404, and only / serves its index.html', async () => {
    expect((await get('/')).body).toContain('<title>demo</title>');
    for (const path of ['/sub', '/sub/', '/sub//', '/sub/?list=1', '/outside', '/outside/']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toMatch(/data\.bin|index\.html|<title>sub/);
    }
    expect((await get('/sub/index.html')).body).toBe('<title>sub</title>');
  });

  it('refuses a long request target (414), huge headers (431) and any request body (413)', async () => {
    expect((await get(`/${'a'.repeat(2000)}`)).status).toBe(404);
    const long = await get(`/${'a'.repeat(3000)}`);
    expect(long.status).toBe(414);
    expect(long.headers['x-content-type-options']).toBe('nosniff');
    // 16 KiB for request line and headers, set on the server (not left to NODE_OPTIONS).
    expect((demo.server as unknown as { maxHeaderSize?: number }).maxHeaderSize).toBe(16 * 1024);
    const cookie = await raw(`GET /app.js HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(12 * 1024)}\r\nConnection: close\r\n\r\n`);
    expect(cookie.status).toBe(200);
    const huge = await raw(`GET /app.js HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
    expect([huge.status, huge.closed]).toEqual([431, true]);
    // A body is refused from its headers alone: the server answers and closes without
    // waiting for the megabytes announced (which are never sent here).
    for (const framing of ['Content-Length: 100000000', 'Transfer-Encoding: chunked']) {
      for (const method of ['GET', 'HEAD']) {
        const r = await raw(`${method} /app.js HTTP/1.1\r\nHost: x\r\n${framing}\r\n\r\n`);
        expect([r.status, r.closed], `${method} ${framing}`).toEqual([413, true]);
        expect(r.head, `${method} ${framing}`).toContain('x-content-type-options: nosniff');
      }
    }
    expect((await raw('GET /app.js HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')).status).toBe(200);
    // A POST's body is not read either.
    expect(await raw('POST /app.js HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n')).toMatchObject({ status: 405, closed: true });
  });

  it('gives a slow client a deadline, and checks it every second', async () => {
    expect([demo.server.headersTimeout, demo.server.requestTimeout, demo.server.timeout]).toEqual([10_000, 20_000, 30_000]);
    const slow = await serveDemo({ root: join(dir, 'bundle'), port: 0 });
    try {
      slow.server.headersTimeout = 300;
      slow.server.requestTimeout = 300;
      // Headers begun and never finished: answered 408 and closed within the check
      // interval (Node's default interval is 30 s, so this would wait that long).
      const started = Date.now();
      const r = await raw('GET /app.js HTTP/1.1\r\nHost: x\r\n', slow, 4000);
      expect([r.status, r.closed]).toEqual([408, true]);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await slow.close();
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
      '/%2E%2E/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/%252e%252e/secret.txt',
      '/%252e%252e%252fsecret.txt',
      '/index.html%00.js',
      '/index.html%00',
      '/%00',
      '/%E0%A4%A',
      '/leak.txt',
      '/outside/secret.txt',
      '/sub',
      '/nothing-here.js',
    ];
    for (const path of attempts) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('outside the bundle');
    }
  });

  it('refuses a path it would have to normalise, even one that stays inside the bundle', async () => {
    // Each would name /app.js once resolved (as new URL() resolves them); refusing
    // instead leaves no spelling of '..' to get wrong. A backslash is refused even in a
    // name Linux allows, since it separates paths on Windows.
    const attempts = [
      '/sub/../app.js',
      '/sub/./../app.js',
      '/./app.js',
      '/sub/%2e%2e/app.js',
      '/sub/%2E%2E/app.js',
      '/sub/.%2e/app.js',
      '/sub/%2e%2e%2fapp.js',
      '/sub%2f..%2fapp.js',
      '/sub/..%5capp.js',
      '/sub/..%5Capp.js',
      '/back%5cslash.js',
    ];
    for (const path of attempts) expect((await get(path)).status, path).toBe(404);
    // Raw backslashes, which new URL() would turn into '/'.
    for (const path of ['/sub\\..\\app.js', '/sub/..\\app.js', '/..\\secret.txt', '/\\app.js', '/back\\slash.js']) {
      const r = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(r.status, path).toBe(404);
    }
    // Absolute-form, which a browser never sends its origin.
    expect((await raw(`GET ${demo.url}app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).status).toBe(404);
    expect((await get('/app.js?x=/../../secret.txt')).status).toBe(200);
  });

  it('decodes a path exactly once', async () => {
    // '%2541' is the name '%41', not 'A'.
    const once = await get('/pct%2541.txt');
    expect([once.status, once.body]).toEqual([200, 'named with a percent sign']);
    expect((await get('/pct%41.txt')).status).toBe(404);
    // Decoded twice this would be /sub/../app.js; decoded once it names a '%2e%2e' folder.
    expect((await get('/sub/%252e%252e/app.js')).status).toBe(404);
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
