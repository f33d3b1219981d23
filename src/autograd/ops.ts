// Differentiable functions: each runs its forward kernels and records a node whose
// `Saved` entry (typed per op below) is what its gradient rule in rules.ts reads.
// Adding an op means adding it to `Saved` and to the rule table; a missing rule is
// a compile error there.
import { BACKWARD_READS, type Activation } from '../ops/activation.js';
import { activation as activationKernel } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { reparameterize as reparameterizeKernel, type NoiseOptions } from '../ops/reparameterize.js';
import { vaeLoss as vaeLossKernel, type VaeLossOptions } from '../ops/vae-loss.js';
import type { Tensor } from '../tensor.js';
import { Parameter, Var, type Tape } from './tape.js';

export interface Saved {
  /** y = act(x·Wᵀ + b) with the activation fused into the matmul's epilogue. */
  linear: { x: Tensor; weight: Tensor; y: Tensor; activation: Activation };
  activation: { saved: Tensor; kind: Activation };
  reparameterize: { logvar: Tensor; noise: NoiseOptions };
  /** The fused loss computes its input gradients in the forward pass. */
  vaeLoss: { dRecon: Tensor; dMu: Tensor; dLogvar: Tensor };
}
export type OpName = keyof Saved;

/**
 * A fully connected layer, y = act(x·Wᵀ + b) with W stored [out, in] as in PyTorch.
 * Activations whose derivative reads the output are fused into the matmul; the
 * others (softplus, gelu) need the pre-activation, so they run as a separate op.
 */
export function linear(tape: Tape, x: Var, weight: Parameter, bias: Parameter | null, act: Activation = 'identity'): Var {
  const fused = BACKWARD_READS[act] === 'output';
  const y = tape.own(matmul(tape.gpu, x.value, weight.value, { transB: true, bias: bias?.value, activation: fused ? act : 'identity' }));
  const out = new Var(y, true, `${weight.name}:out`);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  tape.record('linear', inputs, [out], { x: x.value, weight: weight.value, y, activation: fused ? act : 'identity' }, [x.value, y]);
  return fused ? out : activation(tape, out, act);
}

export function activation(tape: Tape, x: Var, kind: Activation): Var {
  const y = tape.own(activationKernel(tape.gpu, x.value, kind));
  const out = new Var(y, x.requiresGrad, `${kind}:out`);
  const saved = BACKWARD_READS[kind] === 'input' ? x.value : y;
  tape.record('activation', [x], [out], { saved, kind }, [saved]);
  return out;
}

/** z = mu + exp(logvar/2)·eps with eps from the counter-based RNG (Kingma & Welling 2013, §2.4). */
export function reparameterize(tape: Tape, mu: Var, logvar: Var, noise: NoiseOptions): Var {
  const z = tape.own(reparameterizeKernel(tape.gpu, mu.value, logvar.value, noise));
  const out = new Var(z, mu.requiresGrad || logvar.requiresGrad, 'z');
  tape.record('reparameterize', [mu, logvar], [out], { logvar: logvar.value, noise }, [logvar.value]);
  return out;
}

export interface LossOutputs {
  /** The batch loss as a Var (the root for backward). Its value is `stats`. */
  loss: Var;
  /** [3]: batch means of (loss, reconstruction, KL), per image, in nats. */
  stats: Tensor;
  /** [B, 3]: (loss, reconstruction, KL) of each sample. */
  perSample: Tensor;
}

/** Fused reconstruction + beta·KL; its gradients are computed in the same pass. */
export function vaeLoss(tape: Tape, recon: Var, x: Tensor, mu: Var, logvar: Var, options: VaeLossOptions): LossOutputs {
  const r = vaeLossKernel(tape.gpu, recon.value, x, mu.value, logvar.value, options);
  for (const t of [r.stats, r.perSample, r.dRecon, r.dMu, r.dLogvar]) tape.own(t);
  const loss = new Var(r.stats, true, 'loss');
  // The gradients are handed to the inputs by the rule (tape.contribute), not held.
  tape.record('vaeLoss', [recon, mu, logvar], [loss], { dRecon: r.dRecon, dMu: r.dMu, dLogvar: r.dLogvar }, []);
  return { loss, stats: r.stats, perSample: r.perSample };
}
