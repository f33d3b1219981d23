// WebGPU forbids a bind group in which a writable storage binding overlaps another
// binding of the same buffer; Dawn reports it only as a validation error at submit.
// Checking before the bind group is made names the kernel and the two bindings.
import { KernelError } from './errors.js';
import type { Binding } from './runtime.js';

export function checkAliasing(label: string, infos: readonly { name: string; access: string }[], bindings: Record<string, Binding>): void {
  const ranges = infos
    .filter((b) => b.access !== 'uniform' && bindings[b.name])
    .map((b) => ({ ...b, t: bindings[b.name]! }));
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i], b = ranges[j];
      if (a.t.buffer !== b.t.buffer || (a.access === 'read' && b.access === 'read')) continue;
      const overlap = a.t.byteOffset < b.t.byteOffset + b.t.byteLength && b.t.byteOffset < a.t.byteOffset + a.t.byteLength;
      if (overlap) throw new KernelError(label, `bindings '${a.name}' and '${b.name}' overlap in one buffer and one of them is written; use separate tensors`);
    }
  }
}
