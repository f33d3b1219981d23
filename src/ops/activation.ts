// Activation kinds shared by the elementwise kernels and the matmul epilogue. The
// numeric codes are the `ACT` override constant in shaders/elementwise.wgsl and
// shaders/matmul.wgsl; both shaders list the same table in their headers.
export const ACTIVATIONS = ['identity', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softplus', 'gelu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export function activationCode(a: Activation): number {
  const code = ACTIVATIONS.indexOf(a);
  if (code < 0) throw new RangeError(`unknown activation '${a}'; choose one of: ${ACTIVATIONS.join(', ')}`);
  return code;
}

/** Negative-side slope of leaky_relu (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;

/**
 * What the backward pass of each activation reads: its saved output where the
 * derivative is a function of the output (relu, leaky_relu, sigmoid, tanh), else its
 * input (softplus, whose derivative from the output loses precision; gelu).
 */
export const BACKWARD_READS: Record<Activation, 'input' | 'output'> = {
  identity: 'output',
  relu: 'output',
  leaky_relu: 'output',
  sigmoid: 'output',
  tanh: 'output',
  softplus: 'input',
  gelu: 'input',
};
