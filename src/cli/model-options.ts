// The model and training-mode flags of `train` (and the corruption flags that
// `reconstruct` and `evaluate` share), parsed into a model config and the Trainer's
// options. Each family mode is one flag that composes with the others:
//   --model vae|ae|conv, --network dense|conv, --hidden 400 | 512,256,
//   --channels 32,64, --conditional, --likelihood + --sigma,
//   --denoise SPEC, --inpaint SPEC, --binarize dynamic, --lr-schedule, --warmup,
//   --beta-schedule, --holdout-class K.
import type { Split } from '../data/dataset.js';
import { MODEL_KINDS, NETWORKS, type DenseConfig } from '../models/config.js';
import { ACTIVATIONS } from '../ops/activation.js';
import { describeCorruption, parseCorruption, parseMask, type CorruptionSpec, type MaskSpec } from '../ops/corrupt.js';
import type { Corruptions } from '../train/batch.js';
import { describeBetaSchedule, describeLrSchedule, parseBetaSchedule, parseLrSchedule, type BetaSchedule, type LrSchedule } from '../train/schedules.js';
import type { OptionSpec } from './command.js';
import { asUsage, choiceOption, numberOption, UsageError, type Values } from './common.js';

export const modelOptions: Record<string, OptionSpec> = {
  model: { type: 'string', default: 'vae', valueName: 'vae|ae|conv', help: 'vae: a posterior and a KL term; ae: a plain autoencoder (deterministic bottleneck, no KL); conv: the VAE over the conv network (--model vae --network conv)' },
  network: { type: 'string', valueName: NETWORKS.join('|'), help: 'dense: MLPs of --hidden widths (default); conv: stride-2 3x3 convolutions of --channels widths' },
  hidden: { type: 'string', default: '400', valueName: 'N[,N...]', help: 'hidden layer widths of the dense encoder (the decoder mirrors them)' },
  channels: { type: 'string', default: '32,64', valueName: 'N[,N...]', help: 'output channels of the conv encoder layers (the decoder mirrors them)' },
  latent: { type: 'string', default: '20', valueName: 'N', help: 'latent dimensions' },
  beta: { type: 'string', default: '1', valueName: 'X', help: 'weight of the KL term (beta-VAE when > 1)' },
  likelihood: { type: 'string', default: 'bernoulli', valueName: 'bernoulli|gaussian', help: 'decoder: Bernoulli logits (BCE), or a Gaussian N(x; mean, sigma^2) (true NLL in nats)' },
  sigma: { type: 'string', default: String(Math.SQRT1_2), valueName: 'S', help: "the Gaussian decoder's standard deviation (1/sqrt(2) is the old squared-error loss)" },
  activation: { type: 'string', default: 'relu', valueName: 'NAME', help: `hidden activation (${ACTIVATIONS.join(', ')})` },
  conditional: { type: 'boolean', default: false, help: "conditional model: the label's one-hot joins the encoder's and the decoder's inputs" },
};

export const corruptionOptions: Record<string, OptionSpec> = {
  denoise: { type: 'string', valueName: 'gaussian:S|saltpepper:P|dropout:P', help: 'corrupt the input, reconstruct the clean image (denoising)' },
  inpaint: { type: 'string', valueName: 'box:K|random-box:A-B|half:SIDE|pixels:P', help: 'hide part of the input, reconstruct the whole image (inpainting)' },
};

export const scheduleOptions: Record<string, OptionSpec> = {
  'lr-schedule': { type: 'string', default: 'constant', valueName: 'constant|cosine|step[:N[:G]]', help: 'learning rate over the run (after warm-up)' },
  warmup: { type: 'string', default: '0', valueName: 'N', help: 'steps of linear learning-rate warm-up' },
  'beta-schedule': { type: 'string', default: 'constant', valueName: 'constant|linear:N|cyclical:N', help: 'KL annealing over N steps (linear), or cycles of N steps (cyclical)' },
  binarize: { type: 'string', default: 'none', valueName: 'none|dynamic', help: 'dynamic: train and evaluate on binarised digits, drawn afresh each step' },
  'holdout-class': { type: 'string', valueName: 'K', help: 'leave class K out of training (for anomaly detection)' },
};

/** A comma-separated list of positive integers (--hidden, --channels). */
function widthsOption(values: Values, flag: 'hidden' | 'channels', example: string): number[] {
  const raw = String(values[flag] ?? '');
  const widths = raw.split(',').map((w) => Number(w.trim()));
  if (raw.trim() === '' || widths.some((w) => !Number.isInteger(w) || w < 1)) throw new UsageError(`--${flag} must be one or more positive integers separated by commas (e.g. ${example}), got '${raw}'`);
  return widths;
}

