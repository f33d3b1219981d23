// WGSL has no includes, and shaders are never glued from strings, so a few numeric
// helpers are copied between shaders (the matmul epilogue's activations, the loss
// kernels' log1p and exp(v)-1-v). This test keeps every copy identical: change one,
// change all.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The text of `fn name(...) { ... }` at top level (up to the closing brace in column 0). */
function fnText(file: string, name: string): string {
  const src = readFileSync(`shaders/${file}`, 'utf8');
  const start = src.indexOf(`\nfn ${name}(`);
  if (start < 0) throw new Error(`shaders/${file} has no fn ${name}`);
  const end = src.indexOf('\n}', start);
  return src.slice(start, end + 2);
}

function constText(file: string, name: string): string {
  const line = readFileSync(`shaders/${file}`, 'utf8').split('\n').find((l) => l.startsWith(`const ${name}:`));
  if (!line) throw new Error(`shaders/${file} has no const ${name}`);
  return line;
}

describe('shared WGSL helpers', () => {
  it('matmul.wgsl carries the same activation helpers as elementwise.wgsl', () => {
    for (const fn of ['sigmoid', 'log1p_unit', 'gelu_2u']) expect(fnText('matmul.wgsl', fn), fn).toBe(fnText('elementwise.wgsl', fn));
    for (const c of ['GELU_K', 'GELU_C']) expect(constText('matmul.wgsl', c), c).toBe(constText('elementwise.wgsl', c));
    // The dispatch over activation codes is named differently in each file but must match.
    const body = (file: string, name: string) => fnText(file, name).replace(/^\nfn \w+/, '');
    expect(body('matmul.wgsl', 'activate')).toBe(body('elementwise.wgsl', 'act'));
  });

  it('the fused and unfused loss kernels carry the same log1p and exp(v) - 1 - v', () => {
    for (const file of ['vae_loss.wgsl', 'unfused.wgsl']) expect(fnText(file, 'log1p_unit'), file).toBe(fnText('elementwise.wgsl', 'log1p_unit'));
    expect(fnText('unfused.wgsl', 'exp_m1_m_x')).toBe(fnText('vae_loss.wgsl', 'exp_m1_m_x'));
  });
});
