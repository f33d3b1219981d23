// The arbiter of the pre-timing check (check.ts): the loss of the first batch at the
// shared initial parameters with eps = 0 (z = mu), and its gradients, in float64 on
// the CPU by plain loops from PyTorch's definitions, for the dense and the conv VAE.
// Every implementation, ours included, is compared with this, so a bug is pinned on
// whoever has it (a run once found ours' conv weight gradients wrong on llvmpipe
// from batch 335 on while jax-js's were right). Names and layouts are ours
// (PyTorch's state_dict).
import type { ImageDataset } from '../../src/data/dataset.js';
import { initialVaeParameters } from '../../src/models/vae.js';
import { firstBatchImages } from './check.js';
import { convSpec, CONV_VAE, LAYERS, SEED, VAE, type BenchModel, type CheckResult } from './spec.js';

type F64 = Float64Array<ArrayBuffer>;

/** y[b, o] = b[o] + Σ_i x[b, i] W[o, i]. */
function linear(x: F64, w: ArrayLike<number>, bias: ArrayLike<number>, B: number, I: number, O: number): F64 {
  const y = new Float64Array(B * O);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      let s = bias[o];
      const wo = o * I;
      const xb = b * I;
      for (let i = 0; i < I; i++) s += x[xb + i] * w[wo + i];
      y[b * O + o] = s;
    }
  }
  return y;
}

/** Given dy [B, O]: dW [O, I] += dyᵀx, db [O] += Σ dy, and dx [B, I] = dy W (when wanted). */
function linearBack(x: F64, w: ArrayLike<number>, dy: F64, B: number, I: number, O: number, wantDx: boolean): { dw: F64; db: F64; dx: F64 | null } {
  const dw = new Float64Array(O * I);
  const db = new Float64Array(O);
  const dx = wantDx ? new Float64Array(B * I) : null;
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const g = dy[b * O + o];
      if (g === 0) continue;
      db[o] += g;
      const wo = o * I;
      const xb = b * I;
      for (let i = 0; i < I; i++) dw[wo + i] += g * x[xb + i];
      if (dx) for (let i = 0; i < I; i++) dx[xb + i] += g * w[wo + i];
    }
  }
  return { dw, db, dx };
}

const relu = (x: F64): F64 => x.map((v) => (v > 0 ? v : 0));
/** dy masked by y > 0 (y the ReLU's output). */
const reluBack = (y: F64, dy: F64): F64 => dy.map((g, i) => (y[i] > 0 ? g : 0));

interface Geometry {
  B: number;
  C: number;
  H: number;
  W: number;
  O: number;
  Ho: number;
  Wo: number;
  k: number;
  s: number;
  p: number;
}

/**
 * The three loops over every term of nn.Conv2d (transposed: false) or
 * nn.ConvTranspose2d (true). `small` is the conv's output / the transposed conv's
 * input, `big` the conv's input / the transposed conv's output, each term joining
 * small[b, cs, i, j], big[b, cb, i·s - p + ki, j·s - p + kj] and the weight
 * w[cs, cb, ki, kj] (PyTorch's [O, C, k, k] / [C, O, k, k]). 'toSmall': small += w·big;
 * 'toBig': big += w·small; 'dot': w += Σ small·big (a weight gradient).
 */
function taps(g: Geometry, transposed: boolean, op: 'toSmall' | 'toBig' | 'dot', small: F64, big: F64, w: F64): void {
  const { B, k, s, p } = g;
  const [cb, Hb, Wb, cs, Hs, Ws] = transposed ? [g.O, g.Ho, g.Wo, g.C, g.H, g.W] : [g.C, g.H, g.W, g.O, g.Ho, g.Wo];
  // The output positions i whose tap ki lands inside the big side: 0 <= i·s - p + ki < Hb.
  const lo = (t: number) => Math.max(0, Math.ceil((p - t) / s));
  const hi = (t: number, n: number, bound: number) => Math.min(bound - 1, Math.floor((n - 1 + p - t) / s));
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < cs; o++) {
      const sBase = (b * cs + o) * Hs * Ws;
      for (let c = 0; c < cb; c++) {
        const bBase = (b * cb + c) * Hb * Wb;
        for (let ki = 0; ki < k; ki++) {
          const i0 = lo(ki);
          const i1 = hi(ki, Hb, Hs);
          for (let kj = 0; kj < k; kj++) {
            const j0 = lo(kj);
            const j1 = hi(kj, Wb, Ws);
            const wi = ((o * cb + c) * k + ki) * k + kj;
            const wv = w[wi];
            let acc = 0;
            for (let i = i0; i <= i1; i++) {
              const sRow = sBase + i * Ws;
              const bRow = bBase + (i * s - p + ki) * Wb - p + kj;
              if (op === 'toSmall') for (let j = j0; j <= j1; j++) small[sRow + j] += wv * big[bRow + j * s];
              else if (op === 'toBig') for (let j = j0; j <= j1; j++) big[bRow + j * s] += wv * small[sRow + j];
              else for (let j = j0; j <= j1; j++) acc += small[sRow + j] * big[bRow + j * s];
            }
            if (op === 'dot') w[wi] += acc;
          }
        }
      }
    }
  }
}

