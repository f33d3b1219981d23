// A small static server for the demo bundle (dist/demo/). It serves regular files
// inside that folder and nothing else: GET and HEAD only; a path is percent-decoded
// once and refused when it is malformed, holds a NUL or a backslash, or has a '..'
// segment; the file's real path (symlinks resolved) must still lie inside the
// bundle. Binds 127.0.0.1 unless --host says otherwise; --port 0 takes any free port.
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
  const server = createServer((req, res) => {
    respond(realRoot, run, req, res).catch(() => send(res, 500, 'internal error'));
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

/** The request's path, percent-decoded once; null when malformed. */
function requestPath(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return null;
  }
}

async function respond(root: string, run: Run | null, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'only GET and HEAD are served');
  }
  const path = requestPath(req.url ?? '/');
  if (path === `/${RUN_INDEX}`) {
    const body = JSON.stringify(run?.index ?? ({ preloaded: false } satisfies RunIndex));
    res.writeHead(200, { 'Content-Type': TYPES['.json'], 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    return void res.end(req.method === 'HEAD' ? undefined : body);
  }
  // Exactly the run's two names, and only with --checkpoint: nothing else in its folder.
  const runName = run && [MODEL_FILE, CONFIG_FILE].find((name) => path === `/${RUN_FOLDER}${name}`);
  const file = runName ? await runFile(run.dir, runName) : await resolveFile(root, req.url ?? '/');
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
  const path = requestPath(url);
  if (path === null) return null;
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
