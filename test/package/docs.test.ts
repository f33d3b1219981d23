// `npm run docs` (docs/build.mjs): the API reference builds from freshly built
// declarations, one page per export, carrying the declarations' doc comments.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('API reference', () => {
  it('is generated from the declarations, with their doc comments', () => {
    const work = mkdtempSync(join(tmpdir(), 'webgpu-vae-docs-'));
    const types = join(work, 'types');
    const out = join(work, 'api');
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', types], { encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const docs = spawnSync(process.execPath, ['docs/build.mjs', types, out], { encoding: 'utf8' });
    expect(docs.status, docs.stdout + docs.stderr).toBe(0);
    expect(readdirSync(out).length).toBeGreaterThan(500);
    for (const page of ['index.md', 'webgpu-vae.trainer.md', 'webgpu-vae.createnodegpu.md', 'webgpu-vae.matmul.md']) expect(existsSync(join(out, page)), page).toBe(true);
    expect(readFileSync(join(out, 'webgpu-vae.gpu.wrap.md'), 'utf8')).toContain("A caller's buffer as a tensor");
    expect(readFileSync(join(out, 'webgpu-vae.requiredlimits.md'), 'utf8')).toContain('The limits to request for a device the kernels run on');
  }, 180_000);
});