function conv(x: F64, w: F64, bias: ArrayLike<number>, g: Geometry, transposed: boolean): F64 {
  const y = new Float64Array(g.B * g.O * g.Ho * g.Wo);
  const area = g.Ho * g.Wo;
  for (let i = 0; i < y.length; i++) y[i] = bias[Math.floor(i / area) % g.O];
  if (transposed) taps(g, true, 'toBig', x, y, w);
  else taps(g, false, 'toSmall', y, x, w);
  return y;
}

function convBack(x: F64, w: F64, dy: F64, g: Geometry, transposed: boolean, wantDx: boolean): { dw: F64; db: F64; dx: F64 | null } {
  const dw = new Float64Array(g.O * g.C * g.k * g.k);
  const db = new Float64Array(g.O);
  const area = g.Ho * g.Wo;
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / area) % g.O] += dy[i];
  const dx = wantDx ? new Float64Array(x.length) : null;
  if (transposed) {
    taps(g, true, 'dot', x, dy, dw);
    if (dx) taps(g, true, 'toSmall', dx, dy, w);
  } else {
    taps(g, false, 'dot', dy, x, dw);
    if (dx) taps(g, false, 'toBig', dy, dx, w);
  }
  return { dw, db, dx };
}

/** The loss (batch mean of BCE-with-logits summed over pixels + KL) and its gradients wrt logits, mu and logvar. */
function lossAndSeeds(logits: F64, x: ArrayLike<number>, mu: F64, logvar: F64, B: number): { loss: number; dLogits: F64; dMu: F64; dLogvar: F64 } {
  let total = 0;
  const dLogits = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i];
    total += Math.max(l, 0) - l * x[i] + Math.log1p(Math.exp(-Math.abs(l)));
    dLogits[i] = (1 / (1 + Math.exp(-l)) - x[i]) / B;
  }
  const dMu = new Float64Array(mu.length);
  const dLogvar = new Float64Array(mu.length);
  for (let i = 0; i < mu.length; i++) {
    total += 0.5 * (Math.exp(logvar[i]) + mu[i] * mu[i] - logvar[i] - 1);
    dMu[i] = mu[i] / B;
    dLogvar[i] = (0.5 * (Math.exp(logvar[i]) - 1)) / B;
  }
  return { loss: total / B, dLogits, dMu, dLogvar };
}

function addInto(a: F64, b: F64): F64 {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
  return a;
}

function denseReference(data: ImageDataset, B: number): CheckResult {
  const p = Object.fromEntries(Object.entries(initialVaeParameters(VAE, SEED)).map(([n, v]) => [n, Float64Array.from(v)]));
  const D = data.rows * data.cols;
  const x = Float64Array.from(firstBatchImages(data, B));
  const [H, L] = [VAE.hidden[0], VAE.latent];
  if (VAE.hidden.length !== 1 || LAYERS.length !== 5) throw new Error('reference: written for the classic one-hidden-layer VAE');
  const h1 = relu(linear(x, p['fc1.weight'], p['fc1.bias'], B, D, H));
  const mu = linear(h1, p['fc21.weight'], p['fc21.bias'], B, H, L);
  const logvar = linear(h1, p['fc22.weight'], p['fc22.bias'], B, H, L);
  const h3 = relu(linear(mu, p['fc3.weight'], p['fc3.bias'], B, L, H)); // z = mu
  const logits = linear(h3, p['fc4.weight'], p['fc4.bias'], B, H, D);
  const { loss, dLogits, dMu, dLogvar } = lossAndSeeds(logits, x, mu, logvar, B);
  const grads: Record<string, F64> = {};
  const put = (name: string, g: { dw: F64; db: F64 }) => {
    grads[`${name}.weight`] = g.dw;
    grads[`${name}.bias`] = g.db;
  };
  const g4 = linearBack(h3, p['fc4.weight'], dLogits, B, H, D, true);
  put('fc4', g4);
  const g3 = linearBack(mu, p['fc3.weight'], reluBack(h3, g4.dx!), B, L, H, true);
  put('fc3', g3);
  const g21 = linearBack(h1, p['fc21.weight'], addInto(g3.dx!, dMu), B, H, L, true);
  const g22 = linearBack(h1, p['fc22.weight'], dLogvar, B, H, L, true);
  put('fc21', g21);
  put('fc22', g22);
  put('fc1', linearBack(x, p['fc1.weight'], reluBack(h1, addInto(g21.dx!, g22.dx!)), B, D, H, false));
  return { loss, grads };
}

