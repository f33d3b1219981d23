// A small static server for the demo bundle (dist/demo/). It serves regular files
// inside that folder and nothing else: GET and HEAD only; a path is percent-decoded
// once and refused when it is malformed, holds a NUL or a backslash, or has a '..'
// segment; the file's real path (symlinks resolved) must still lie inside the
// bundle. Binds 127.0.0.1 unless --host says otherwise; --port 0 takes any free port.
//   npm run demo -- [--port 8080] [--host 127.0.0.1]
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_BUNDLE } from './paths.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface ServeOptions {
  root?: string;
  host?: string;
  port?: number;
}

export interface DemoServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveDemo(options: ServeOptions = {}): Promise<DemoServer> {
  const { root = DEMO_BUNDLE, host = '127.0.0.1', port = 8080 } = options;
  const realRoot = await realpath(root).catch(() => {
    throw new Error(`${root} does not exist; build the demo first with 'npm run build:demo' (npm run demo does both)`);
  });
  const server = createServer((req, res) => {
    respond(realRoot, req, res).catch(() => send(res, 500, 'internal error'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use; pass --port N, or --port 0 for any free port`) : e),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function respond(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'only GET and HEAD are served');
  }
  const file = await resolveFile(root, req.url ?? '/');
  if (!file) return send(res, 404, 'not found');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file.path)] ?? 'application/octet-stream',
    'Content-Length': file.size,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file.path).pipe(res);
}

/** The regular file inside `root` that a request URL names, or null. */
export async function resolveFile(root: string, url: string): Promise<{ path: string; size: number } | null> {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  if (segments.length === 0) segments.push('index.html');
  try {
    const real = await realpath(join(root, ...segments));
    if (!real.startsWith(root + sep)) return null;
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size } : null;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new Error(`--port must be an integer in 0..65535, got '${raw}'`);
  return port;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8080' } } });
    const demo = await serveDemo({ host: values.host, port: parsePort(values.port!) });
    process.stderr.write(`webgpu-vae demo: serving ${DEMO_BUNDLE} at ${demo.url} (Ctrl+C to stop)\n`);
  } catch (e) {
    process.stderr.write(`webgpu-vae demo: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
