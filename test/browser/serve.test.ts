// The demo server serves the bundle folder and nothing else. Requests are sent raw
// (node:http keeps the path as written; fetch would normalise '..' away first).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDemo, type DemoServer } from '../../demo/serve.js';

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

function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = new URL(demo.url);
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
