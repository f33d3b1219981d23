// Initialisers, seeded so a run is reproducible. PyTorch's nn.Linear default is
// kaiming_uniform_(a=sqrt(5)) for the weight, which works out to U(-1/sqrt(in),
// 1/sqrt(in)), and the same bound for the bias. We draw from that distribution with
// our own generator, so the values differ from PyTorch's draw but not in law.
export function linearInit(outFeatures: number, inFeatures: number, next: () => number): { weight: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(inFeatures);
  const draw = (n: number) => Float32Array.from({ length: n }, () => (2 * next() - 1) * bound);
  return { weight: draw(outFeatures * inFeatures), bias: draw(outFeatures) };
}

/**
 * nn.Conv2d's and nn.ConvTranspose2d's default: the same U(-1/sqrt(fan_in), ...) for
 * weight and bias, where PyTorch takes fan_in = weight.size(1)·kh·kw for both layers
 * (for a transposed conv, whose weight is [in, out, kh, kw], that is out·kh·kw).
 */
export function convInit(weightShape: readonly [number, number, number, number], outChannels: number, next: () => number): { weight: Float32Array; bias: Float32Array } {
  const [d0, d1, kh, kw] = weightShape;
  const bound = 1 / Math.sqrt(d1 * kh * kw);
  const draw = (n: number) => Float32Array.from({ length: n }, () => (2 * next() - 1) * bound);
  return { weight: draw(d0 * d1 * kh * kw), bias: draw(outChannels) };
}
