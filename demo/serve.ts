// A small static server for the demo bundle (dist/demo/). It serves regular files
// inside that folder and nothing else, and binds 127.0.0.1 unless --host says otherwise
// (--port 0 takes any free port). What it refuses, and why:
//   - methods other than GET and HEAD (CONNECT included): 405 with Allow: GET, HEAD;
//   - a request target over 2 KiB: 414; request line and headers over 16 KiB: 431 (Node's
//     maxHeaderSize); any request body (Content-Length > 0 or Transfer-Encoding): 413,
//     answered without reading the body and the connection closed, since a static page
//     never uploads anything;
//   - a client that sends its request too slowly: 408 and closed (headersTimeout,
//     requestTimeout), and a connection idle for 30 s is dropped, so no client holds one
//     forever;
//   - any path it would have to normalise: the raw target is split on '/' and each
//     segment percent-decoded exactly once ('%252e' stays '%2e'), and the path is refused
//     (404) when a segment is malformed, is '.' or '..', or holds a NUL, '/' or '\'
//     (raw or encoded); the file's real path (symlinks resolved) must still lie inside
//     the bundle;
//   - directories: 404, never a listing; only '/' serves its index.html.
// Every response it writes says X-Content-Type-Options: nosniff (Node's own bodiless
// 400, 408 and 431 from its parser aside). A file's type comes from its extension
// (TYPES); an unknown one is served as application/octet-stream, which with nosniff
// the browser downloads rather than renders or runs.
//
// --checkpoint DIR preloads a run (what `webgpu-vae train --out DIR` writes): its
// model.safetensors and config.json are served at the fixed URLs /run/model.safetensors
// and /run/config.json, and /run/index.json says so, which the page reads at start to
// load the run. Only those two names are served from DIR, nothing else in it; without
// the option /run/index.json says that nothing is preloaded.
//   npm run demo -- [--port 8080] [--host 127.0.0.1] [--checkpoint runs/vae]
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeConfig } from '../src/vae/checkpoint.js';
import { DEMO_BUNDLE } from './paths.js';
import { CONFIG_FILE, MODEL_FILE, RUN_FOLDER, RUN_INDEX, type RunIndex } from './run-files.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Longer request targets are refused (414): the page's own URLs are a few dozen bytes. */
const MAX_URL = 2048;
const ALLOW = 'GET, HEAD';