export function hiddenOption(values: Values): number[] {
  return widthsOption(values, 'hidden', '400 or 512,256');
}

export function channelsOption(values: Values): number[] {
  return widthsOption(values, 'channels', '32,64');
}

/** --model and --network: the objective's kind and the network ('conv' as a model is the conv VAE). */
function kindAndNetwork(values: Values): Pick<DenseConfig, 'kind' | 'network'> {
  const model = choiceOption(values, 'model', [...MODEL_KINDS, 'conv'] as const);
  const network = values.network === undefined ? (model === 'conv' ? 'conv' : 'dense') : choiceOption(values, 'network', NETWORKS);
  if (model === 'conv' && network !== 'conv') throw new UsageError(`--model conv is the VAE over the conv network; drop --network ${network}, or use --model vae`);
  return { kind: model === 'conv' ? 'vae' : model, network };
}

/** The model config the flags describe, for images of `data`. */
export function modelConfigFrom(values: Values, data: Split): Partial<DenseConfig> {
  const { rows, cols } = data.train;
  const likelihood = choiceOption(values, 'likelihood', ['bernoulli', 'gaussian'] as const);
  return {
    ...kindAndNetwork(values),
    hidden: hiddenOption(values),
    channels: channelsOption(values),
    latent: numberOption(values, 'latent', { integer: true, min: 1 }),
    beta: numberOption(values, 'beta', { min: 0 }),
    likelihood,
    sigma: numberOption(values, 'sigma', { min: Number.MIN_VALUE }),
    activation: choiceOption(values, 'activation', ACTIVATIONS),
    classes: values.conditional ? Math.max(data.train.classes, data.test.classes) : 0,
    inputSize: rows * cols,
    imageRows: rows,
    imageCols: cols,
  };
}

/** --denoise and --inpaint, checked against the image size. */
export function corruptionsFrom(values: Values, image: { rows: number; cols: number }): { corruption: CorruptionSpec | null; mask: MaskSpec | null } {
  const corruption = values.denoise === undefined ? null : asUsage(() => parseCorruption(String(values.denoise), '--denoise'));
  const mask = values.inpaint === undefined ? null : asUsage(() => parseMask(String(values.inpaint), { flag: '--inpaint', ...image }));
  return { corruption, mask };
}

export interface TrainingModes extends Corruptions {
  lrSchedule: LrSchedule;
  warmup: number;
  betaSchedule: BetaSchedule;
  holdoutClass: number | null;
}

export function trainingModesFrom(values: Values, data: Split): TrainingModes {
  const binarize = choiceOption(values, 'binarize', ['none', 'dynamic'] as const) === 'dynamic';
  const holdoutClass = values['holdout-class'] === undefined ? null : numberOption(values, 'holdout-class', { integer: true, min: 0, max: data.train.classes - 1 });
  return {
    ...corruptionsFrom(values, data.train),
    binarize,
    lrSchedule: asUsage(() => parseLrSchedule(String(values['lr-schedule']))),
    warmup: numberOption(values, 'warmup', { integer: true, min: 0 }),
    betaSchedule: asUsage(() => parseBetaSchedule(String(values['beta-schedule']))),
    holdoutClass,
  };
}

/** How the modes are recorded in config.json's training record (the flags' own syntax). */
export function describeModes(m: TrainingModes): Record<string, unknown> {
  return {
    lr_schedule: describeLrSchedule(m.lrSchedule),
    warmup: m.warmup,
    beta_schedule: describeBetaSchedule(m.betaSchedule),
    binarize: m.binarize ? 'dynamic' : 'none',
    ...(m.corruption ? { denoise: describeCorruption(m.corruption) } : {}),
    ...(m.mask ? { inpaint: describeCorruption(m.mask) } : {}),
    ...(m.holdoutClass !== null ? { holdout_class: m.holdoutClass } : {}),
  };
}

/** The corruptions a checkpoint was trained with, from its training record (for evaluate and reconstruct). */
export function corruptionsOfRun(training: Record<string, unknown> | undefined, image: { rows: number; cols: number }): Corruptions {
  const t = training ?? {};
  return {
    corruption: typeof t.denoise === 'string' ? parseCorruption(t.denoise) : null,
    mask: typeof t.inpaint === 'string' ? parseMask(t.inpaint, { ...image }) : null,
    binarize: t.binarize === 'dynamic',
  };
}
