// The classic VAE (Kingma & Welling 2013) with the layout of PyTorch's examples/vae:
//   fc1  [hidden, in]     encoder,  h1 = relu(fc1 x)
//   fc21 [latent, hidden] mu head,  fc22 [latent, hidden] logvar head (log-variance trick)
//   fc3  [hidden, latent] decoder,  h3 = relu(fc3 z)
//   fc4  [in, hidden]     logits (Bernoulli) or means (Gaussian)
// Parameter names and [out, in] layouts match that model's state_dict.
import { linear, reparameterize, vaeLoss, type LossOutputs } from '../autograd/ops.js';
import { Tape, Var } from '../autograd/tape.js';
import type { Gpu } from '../gpu/runtime.js';
import { linearInit } from '../nn/init.js';
import { ParameterStore, type ParameterSpec } from '../nn/parameters.js';
import type { NoiseOptions } from '../ops/reparameterize.js';
import { mulberry32 } from '../random.js';
import type { Tensor } from '../tensor.js';
import { vaeConfig, type VaeConfig } from './config.js';

const LAYERS = ['fc1', 'fc21', 'fc22', 'fc3', 'fc4'] as const;

function layerShapes(c: VaeConfig): Record<(typeof LAYERS)[number], [number, number]> {
  return { fc1: [c.hidden, c.inputSize], fc21: [c.latent, c.hidden], fc22: [c.latent, c.hidden], fc3: [c.hidden, c.latent], fc4: [c.inputSize, c.hidden] };
}

export function vaeParameterSpecs(c: VaeConfig): ParameterSpec[] {
  const shapes = layerShapes(c);
  return LAYERS.flatMap((l) => [
    { name: `${l}.weight`, shape: shapes[l] },
    { name: `${l}.bias`, shape: [shapes[l][0]] },
  ]);
}

/** Initial parameters, as PyTorch's nn.Linear draws them, from one seeded stream in layer order. */
export function initialVaeParameters(c: VaeConfig, seed: number): Record<string, Float32Array> {
  const next = mulberry32(seed);
  const shapes = layerShapes(c);
  const out: Record<string, Float32Array> = {};
  for (const l of LAYERS) {
    const { weight, bias } = linearInit(shapes[l][0], shapes[l][1], next);
    out[`${l}.weight`] = weight;
    out[`${l}.bias`] = bias;
  }
  return out;
}

export interface VaeForward {
  logits: Var;
  mu: Var;
  logvar: Var;
  z: Var;
}

export class Vae {
  readonly config: VaeConfig;
  readonly parameters: ParameterStore;

  constructor(
    readonly gpu: Gpu,
    config: Partial<VaeConfig> = {},
    init: { seed?: number; values?: Record<string, Float32Array> } = {},
  ) {
    this.config = vaeConfig(config);
    this.parameters = new ParameterStore(gpu, vaeParameterSpecs(this.config));
    this.parameters.load(init.values ?? initialVaeParameters(this.config, init.seed ?? 0));
  }

  private p(name: string) {
    return this.parameters.get(name);
  }

  encode(tape: Tape, x: Var): { mu: Var; logvar: Var } {
    const h1 = linear(tape, x, this.p('fc1.weight'), this.p('fc1.bias'), this.config.activation);
    return {
      mu: linear(tape, h1, this.p('fc21.weight'), this.p('fc21.bias')),
      logvar: linear(tape, h1, this.p('fc22.weight'), this.p('fc22.bias')),
    };
  }

  decode(tape: Tape, z: Var): Var {
    const h3 = linear(tape, z, this.p('fc3.weight'), this.p('fc3.bias'), this.config.activation);
    return linear(tape, h3, this.p('fc4.weight'), this.p('fc4.bias'));
  }

  forward(tape: Tape, x: Tensor, noise: NoiseOptions): VaeForward {
    const input = new Var(x, false, 'x');
    const { mu, logvar } = this.encode(tape, input);
    const z = reparameterize(tape, mu, logvar, noise);
    return { logits: this.decode(tape, z), mu, logvar, z };
  }

  /** Forward pass and fused loss; backward from `loss` fills the flat gradient buffer. */
  loss(tape: Tape, x: Tensor, noise: NoiseOptions): LossOutputs & VaeForward {
    const f = this.forward(tape, x, noise);
    const l = vaeLoss(tape, f.logits, x, f.mu, f.logvar, { beta: this.config.beta, likelihood: this.config.likelihood });
    return { ...f, ...l };
  }

  dispose(): void {
    this.parameters.dispose();
  }
}