function convReference(data: ImageDataset, B: number): CheckResult {
  const spec = convSpec();
  // float64 copies, so the loops see one array type.
  const p = Object.fromEntries(Object.entries(initialVaeParameters(CONV_VAE, SEED)).map(([n, v]) => [n, Float64Array.from(v)]));
  const { kernel: k, stride: s, padding: pad, flat, latent: L } = spec;
  const geometry = (l: (typeof spec.encoder)[number]): Geometry => ({ B, C: l.inChannels, H: l.inSize[0], W: l.inSize[1], O: l.outChannels, Ho: l.outSize[0], Wo: l.outSize[1], k, s, p: pad });
  const x = Float64Array.from(firstBatchImages(data, B)); // [B, 1, rows, cols]
  // Forward, keeping each layer's input and (post-activation) output.
  const encIn: F64[] = [];
  let h = x;
  for (const l of spec.encoder) {
    encIn.push(h);
    h = relu(conv(h, p[`${l.name}.weight`], p[`${l.name}.bias`], geometry(l), false));
  }
  const code = h; // [B, C, h, w] flattened c-major: ours' order
  const mu = linear(code, p['fc_mu.weight'], p['fc_mu.bias'], B, flat, L);
  const logvar = linear(code, p['fc_logvar.weight'], p['fc_logvar.bias'], B, flat, L);
  const dec = relu(linear(mu, p['fc_decode.weight'], p['fc_decode.bias'], B, L, flat)); // z = mu
  const decIn: F64[] = [];
  let d = dec;
  for (const l of spec.decoder) {
    decIn.push(d);
    const y = conv(d, p[`${l.name}.weight`], p[`${l.name}.bias`], geometry(l), true);
    d = l.relu ? relu(y) : y;
  }
  const { loss, dLogits, dMu, dLogvar } = lossAndSeeds(d, x, mu, logvar, B);
  // Backward.
  const grads: Record<string, F64> = {};
  const put = (name: string, g: { dw: F64; db: F64 }) => {
    grads[`${name}.weight`] = g.dw;
    grads[`${name}.bias`] = g.db;
  };
  let dy = dLogits;
  for (let j = spec.decoder.length - 1; j >= 0; j--) {
    const l = spec.decoder[j];
    // dy is wrt this layer's output (after its ReLU, if any); its input is decIn[j].
    const out = j === spec.decoder.length - 1 ? null : decIn[j + 1];
    const pre = out ? reluBack(out, dy) : dy;
    const g = convBack(decIn[j], p[`${l.name}.weight`], pre, geometry(l), true, true);
    put(l.name, g);
    dy = g.dx!;
  }
  const gd = linearBack(mu, p['fc_decode.weight'], reluBack(dec, dy), B, L, flat, true);
  put('fc_decode', gd);
  const gmu = linearBack(code, p['fc_mu.weight'], addInto(gd.dx!, dMu), B, flat, L, true);
  const glv = linearBack(code, p['fc_logvar.weight'], dLogvar, B, flat, L, true);
  put('fc_mu', gmu);
  put('fc_logvar', glv);
  dy = addInto(gmu.dx!, glv.dx!);
  for (let l = spec.encoder.length - 1; l >= 0; l--) {
    const layer = spec.encoder[l];
    const out = l === spec.encoder.length - 1 ? code : encIn[l + 1];
    const g = convBack(encIn[l], p[`${layer.name}.weight`], reluBack(out, dy), geometry(layer), false, l > 0);
    put(layer.name, g);
    if (l > 0) dy = g.dx!;
  }
  return { loss, grads };
}

/** The float64 reference of the check for `model` at batch B. */
export function referenceCheck(model: BenchModel, data: ImageDataset, B: number): CheckResult {
  return model === 'conv' ? convReference(data, B) : denseReference(data, B);
}
