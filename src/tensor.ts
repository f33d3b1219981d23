// A GPU tensor: shape, dtype, buffer and byte offset into that buffer. Nothing
// else: ops are functions of the runtime (src/ops/), memory belongs to the pool.
/**
 * f32 for values; u32 for indices (batch gathering); f16 for values stored at half
 * width (opt-in: src/ops/half.ts converts, the vec4 matmul entries read it), two
 * IEEE binary16 values per 32-bit word, element 0 in the low half (pack2x16float's
 * layout, and array<f16>'s where a device has shader-f16).
 */
export type DType = 'f32' | 'u32' | 'f16';

/** Bytes an element: 4, or 2 for f16. */
export const bytesPerElement = (dtype: DType): number => (dtype === 'f16' ? 2 : 4);

/** Bytes `size` elements take, rounded up to whole 32-bit words (an odd-length f16 tensor ends in a half-used word). */
export const byteLengthOf = (size: number, dtype: DType): number => Math.ceil((size * bytesPerElement(dtype)) / 4) * 4;

export class Tensor {
  readonly size: number;

  constructor(
    readonly shape: readonly number[],
    readonly buffer: GPUBuffer,
    /** Byte offset of element 0; a multiple of the device's storage offset alignment when bound. */
    readonly byteOffset = 0,
    /** Set when the buffer came from the pool and goes back to it on release. */
    readonly pooled = false,
    readonly dtype: DType = 'f32',
  ) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor shape [${shape.join(', ')}] has a dimension that is not a non-negative integer`);
    }
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  /** Bytes the elements take, in whole 32-bit words (byteLengthOf). */
  get byteLength(): number {
    return byteLengthOf(this.size, this.dtype);
  }

  /** A view of `shape` starting `elementOffset` elements in (shares the buffer). */
  view(shape: readonly number[], elementOffset = 0): Tensor {
    const t = new Tensor(shape, this.buffer, this.byteOffset + elementOffset * bytesPerElement(this.dtype), false, this.dtype);
    if (elementOffset + t.size > this.size) throw new RangeError(`view [${shape.join(', ')}] at ${elementOffset} does not fit in a tensor of ${this.size} elements`);
    return t;
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}], '${this.buffer.label}')`;
  }
}
