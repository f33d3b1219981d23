// The matmul's f16-storage operands: the vec4 entries, 'direct4' (the CPU
// adapters' default family) and 'main4' (the GPUs'), linked once per combination of
// f16 operands (the `?half_a` / `?half_b` conditions of
// shaders/matmul_operands4.wgsl). An f16 operand streams half the bytes of an f32
// one and is widened to f32 on load; products and sums stay f32, so against the
// operands' own (rounded) values the result is as accurate as an f32 product.
import direct4A, { reflection as direct4ARef } from '../../shaders/matmul_vec4.wgsl?half_a';
import direct4B, { reflection as direct4BRef } from '../../shaders/matmul_vec4.wgsl?half_b';
import direct4AB, { reflection as direct4ABRef } from '../../shaders/matmul_vec4.wgsl?half_a&half_b';
import main4A, { reflection as main4ARef } from '../../shaders/matmul_tiled4.wgsl?half_a';
import main4B, { reflection as main4BRef } from '../../shaders/matmul_tiled4.wgsl?half_b';
import main4AB, { reflection as main4ABRef } from '../../shaders/matmul_tiled4.wgsl?half_a&half_b';
import { shaderOf, type Shader } from '../gpu/shader.js';
import type { MatmulConfig } from './matmul.js';

/** Which operands are f16. */
export interface HalfOperands {
  a: boolean;
  b: boolean;
}

type Key = 'a' | 'b' | 'ab';
const SHADERS: Record<'direct4' | 'main4', Record<Key, Shader>> = {
  direct4: {
    a: shaderOf('matmul_vec4_half_a', direct4A, direct4ARef),
    b: shaderOf('matmul_vec4_half_b', direct4B, direct4BRef),
    ab: shaderOf('matmul_vec4_half_ab', direct4AB, direct4ABRef),
  },
  main4: {
    a: shaderOf('matmul_tiled4_half_a', main4A, main4ARef),
    b: shaderOf('matmul_tiled4_half_b', main4B, main4BRef),
    ab: shaderOf('matmul_tiled4_half_ab', main4AB, main4ABRef),
  },
};

/** The shader for an entry that reads f16 operands ('direct4' or 'main4'). */
export function halfShader(entry: 'direct4' | 'main4', half: HalfOperands): Shader {
  return SHADERS[entry][half.a && half.b ? 'ab' : half.a ? 'a' : 'b'];
}

/**
 * The configuration that reads f16 operands with the tiles chosen for the f32
 * product: 'main4' where those tiles are staged in workgroup memory (tileK a
 * multiple of 4), else 'direct4'.
 */
export function halfReader(c: MatmulConfig): MatmulConfig {
  if (c.entry === 'direct4' || c.entry === 'main4') return c;
  return { ...c, entry: c.entry === 'main' && c.tileK % 4 === 0 ? 'main4' : 'direct4' };
}
