// Float64 reference of IEEE binary16 rounding (shaders/half.wgsl's to_half): the two
// halves around a value, from the format's definition (10 fraction bits; normal
// exponents -14..15; subnormals multiples of 2^-24; largest finite 65504), without
// the bit decoding that src/gpu/half-bits.ts does.

const SMALLEST_NORMAL = 2 ** -14;
const LARGEST = 65504;

/** The spacing of halves at magnitude |x| (finite, below 65536). */
function halfUlp(x: number): number {
  const m = Math.abs(x);
  if (m < SMALLEST_NORMAL) return 2 ** -24;
  // The binade 2^e <= m < 2^(e+1), with log2's rounding near a power of two corrected.
  let e = Math.floor(Math.log2(m));
  if (2 ** e > m) e -= 1;
  if (2 ** (e + 1) <= m) e += 1;
  return 2 ** (e - 10);
}

/**
 * The halves `x` may round to: its two neighbours (one, when it is a half), ±infinity
 * at or past 65520 (where round-to-nearest overflows), and, for magnitudes below the
 * smallest normal half, signed zero as well (an adapter may flush subnormals).
 */
export function halfCandidates(x: number): number[] {
  if (Number.isNaN(x)) return [NaN];
  const m = Math.abs(x);
  const sign = Math.sign(x) || (Object.is(x, -0) ? -1 : 1);
  if (m >= 65520) return [sign * Infinity];
  if (m > LARGEST) return [sign * LARGEST];
  const ulp = halfUlp(x);
  const lo = Math.floor(m / ulp) * ulp;
  const out = lo === m ? [m] : [lo, lo + ulp];
  if (m < SMALLEST_NORMAL) out.push(0);
  return out.map((v) => sign * v);
}
