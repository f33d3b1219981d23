// Bad input, end to end: every way a user can hand the command something wrong gets
// exit status 2 and one line that names the file or flag, the problem and the fix,
// with no stack trace (--debug shows one). The files are real: IDX files written by
// hand, gzip from node:zlib, checkpoints from one tiny training run, then corrupted
// copies. A write that fails (a file in the way, no permission, a full disk) leaves
// the previous files as they were and no temporary file behind.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDX_FILE_NAMES } from '../../src/data/load.js';
import { denseConfig } from '../../src/models/config.js';
import { parameterSpecs } from '../../src/models/registry.js';
import { initialVaeParameters } from '../../src/models/vae.js';
import { writeCheckpoint } from '../../src/vae/checkpoint-files.js';
import { cliJson, type CliResult } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const tiny = ['--limit-train', '256', '--limit-test', '64', '--hidden', '16', '--latent', '2', '--epochs', '1', '--batch-size', '64', ...adapter];
// Readable by everyone: as root, the permission rows run the command as 'nobody'.
const root = mkdtempSync(join(tmpdir(), 'webgpu-vae-bad-'));
chmodSync(root, 0o755);
const run = join(root, 'run');
const at = (...parts: string[]) => join(root, ...parts);

function cli(args: string[], options: SpawnSyncOptions & { wrap?: string[] } = {}): CliResult {
  const [command, ...pre] = options.wrap ?? [process.execPath];
  const r = spawnSync(command, [...pre, ...(options.wrap ? [process.execPath] : []), 'dist/cli.js', ...args], { encoding: 'utf8', timeout: 120_000, ...options });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Exit 2, `message` on one line of its own, and nothing that reads like our internals. */
function expectInputError(r: CliResult, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const line = r.stderr.split('\n').find((l) => message.test(l));
  expect(line, `no line of stderr matches ${message}:\n${r.stderr}`).toBeDefined();
  expect(line).toMatch(/^webgpu-vae[ :]/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(line).not.toMatch(/internal error|\w+Error\b|\.tmp\b|e-324|undefined|\[object /);
}

// As root, chmod stops nobody: those rows run the command as 'nobody' (uid 65534),
// provided that user can read the checkout here; otherwise they are skipped, saying so.
const isRoot = process.getuid?.() === 0;
const nobody = { uid: 65534, gid: 65534 };
const unprivileged: SpawnSyncOptions | null = !isRoot ? {} : cli(['--help'], nobody).code === 0 ? nobody : null;
const permissionRow = unprivileged ? '' : ' (skipped: running as root, and user nobody cannot run dist/cli.js from this checkout)';

// ---- IDX files (src/data/idx.ts): zero, zero, dtype, ndims, big-endian u32 sizes, data.
function idx(dims: number[], data: ArrayLike<number>, { dtype = 0x08, ndims = dims.length } = {}): Buffer {
  const out = Buffer.alloc(4 + 4 * dims.length + data.length);
  out[2] = dtype;
  out[3] = ndims;
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
const pixels = (count: number) => Uint8Array.from({ length: count }, (_, i) => (i * 37) % 256);
const images = (n: number, side = 28) => idx([n, side, side], pixels(n * side * side));
const labels = (n: number, f = (i: number) => i % 10) => idx([n], Array.from({ length: n }, (_, i) => f(i)));
type Files = Record<keyof typeof IDX_FILE_NAMES, Buffer>;
const goodFiles = (): Files => ({ trainImages: images(128), trainLabels: labels(128), testImages: images(64), testLabels: labels(64) });

/** A data directory: the good files with some replaced; `gz` names files stored as NAME.gz instead. */
function dataDir(name: string, change: Partial<Files> = {}, gz: Partial<Files> = {}): string {
  const dir = at(name);
  mkdirSync(dir);
  for (const [key, bytes] of Object.entries({ ...goodFiles(), ...change })) {
    const file = IDX_FILE_NAMES[key as keyof Files];
    if (key in gz) writeFileSync(join(dir, `${file}.gz`), gz[key as keyof Files]!);
    else writeFileSync(join(dir, file), bytes);
  }
  return dir;
}

// ---- checkpoints (src/io/safetensors.ts): u64 header length, JSON header, data.
/** A copy of the run's checkpoint with model.safetensors and/or config.json replaced. */
function checkpoint(name: string, edit: { model?: (b: Buffer) => Buffer; config?: (c: string) => string }): string {
  const dir = at('checkpoints', name);
  mkdirSync(dir, { recursive: true });
  const model = readFileSync(join(run, 'model.safetensors'));
  const config = readFileSync(join(run, 'config.json'), 'utf8');
  writeFileSync(join(dir, 'model.safetensors'), edit.model ? edit.model(model) : model);
  writeFileSync(join(dir, 'config.json'), edit.config ? edit.config(config) : config);
  return dir;
}

/** The same data region under an edited header (so its CRC-32 still matches): a header that lies. */
function editHeader(bytes: Buffer, edit: (header: Record<string, any>) => void): Buffer {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const length = json.length + ((8 - ((8 + json.length) % 8)) % 8);
  const out = Buffer.alloc(8 + length + bytes.length - 8 - n, 0x20);
  out.writeBigUInt64LE(BigInt(length));
  json.copy(out, 8);
  bytes.copy(out, 8 + length, 8 + n);
  return out;
}

const editModel = (edit: (m: Record<string, any>) => void) => (text: string) => {
  const c = JSON.parse(text);
  edit(c.model);
  return JSON.stringify(c);
};

/** Every file of `dir` with its bytes, to show that a failed write changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

afterAll(() => {
  // Give the locked paths back their permissions, so that they can be removed.
  for (const p of [at('locked'), at('unreadable', IDX_FILE_NAMES.trainLabels)]) if (existsSync(p)) chmodSync(p, 0o755);
  rmSync(root, { recursive: true, force: true });
});

beforeAll(async () => {
  cliJson('train', '--out', run, ...tiny);
  // A conditional (10-class) checkpoint, written without a GPU.
  const config = denseConfig({ hidden: [16], latent: 2, classes: 10 });
  await writeCheckpoint(at('conditional'), config, parameterSpecs(config), initialVaeParameters(config, 1));
}, 120_000);

interface Row {
  name: string;
  args: () => string[];
  message: RegExp;
}

const sample = (ckpt: string) => ['sample', '--checkpoint', ckpt, '--out', at('never.png'), ...adapter];
const evaluate = (data: string, ckpt = run) => ['evaluate', '--checkpoint', ckpt, '--data', data, ...adapter];

describe('data', () => {
  const rows: Row[] = [
    { name: 'a data path that does not exist', args: () => evaluate(at('nowhere')), message: /dataset '.*nowhere' is neither 'mnist' \(the embedded digits\) nor an existing directory of IDX files/ },
    { name: 'a data directory without the IDX files', args: () => (mkdirSync(at('empty')), evaluate(at('empty'))), message: /IDX dataset directory .*empty: found no train-images-idx3-ubyte or train-images-idx3-ubyte\.gz, .*; an IDX dataset directory needs all four/ },
    { name: 'IDX images with the labels magic number', args: () => evaluate(dataDir('magic', { trainImages: idx([128], pixels(128)) })), message: /train-images-idx3-ubyte: magic number 0x00000801 found, expected 0x00000803; it is an IDX labels file: was a labels file passed as images\?/ },
    { name: 'IDX images with 2 dimensions instead of 3', args: () => evaluate(dataDir('dims', { trainImages: idx([128, 784], pixels(128 * 784)) })), message: /train-images-idx3-ubyte: magic number 0x00000802 found, expected 0x00000803; it is an IDX file with 2 dimensions/ },
    { name: 'IDX images of 0 rows', args: () => evaluate(dataDir('rows0', { testImages: idx([64, 0, 28], []) })), message: /t10k-images-idx3-ubyte: image size 0x28 has no pixels; the header's sizes must be \[n, rows, cols\] with rows and cols >= 1/ },
    { name: 'IDX sizes that do not describe the file', args: () => evaluate(dataDir('sizes', { testImages: idx([64, 28, 27], pixels(64 * 784)) })), message: /t10k-images-idx3-ubyte: 1792 bytes after the data \(sizes \[64, 28, 27\] need 48400 bytes, found 50192\): the header does not describe this file/ },
    { name: 'an IDX file with a dtype other than unsigned byte', args: () => evaluate(dataDir('dtype', { testLabels: idx([64], new Uint8Array(256), { dtype: 0x0d }) })), message: /t10k-labels-idx1-ubyte: unsupported IDX dtype code 0x0d \(float32\); only 0x08 \(unsigned byte, as in MNIST\) is supported/ },
    { name: 'a truncated IDX body', args: () => evaluate(dataDir('truncated', { trainImages: images(128).subarray(0, 16 + 127 * 784 + 100) })), message: /train-images-idx3-ubyte: truncated file: sizes \[128, 28, 28\] need 100368 bytes \(header 16 \+ data\), found 99684; download it again/ },
    { name: 'a truncated IDX header', args: () => evaluate(dataDir('header', { testLabels: idx([64], []).subarray(0, 6) })), message: /t10k-labels-idx1-ubyte: truncated header: expected 8 bytes, found 6/ },
    { name: 'more labels than images', args: () => evaluate(dataDir('counts', { trainLabels: labels(127) })), message: /train-images-idx3-ubyte has 128 images but .*train-labels-idx1-ubyte has 127 labels: the two files do not belong together/ },
    {
      name: 'a stray label above the classes (label 12 among digits 0..9), training a conditional model',
      args: () => ['train', '--data', dataDir('stray', { trainLabels: labels(128, (i) => (i === 5 ? 12 : i % 10)) }), '--conditional', ...tiny],
      message: /train-labels-idx1-ubyte: label 12 of image 5 is out of range: labels must number the classes 0\.\.K-1, but no image in either split has label 10, 11; renumber the labels from 0/,
    },
    {
      name: '1-based labels (1..10)',
      args: () => ['train', '--data', dataDir('one-based', { trainLabels: labels(128, (i) => 1 + (i % 10)), testLabels: labels(64, (i) => 1 + (i % 10)) }), ...tiny],
      message: /train-labels-idx1-ubyte: label 10 of image 9 is out of range: .*no image in either split has label 0; .*are they 1-based/,
    },
    {
      name: 'a 255 marker among the labels',
      args: () => ['train', '--data', dataDir('marker', { testLabels: labels(64, (i) => (i === 3 ? 255 : i % 10)) }), ...tiny],
      message: /t10k-labels-idx1-ubyte: label 255 of image 3 is out of range: .*has label 10, 11, \.\.\., 254 \(245 labels\); .*is 255 a marker\?/,
    },
    {
      name: "labels beyond a conditional checkpoint's classes",
      args: () => evaluate(dataDir('twelve', { trainLabels: labels(128, (i) => i % 12), testLabels: labels(64, (i) => i % 12) }), at('conditional')),
      message: /--data .*twelve: label 10 of train image 10 \(train-labels-idx1-ubyte\) is outside the classes 0\.\.9 that the model of .*model\.safetensors is conditioned on; pass data with those classes/,
    },
    { name: 'gzip that does not decompress', args: () => evaluate(dataDir('gzip', {}, { trainImages: gzipSync(images(128)).subarray(0, 500) })), message: /train-images-idx3-ubyte\.gz: starts like a gzip file but does not decompress \(unexpected end of file\); download it again/ },
    { name: "images that do not fit the checkpoint's model", args: () => evaluate(dataDir('small', { trainImages: images(128, 8), testImages: images(64, 8) })), message: /--data .*small: its 8x8 images do not fit the model of .*model\.safetensors, which takes 28x28 images; pass data of that size/ },
    { name: "images that do not fit, for reconstruct too", args: () => ['reconstruct', '--checkpoint', run, '--data', at('small'), '--out', at('r.png'), ...adapter], message: /--data .*small: its 8x8 images do not fit the model/ },
  ];
  it.each(rows)('$name', ({ args, message }) => expectInputError(cli(args()), message));

  it.skipIf(!unprivileged)(`an IDX file that cannot be read (no permission)${permissionRow}`, () => {
    const dir = dataDir('unreadable');
    chmodSync(join(dir, IDX_FILE_NAMES.trainLabels), 0o000);
    expectInputError(cli(evaluate(dir), unprivileged!), /cannot open '.*unreadable\/train-labels-idx1-ubyte': permission denied; check its permissions or choose another path/);
  });
});

describe('checkpoints', () => {
  const header = (edit: (h: Record<string, any>) => void) => ({ model: (b: Buffer) => editHeader(b, edit) });
  const rows: (Row & { edit?: Parameters<typeof checkpoint>[1] })[] = [
    { name: 'a checkpoint that does not exist', args: () => sample(at('missing')), message: /checkpoint '.*missing' does not exist; pass a run directory \(from 'webgpu-vae train --out DIR'\) or its model\.safetensors/ },
    { name: 'a run directory without model.safetensors', args: () => (rmSync(join(checkpoint('no-model', {}), 'model.safetensors')), sample(at('checkpoints', 'no-model'))), message: /checkpoint: cannot read weights '.*no-model\/model\.safetensors': it does not exist \(a run directory holds model\.safetensors and config\.json\)/ },
    { name: 'an empty model.safetensors', args: () => sample(checkpoint('empty-model', { model: () => Buffer.alloc(0) })), message: /empty-model\/model\.safetensors: file is 0 bytes; a safetensors file starts with an 8-byte header length/ },
    { name: 'a model.safetensors that is not safetensors (a PNG)', args: () => sample(checkpoint('png', { model: () => readFileSync(join(run, 'samples.png')) })), message: /png\/model\.safetensors: header length \d+ runs past the end of the \d+-byte file; the file is truncated or not safetensors/ },
    { name: 'a truncated model.safetensors', args: () => sample(checkpoint('cut', { model: (b) => b.subarray(0, Math.floor(b.length * 0.6)) })), message: /cut\/model\.safetensors: tensor '[\w.]+': data_offsets \[\d+, \d+\] run past the \d+-byte data region; the file is truncated or the header is wrong/ },
    { name: 'a header that lies about offsets', args: () => sample(checkpoint('offsets', header((h) => (h['fc1.bias'].data_offsets = h['fc1.bias'].data_offsets.map((o: number) => o + 4))))), message: /offsets\/model\.safetensors: gap of 4 bytes before tensor 'fc1\.bias' \(data_offsets begin \d+, expected \d+\); tensors must lie back to back/ },
    { name: 'a header that lies about a dtype', args: () => sample(checkpoint('dtype', header((h) => (h['fc1.weight'].dtype = 'F16')))), message: /dtype\/model\.safetensors: tensor 'fc1\.weight': shape \[16, 784\] of F16 needs 25088 bytes but data_offsets \[0, 50176\] span 50176/ },
    { name: 'a header with an unsupported dtype', args: () => sample(checkpoint('i8', header((h) => (h['fc1.bias'].dtype = 'I8')))), message: /i8\/model\.safetensors: tensor 'fc1\.bias' has dtype I8, which this reader does not support; supported: F32, F16, BF16, F64/ },
    { name: 'a header that lies about a shape', args: () => sample(checkpoint('shape', header((h) => (h['fc1.weight'].shape = [16, 785])))), message: /shape\/model\.safetensors: tensor 'fc1\.weight': shape \[16, 785\] of F32 needs 50240 bytes but data_offsets \[0, 50176\] span 50176/ },
    { name: 'a header that is not JSON', args: () => sample(checkpoint('json', { model: (b) => (b.write('}', 8), b) })), message: /json\/model\.safetensors: header starts with "}"; it must be a JSON object/ },
    { name: 'a damaged data byte (CRC-32)', args: () => sample(checkpoint('crc', { model: (b) => (b[b.length - 7] ^= 0x10, b) })), message: /crc\/model\.safetensors: checksum mismatch \(the data's CRC-32 is [0-9a-f]{8}, the header says [0-9a-f]{8}\): the file is corrupt; use another copy or train again/ },
    { name: 'tensors of the wrong shape for config.json', args: () => sample(checkpoint('latent3', { config: editModel((m) => (m.latent = 3)) })), message: /latent3\/model\.safetensors: 'fc21\.weight' has shape \[2, 16\] but config\.json describes \[3, 16\]; is config\.json from the same run\?/ },
    { name: 'a config.json that does not parse', args: () => sample(checkpoint('config-json', { config: (c) => c.slice(0, 40) })), message: /config-json\/config\.json is not valid JSON: / },
    { name: 'a config.json that names an unknown model', args: () => sample(checkpoint('gan', { config: editModel((m) => (m.kind = 'gan')) })), message: /gan\/config\.json: unknown model kind 'gan'; this version knows vae, ae/ },
    { name: 'a config.json with an impossible field', args: () => sample(checkpoint('hidden0', { config: editModel((m) => (m.hidden = [0])) })), message: /hidden0\/config\.json: hidden must be a positive integer, got 0/ },
  ];
  it.each(rows)('$name', ({ args, message }) => expectInputError(cli(args()), message));
});

describe('flags', () => {
  const train = (...flags: string[]) => () => ['train', '--out', at('flags-run'), ...flags];
  const rows: Row[] = [
    { name: 'zero', args: train('--epochs', '0'), message: /--epochs must be an integer >= 1, got '0'/ },
    { name: 'negative', args: train('--lr=-0.5'), message: /--lr must be a number > 0, got '-0\.5'/ },
    { name: 'negative, as a separate argument', args: train('--lr', '-0.5'), message: /--lr needs a value; write --lr=-X for a value starting with '-'; run 'webgpu-vae train --help' for the options$/ },
    { name: 'zero where only positive numbers do (no 5e-324)', args: train('--likelihood', 'gaussian', '--sigma', '0', ...adapter), message: /--sigma must be a number > 0, got '0'/ },
    { name: 'NaN', args: train('--beta', 'NaN', ...adapter), message: /--beta must be a number >= 0, got 'NaN'/ },
    { name: 'non-numeric', args: train('--batch-size', 'many'), message: /--batch-size must be an integer >= 1, got 'many'/ },
    { name: 'not an integer', args: train('--epochs', '1.5'), message: /--epochs must be an integer >= 1, got '1\.5'/ },
    { name: 'out of range', args: train('--seed=-1'), message: /--seed must be an integer in 0\.\.4294967295, got '-1'/ },
    { name: 'an unknown adapter', args: train('--adapter', 'quantum', '--limit-train', '64', '--batch-size', '64'), message: /--adapter must be one of auto, gpu, llvmpipe, swiftshader, got 'quantum'/ },
    { name: 'an unknown model kind', args: train('--model', 'gan', ...adapter), message: /--model must be one of vae, ae, conv, got 'gan'/ },
    {
      // llvmpipe binds at most 128 MiB: the first conv's output at batch 8000 is 191 MiB, refused before any dispatch.
      name: 'a batch too large for the adapter',
      args: train('--model', 'conv', '--limit-train', '8000', '--batch-size', '8000', '--adapter', 'llvmpipe'),
      message: /binding 'c' .* is 191\.4 MiB, more than this adapter binds \(maxStorageBufferBindingSize 128\.0 MiB\); use a smaller batch \(--batch-size\) or another adapter \(--adapter\)/,
    },
    { name: 'a batch larger than the dataset', args: train('--limit-train', '100', '--batch-size', '128', ...adapter), message: /--batch-size 128 is larger than the training set \(100 images\); use 100 or less/ },
    { name: 'latent size 0', args: train('--latent', '0', ...adapter), message: /--latent must be an integer >= 1, got '0'/ },
    { name: 'an empty hidden width', args: train('--hidden', '16,', ...adapter), message: /--hidden must be one or more positive integers separated by commas \(e\.g\. 400 or 512,256\), got '16,'/ },
    { name: 'an unknown flag', args: train('--bogus'), message: /webgpu-vae train: Unknown option '--bogus'/ },
    { name: 'a missing required flag', args: () => ['sample', '--out', at('x.png')], message: /--checkpoint is required/ },
  ];
  it.each(rows)('$name', ({ args, message }) => expectInputError(cli(args()), message));
});

describe('output that cannot be written', () => {
  const noTemp = (dir: string) => expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  const copyOfRun = (name: string) => {
    cpSync(run, at(name), { recursive: true });
    return at(name);
  };

  it('--out is a file', () => {
    writeFileSync(at('a-file'), 'in the way');
    expectInputError(cli(['train', '--out', at('a-file'), ...tiny]), /cannot create directory '.*a-file': it or one of its parents exists as a file; choose another output path/);
    expect(readFileSync(at('a-file'), 'utf8')).toBe('in the way');
  });

  it("--out's parent is a file", () => {
    writeFileSync(at('parent-file'), 'in the way');
    expectInputError(cli(['sample', '--checkpoint', run, '--out', at('parent-file', 'x.png'), ...adapter]), /cannot open '.*parent-file\/x\.png': a part of the path is a file, not a directory; choose another path/);
    expect(readFileSync(at('parent-file'), 'utf8')).toBe('in the way');
  });

  it('--out names a directory where a PNG should go', () => {
    mkdirSync(at('dir.png'));
    expectInputError(cli(['sample', '--checkpoint', run, '--out', at('dir.png'), ...adapter]), /cannot rename '.*dir\.png': it is a directory; name a file/);
    noTemp(root);
  });

  it.skipIf(!unprivileged)(`no permission to write the run directory; the previous checkpoint stays${permissionRow}`, () => {
    const dir = copyOfRun('locked');
    chmodSync(dir, 0o555);
    const before = snapshot(dir);
    expectInputError(cli(['train', '--out', dir, ...tiny], unprivileged!), /cannot open '.*locked\/[\w.-]+': permission denied; check its permissions or choose another path/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a full disk (a 16 KiB file-size limit, ulimit -f); the previous checkpoint stays', () => {
    const dir = copyOfRun('full');
    const before = snapshot(dir);
    // Node ignores SIGXFSZ, so a write past the limit fails with EFBIG, as ENOSPC would on a full disk.
    const r = cli(['train', '--out', dir, ...tiny], { wrap: ['bash', '-c', 'ulimit -f 16 && exec "$@"', 'bash'] });
    expectInputError(r, /cannot write '.*full\/[\w.-]+\.safetensors': the file is larger than the file system or the file-size limit \(ulimit -f\) allows; .*\(the previous files are intact\)/);
    expect(snapshot(dir)).toEqual(before);
    noTemp(dir);
  });
});

describe('--debug', () => {
  it('prints the stack instead of the line, with the same exit status', () => {
    for (const r of [cli(['train', '--epochs', '0', '--debug']), cli(['train', '--epochs', '0'], { env: { ...process.env, WEBGPU_VAE_DEBUG: '1' } })]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/UsageError: --epochs must be an integer >= 1, got '0'\n\s+at /);
    }
  });
});
