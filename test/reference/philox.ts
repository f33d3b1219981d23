// Float64 reference of the counter-based normal generator in shaders/reparameterize.wgsl:
// Philox-4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as
// easy as 1, 2, 3") reproduced bit for bit, then the same uniforms and Box-Muller
// transform, evaluated in float64.
//
// The scheme (identical in the shader's header):
//   key      (seed, step)
//   counter  (e / 4, stream, 0, 0) for element e
//   words    r0..r3 = Philox4x32-10(counter, key)
//   uniforms u_i = (floor(r_i / 2^9) + 0.5) * 2^-23, exactly representable in f32, in (0, 1)
//   normals  n0 = sqrt(-2 ln u0) cos(2 pi u1), n1 = sqrt(-2 ln u0) sin(2 pi u1),
//            n2, n3 likewise from u2, u3; element e takes n[e % 4].

export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;

/**
 * The 64-bit product of two uint32 as [hi, lo]. The low word is Math.imul's; the
 * high word splits b into 16-bit halves so each partial product (< 2^48) is exact
 * in a double (a different split from the shader's, so the two check each other).
 */
export function mulhilo32(a: number, b: number): [number, number] {
  const lo = Math.imul(a, b) >>> 0;
  const byLow = a * (b & 0xffff);
  const byHigh = a * (b >>> 16);
  const carry = Math.floor(((byHigh % 0x10000) * 0x10000 + byLow) / 0x100000000);
  const hi = (Math.floor(byHigh / 0x10000) + carry) >>> 0;
  return [hi, lo];
}

export type Words4 = readonly [number, number, number, number];

/** Philox-4x32 with `rounds` rounds (10 for Philox4x32-10), as uint32 words. */
export function philox4x32(counter: Words4, key: readonly [number, number], rounds = 10): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((w) => w >>> 0);
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < rounds; r++) {
    const [hi0, lo0] = mulhilo32(PHILOX_M0, c0);
    const [hi1, lo1] = mulhilo32(PHILOX_M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + PHILOX_W0) >>> 0;
    k1 = (k1 + PHILOX_W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** A uint32 word to a uniform in (0, 1): the top 23 bits, centred in their cell. */
export function unitFromWord(r: number): number {
  return ((r >>> 9) + 0.5) * 2 ** -23;
}

/** Box-Muller on the four uniforms of one Philox block, in float64. */
export function boxMuller(words: Words4): [number, number, number, number] {
  const [u0, u1, u2, u3] = words.map(unitFromWord);
  const r0 = Math.sqrt(-2 * Math.log(u0));
  const r1 = Math.sqrt(-2 * Math.log(u2));
  return [r0 * Math.cos(2 * Math.PI * u1), r0 * Math.sin(2 * Math.PI * u1), r1 * Math.cos(2 * Math.PI * u3), r1 * Math.sin(2 * Math.PI * u3)];
}

export interface NoiseKey {
  seed: number;
  step: number;
  /** Which use of the noise (0 = reparameterisation). */
  stream?: number;
}

/** The n standard normals the GPU's `randn` writes for this (seed, step, stream). */
export function randnReference(n: number, key: NoiseKey): Float64Array {
  const out = new Float64Array(n);
  const stream = key.stream ?? 0;
  for (let q = 0; q * 4 < n; q++) {
    const normals = boxMuller(philox4x32([q, stream, 0, 0], [key.seed, key.step]));
    for (let j = 0; j < 4 && 4 * q + j < n; j++) out[4 * q + j] = normals[j];
  }
  return out;
}