export interface ServeOptions {
  root?: string;
  host?: string;
  port?: number;
  /** A run folder to preload (its model.safetensors and config.json). */
  checkpoint?: string;
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
  const run = options.checkpoint === undefined ? null : await preloadRun(options.checkpoint);
  const server = createServer(
    {
      // Request line and headers together (Node answers 431 past it); set here so a
      // --max-http-header-size in NODE_OPTIONS cannot raise it.
      maxHeaderSize: 16 * 1024,
      // A client gets 10 s to send its headers and 20 s for the whole request (408 past
      // them), checked every second rather than Node's default of every 30 s.
      headersTimeout: 10_000,
      requestTimeout: 20_000,
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      respond(realRoot, run, req, res).catch(() => send(res, 500, 'internal error'));
    },
  );
  // A connection with nothing moving either way (say a client that stopped reading a
  // download) is dropped after 30 s.
  server.timeout = 30_000;
  // Node hands CONNECT to this event, and without a listener drops the connection
  // unanswered; say 405 like for any other method.
  server.on('connect', (_req, socket) => {
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOW}\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
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

/** A preloaded run: its folder (real path) and what /run/index.json answers. */
interface Run {
  dir: string;
  index: RunIndex;
}

/** Checks that `dir` holds a run the page can load, before the server starts. */
async function preloadRun(dir: string): Promise<Run> {
  const where = `--checkpoint ${dir}`;
  const real = await realpath(dir).catch(() => {
    throw new Error(`${where}: no such folder; give the folder a run was saved to (webgpu-vae train --out DIR)`);
  });
  if (!(await stat(real)).isDirectory()) throw new Error(`${where} is a file; give the run's folder, which holds ${MODEL_FILE} and ${CONFIG_FILE}`);
  for (const name of [MODEL_FILE, CONFIG_FILE]) {
    const file = await runFile(real, name);
    if (!file) throw new Error(`${where}: the folder has no ${name}; a run folder holds ${MODEL_FILE} and ${CONFIG_FILE}`);
  }
  const config = await readFile(join(real, CONFIG_FILE), 'utf8');
  try {
    decodeConfig(config, join(dir, CONFIG_FILE));
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  return { dir: real, index: { preloaded: true, name: basename(resolve(dir)), folder: RUN_FOLDER } };
}

/** One of the run's two files, when it is a regular file (read afresh on every request, so a retrained run is served new). */
async function runFile(dir: string, name: string): Promise<{ path: string; size: number } | null> {
  try {
    const info = await stat(join(dir, name));
    return info.isFile() ? { path: join(dir, name), size: info.size } : null;
  } catch {
    return null;
  }
}

/**
 * The request's path as decoded segments, or null when it must not be served. The raw
 * target is read rather than `new URL(...).pathname`, which would quietly resolve '..',
 * '%2e%2e' and '\' into some other path: such a path is refused, not normalised. Each
 * segment is decoded once, so '%252e' stays the name '%2e'; an encoded '/' or '\' inside
 * a segment is refused rather than becoming a separator.
 */
function requestSegments(url: string): string[] | null {
  const raw = url.split(/[?#]/, 1)[0]!;
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '') continue;
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return null; // malformed escape or UTF-8
    }
    if (name === '.' || name === '..' || /[\0/\\]/.test(name)) return null;
    segments.push(name);
  }
  return segments;
}

async function respond(root: string, run: Run | null, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  // Refusals close the connection: a body the client may still be sending is never read.
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', ALLOW);
    return send(res, 405, 'only GET and HEAD are served', true);
  }
  if (url.length > MAX_URL) return send(res, 414, `request target over ${MAX_URL} bytes`, true);
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    return send(res, 413, 'GET and HEAD take no request body', true);
  }
  const segments = requestSegments(url);
  if (!segments) return send(res, 404, 'not found');
  const path = `/${segments.join('/')}`;
  if (path === `/${RUN_INDEX}`) {
    const body = JSON.stringify(run?.index ?? ({ preloaded: false } satisfies RunIndex));
    res.writeHead(200, { 'Content-Type': TYPES['.json'], 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    return void res.end(req.method === 'HEAD' ? undefined : body);
  }
  // Exactly the run's two names, and only with --checkpoint: nothing else in its folder.
  const runName = run && [MODEL_FILE, CONFIG_FILE].find((name) => path === `/${RUN_FOLDER}${name}`);
  const file = runName ? await runFile(run.dir, runName) : await resolveFile(root, segments);
  if (!file) return send(res, 404, 'not found');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file.path)] ?? 'application/octet-stream',
    'Content-Length': file.size,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') return void res.end();
  // pipeline, not pipe: a file that vanishes between stat and open (a rebuild) ends
  // this response instead of throwing an unhandled 'error' that stops the server.
  pipeline(createReadStream(file.path), res, () => {});
}

/** The regular file inside `root` that checked segments name, or null (a directory too: no listings). */
async function resolveFile(root: string, segments: string[]): Promise<{ path: string; size: number } | null> {
  try {
    const real = await realpath(join(root, ...(segments.length === 0 ? ['index.html'] : segments)));
    if (!real.startsWith(root + sep)) return null; // a symlink out of the bundle
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size } : null;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, text: string, close = false): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new Error(`--port must be an integer in 0..65535, got '${raw}'`);
  return port;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { values } = parseArgs({
      options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8080' }, checkpoint: { type: 'string' } },
    });
    // npm runs scripts in the package root; a relative run folder is the caller's.
    const checkpoint = values.checkpoint === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), values.checkpoint);
    const demo = await serveDemo({ host: values.host, port: parsePort(values.port!), checkpoint });
    const preloaded = checkpoint ? `, with the run ${checkpoint} preloaded` : '';
    process.stderr.write(`webgpu-vae demo: serving ${DEMO_BUNDLE} at ${demo.url}${preloaded} (Ctrl+C to stop)\n`);
  } catch (e) {
    process.stderr.write(`webgpu-vae demo: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
