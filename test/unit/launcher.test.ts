// The launcher's stderr filter: Dawn's two warning lines go, everything else passes
// unchanged and at once, however the child's output is cut into chunks.
import { describe, expect, it } from 'vitest';
import { NoiseFilter } from '../../src/cli/launcher.js';

const WARNINGS = [
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.\n',
];
const KEPT = [
  'webgpu-vae: adapter llvmpipe [opengles]\n',
  '\repoch 1/2 |███░░░| step 3/8 | loss 540.12',
  '\repoch 1/2 |██████| step 8/8 | loss 530.00\n',
  'Warning: maxDynamicUniformBuffersPerPipelineLayout is fine\n',
  'Warning: something else\n',
  'W',
];

function run(chunks: string[]): string {
  let out = '';
  const f = new NoiseFilter((t) => (out += t));
  for (const c of chunks) f.push(c);
  f.end();
  return out;
}

describe('NoiseFilter', () => {
  const input = [WARNINGS[0], KEPT[0], WARNINGS[1], KEPT[1], KEPT[2], KEPT[3], WARNINGS[0], KEPT[4], KEPT[5]].join('');
  const expected = KEPT.join('');

  it('drops exactly the warning lines, whole or cut at every position', () => {
    expect(run([input])).toBe(expected);
    for (let cut = 0; cut <= input.length; cut++) expect(run([input.slice(0, cut), input.slice(cut)]), `cut at ${cut}`).toBe(expected);
    expect(run([...input])).toBe(expected);
  });

  it('passes a partial line on at once unless it may still become a warning', () => {
    let out = '';
    const f = new NoiseFilter((t) => (out += t));
    f.push('\repoch 1/2 step 3/8');
    expect(out).toBe('\repoch 1/2 step 3/8');
    f.push('\nWarning: maxDyn');
    expect(out).toBe('\repoch 1/2 step 3/8\n');
  });
});
