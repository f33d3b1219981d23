// Initialisers, seeded so a run is reproducible. PyTorch's nn.Linear default is
// kaiming_uniform_(a=sqrt(5)) for the weight, which works out to U(-1/sqrt(in),
// 1/sqrt(in)), and the same bound for the bias. We draw from that distribution with
// our own generator, so the values differ from PyTorch's draw but not in law.
export function linearInit(outFeatures: number, inFeatures: number, next: () => number): { weight: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(inFeatures);
  const draw = (n: number) => Float32Array.from({ length: n }, () => (2 * next() - 1) * bound);
  return { weight: draw(outFeatures * inFeatures), bias: draw(outFeatures) };
}
