// The gradient rules, one per op, keyed by op name. The mapped type makes the table
// exhaustive: an op in `Saved` without a rule here does not compile. Each rule reads
// the gradient flowing in through tape.upstream() and writes or adds its inputs'
// contributions where tape.target() says.
import {
  channelSums, conv2dBackwardData, conv2dBackwardWeight, convTranspose2dBackwardData, convTranspose2dBackwardWeight,
} from '../ops/conv.js';
import { activationBackward, axpy, fill } from '../ops/elementwise.js';
import { mul, placeCols, scaledAdd, sliceCols } from '../ops/features.js';
import { matmul } from '../ops/matmul.js';
import { sumCols } from '../ops/reduce.js';
import { reparameterizeBackward } from '../ops/reparameterize.js';
import type { Tensor } from '../tensor.js';
import type { OpName, Saved } from './ops.js';
import type { Node, Tape, Var } from './tape.js';

export const gradRules: { [K in OpName]: (tape: Tape, node: Node<K>) => void } = {
  // y = act(x·Wᵀ + b):  dZ = dy ⊙ act'(y);  dx = dZ·W;  dW = dZᵀ·x;  db = Σ_rows dZ.
  linear(tape, { inputs: [x, weight, bias], outputs: [y], saved }) {
    const gpu = tape.gpu;
    const dy = tape.upstream(y);
    const dz = preActivationGrad(tape, y, saved);
    const dx = tape.target(x);
    if (dx) matmul(gpu, dz, saved.weight, { out: dx.out, accumulate: dx.accumulate });
    const dw = tape.target(weight)!;
    matmul(gpu, dz, saved.x, { transA: true, out: dw.out, accumulate: dw.accumulate });
    const db = bias && tape.target(bias);
    if (db) sumCols(gpu, dz, { out: db.out, accumulate: db.accumulate });
    if (dz !== dy) gpu.release(dz);
  },

  // y = act(conv(x, W) + b):  dZ = dy ⊙ act'(y);  dx = conv_data(dZ, W);  dW = conv_weight(x, dZ);
  // db = channel sums of dZ.
  conv2d(tape, { inputs: [x, weight, bias], outputs: [y], saved }) {
    const gpu = tape.gpu;
    const dz = preActivationGrad(tape, y, saved);
    const [, , kh, kw] = saved.weight.shape;
    const dx = tape.target(x);
    if (dx) conv2dBackwardData(gpu, dz, saved.weight, [saved.x.shape[2], saved.x.shape[3]], { ...saved.geometry, out: dx.out, accumulate: dx.accumulate });
    const dw = tape.target(weight)!;
    conv2dBackwardWeight(gpu, saved.x, dz, [kh, kw], { ...saved.geometry, out: dw.out, accumulate: dw.accumulate });
    const db = bias && tape.target(bias);
    if (db) channelSums(gpu, dz, { out: db.out, accumulate: db.accumulate });
    if (dz !== tape.upstream(y)) gpu.release(dz);
  },

  // The transposed conv is the adjoint of a conv: dx = conv(dZ, W), dW = conv_weight(dZ, x).
  convTranspose2d(tape, { inputs: [x, weight, bias], outputs: [y], saved }) {
    const gpu = tape.gpu;
    const dz = preActivationGrad(tape, y, saved);
    const [, , kh, kw] = saved.weight.shape;
    const dx = tape.target(x);
    if (dx) convTranspose2dBackwardData(gpu, dz, saved.weight, { ...saved.geometry, out: dx.out, accumulate: dx.accumulate });
    const dw = tape.target(weight)!;
    convTranspose2dBackwardWeight(gpu, saved.x, dz, [kh, kw], { ...saved.geometry, out: dw.out, accumulate: dw.accumulate });
    const db = bias && tape.target(bias);
    if (db) channelSums(gpu, dz, { out: db.out, accumulate: db.accumulate });
    if (dz !== tape.upstream(y)) gpu.release(dz);
  },

  activation(tape, { inputs: [x], outputs: [y], saved }) {
    const dx = tape.target(x);
    if (dx) activationBackward(tape.gpu, tape.upstream(y), saved.saved, saved.kind, { out: dx.out, accumulate: dx.accumulate });
  },

  // dmu = dz;  dlogvar = dz ⊙ eps ⊙ exp(logvar/2) / 2, eps regenerated from its counter.
  reparameterize(tape, { inputs: [mu, logvar], outputs: [z], saved }) {
    const dz = tape.upstream(z);
    const accumulate = tape.wouldAccumulate(mu);
    if (accumulate !== null && accumulate === tape.wouldAccumulate(logvar)) {
      const dmu = tape.target(mu)!.out;
      const dlogvar = tape.target(logvar)!.out;
      reparameterizeBackward(tape.gpu, dz, saved.logvar, { ...saved.noise, dmu, dlogvar, accumulate });
      return;
    }
    // Mixed cases (one input needs no gradient, or only one has some already).
    const g = reparameterizeBackward(tape.gpu, dz, saved.logvar, saved.noise);
    tape.contribute(mu, g.dmu);
    tape.contribute(logvar, g.dlogvar);
  },

  // d[a | b] splits into (da, db).
  concat(tape, { inputs: [a, b], outputs: [y], saved }) {
    const dy = tape.upstream(y);
    const da = tape.target(a);
    if (da) sliceCols(tape.gpu, dy, 0, saved.widthA, da);
    const db = tape.target(b);
    if (db) sliceCols(tape.gpu, dy, saved.widthA, saved.widthB, db);
  },

  // The slice's gradient goes back to its columns; the other columns get none (zero).
  slice(tape, { inputs: [x], outputs: [y], saved }) {
    const dx = tape.target(x);
    if (!dx) return;
    if (!dx.accumulate) fill(tape.gpu, dx.out, 0);
    placeCols(tape.gpu, tape.upstream(y), dx.out, saved.start, { accumulate: true });
  },

  add(tape, { inputs: [a, b], outputs: [y] }) {
    const dy = tape.upstream(y);
    passThrough(tape, a, dy);
    passThrough(tape, b, dy);
  },

  // The gradient of a view is the gradient viewed back.
  reshape(tape, { inputs: [x], outputs: [y], saved }) {
    passThrough(tape, x, tape.upstream(y).view(saved.shape));
  },

  maskMul(tape, { inputs: [x], outputs: [y], saved }) {
    const dx = tape.target(x);
    if (dx) mul(tape.gpu, tape.upstream(y), saved.mask, dx);
  },

  vaeLoss(tape, { inputs: [recon, mu, logvar], outputs: [loss], saved }) {
    handOver(tape, loss, recon, saved.dRecon);
    handOver(tape, loss, mu, saved.dMu);
    handOver(tape, loss, logvar, saved.dLogvar);
  },

  reconstructionLoss(tape, { inputs: [recon], outputs: [loss], saved }) {
    handOver(tape, loss, recon, saved.dRecon);
  },
};

