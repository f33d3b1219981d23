// GPU batch gather against its reference, including a moving offset and an
// out-of-range index (which must give zeros, not a read past the buffer).
import { describe, expect, it } from 'vitest';
import { gatherRows } from '../../src/ops/gather.js';
import { gatherRowsRef } from '../reference/gather.js';
import { assertClose } from '../tolerance.js';
import { uniform } from '../random.js';
import { testGpu } from './device.js';

describe('gatherRows', () => {
  for (const [n, cols, rows] of [[1, 1, 1], [7, 33, 5], [300, 785, 128]] as const) {
    it(`gathers ${rows} of ${n} rows of ${cols}`, async () => {
      const gpu = await testGpu();
      const data = uniform(n * cols, n + cols);
      const perm = Uint32Array.from({ length: rows + 3 }, (_, i) => (i * 7919) % n);
      const src = gpu.upload(data, [n, cols], 'src');
      const index = gpu.upload(perm, [perm.length], 'index', 'u32');
      for (const offset of [0, 3]) {
        const out = gatherRows(gpu, src, index, rows, { offset });
        assertClose(await gpu.read(out), gatherRowsRef(data, cols, perm, offset, rows), { atol: 0, rtol: 0 }, `offset ${offset}`);
        gpu.release(out);
      }
      gpu.release(src, index);
    });
  }

  it('gives zeros for an index past the source and rejects a range past the list', async () => {
    const gpu = await testGpu();
    const src = gpu.upload([1, 2, 3, 4], [2, 2], 'src');
    const index = gpu.upload([1, 9], [2], 'index', 'u32');
    const out = gatherRows(gpu, src, index, 2);
    expect(Array.from(await gpu.read(out))).toEqual([3, 4, 0, 0]);
    expect(() => gatherRows(gpu, src, index, 3)).toThrow(/outside the index list/);
    gpu.release(src, index, out);
  });
});
