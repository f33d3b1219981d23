// IEEE binary16 bit patterns to numbers: for reading f16 tensors back (src/gpu/
// runtime.ts) and F16 and BF16 safetensors (src/io/safetensors.ts), one decoding loop. Every f16 value is
// exactly an f32, so the decoded arrays lose nothing. Encoding runs on the GPU
// (shaders/half.wgsl), not here.

/** The value of one binary16 bit pattern (sign, 5 exponent bits, 10 mantissa bits). */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  // Subnormals have no implicit leading 1 and the smallest normal's exponent, -14.
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** The first `count` 16-bit little-endian patterns of `bytes` as f32s, each through `convert` (halfValue, or bfloat16's). */
export function decode16(bytes: Uint8Array, count: number, convert: (bits: number) => number = halfValue): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = convert(view.getUint16(2 * i, true));
  return out;
}