/** dy ⊙ act'(y) for a fused activation (dy itself for the identity). */
function preActivationGrad(tape: Tape, y: Var, saved: { y: Tensor; activation: Saved['linear']['activation'] }): Tensor {
  const dy = tape.upstream(y);
  return saved.activation === 'identity' ? dy : activationBackward(tape.gpu, dy, saved.y, saved.activation);
}

/** v's gradient gets g as it is (copied or added; g stays the caller's). */
function passThrough(tape: Tape, v: Var, g: Tensor): void {
  const t = tape.target(v);
  if (t) scaledAddOrCopy(tape, g, null, t.out, t.accumulate);
}

/**
 * A fused loss computed its input gradients for an upstream gradient of 1. At the
 * root that is what they are, handed over without a pass; inside a larger graph
 * they are scaled by the upstream scalar on the GPU (no readback).
 */
function handOver(tape: Tape, loss: Var, input: Var, g: Tensor): void {
  if (tape.isSeed(loss)) {
    tape.contribute(input, g);
    return;
  }
  const t = tape.target(input);
  if (t) scaledAddOrCopy(tape, g, tape.upstream(loss), t.out, t.accumulate);
}

function scaledAddOrCopy(tape: Tape, g: Tensor, scale: Tensor | null, out: Tensor, accumulate: boolean): void {
  if (scale) scaledAdd(tape.gpu, g, scale, out, { accumulate });
  else if (accumulate) axpy(tape.gpu, 1, g, out);
  else tape.gpu.copy(g, out);
}
