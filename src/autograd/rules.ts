// The gradient rules, one per op, keyed by op name. The mapped type makes the table
// exhaustive: an op in `Saved` without a rule here does not compile.
import { activationBackward } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { sumCols } from '../ops/reduce.js';
import { reparameterizeBackward } from '../ops/reparameterize.js';
import type { OpName } from './ops.js';
import type { Node, Tape } from './tape.js';

export const gradRules: { [K in OpName]: (tape: Tape, node: Node<K>) => void } = {
  // y = act(x·Wᵀ + b):  dZ = dy ⊙ act'(y);  dx = dZ·W;  dW = dZᵀ·x;  db = Σ_rows dZ.
  linear(tape, { inputs: [x, weight, bias], outputs: [y], saved }) {
    const gpu = tape.gpu;
    const dy = y.grad!;
    const dz = saved.activation === 'identity' ? dy : activationBackward(gpu, dy, saved.y, saved.activation);
    const dx = tape.target(x);
    if (dx) matmul(gpu, dz, saved.weight, { out: dx.out, accumulate: dx.accumulate });
    const dw = tape.target(weight)!;
    matmul(gpu, dz, saved.x, { transA: true, out: dw.out, accumulate: dw.accumulate });
    const db = bias && tape.target(bias);
    if (db) sumCols(gpu, dz, { out: db.out, accumulate: db.accumulate });
    if (dz !== dy) gpu.release(dz);
  },

  activation(tape, { inputs: [x], outputs: [y], saved }) {
    const dx = tape.target(x);
    if (dx) activationBackward(tape.gpu, y.grad!, saved.saved, saved.kind, { out: dx.out, accumulate: dx.accumulate });
  },

  // dmu = dz;  dlogvar = dz ⊙ eps ⊙ exp(logvar/2) / 2, eps regenerated from its counter.
  reparameterize(tape, { inputs: [mu, logvar], outputs: [z], saved }) {
    const accumulate = tape.wouldAccumulate(mu);
    if (accumulate !== null && accumulate === tape.wouldAccumulate(logvar)) {
      const dmu = tape.target(mu)!.out;
      const dlogvar = tape.target(logvar)!.out;
      reparameterizeBackward(tape.gpu, z.grad!, saved.logvar, { ...saved.noise, dmu, dlogvar, accumulate });
      return;
    }
    // Mixed cases (one input needs no gradient, or only one has some already).
    const g = reparameterizeBackward(tape.gpu, z.grad!, saved.logvar, saved.noise);
    tape.contribute(mu, g.dmu);
    tape.contribute(logvar, g.dlogvar);
  },

  vaeLoss(tape, { inputs: [recon, mu, logvar], saved }) {
    tape.contribute(recon, saved.dRecon);
    tape.contribute(mu, saved.dMu);
    tape.contribute(logvar, saved.dLogvar);
  },
};
