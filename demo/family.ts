// The VAE family the page can train, as presets of the library's model config: the
// classic VAE, the beta-VAE (beta 4 to start with, editable), the conditional VAE
// (on the ten digit classes), the plain autoencoder (kind 'ae', no KL term) and the
// conv VAE (the conv network, at the page's lighter CONV_CHANNELS widths so it
// trains at a useful pace on a CPU adapter). The model selector lists them; a loaded
// checkpoint's config is mapped back to one.
import { denseConfig } from '../src/index.js';
import type { DenseConfig, ModelKind, NetworkKind } from '../src/index.js';

/** The conv VAE's channel widths on the page (the command's default is 32,64). */
export const CONV_CHANNELS = [16, 32];

export const FAMILIES = {
  vae: { label: 'classic VAE', kind: 'vae', network: 'dense', classes: 0, beta: 1, about: 'Kingma & Welling: reconstruction + KL to N(0, I).' },
  beta: { label: 'β-VAE', kind: 'vae', network: 'dense', classes: 0, beta: 4, about: 'Higgins et al.: the KL weighted by β > 1, for a smoother, more disentangled latent space.' },
  cvae: { label: 'conditional VAE', kind: 'vae', network: 'dense', classes: 10, beta: 1, about: 'Sohn et al.: encoder and decoder also see the digit, so the latent keeps only the style.' },
  ae: { label: 'plain autoencoder', kind: 'ae', network: 'dense', classes: 0, beta: null, about: 'A deterministic bottleneck and no KL term: sharp reconstructions, a latent space with gaps.' },
  conv: { label: 'conv VAE', kind: 'vae', network: 'conv', classes: 0, beta: 1, about: 'Stride-2 convolutions in, transposed convolutions out (16 and 32 channels here): the hidden width is unused.' },
} as const satisfies Record<string, { label: string; kind: ModelKind; network: NetworkKind; classes: number; beta: number | null; about: string }>;

export type Family = keyof typeof FAMILIES;

export interface ModelSettings {
  family: Family;
  hidden: number;
  latent: number;
  /** The KL weight (ignored by the autoencoder, which has none). */
  beta: number;
}

export function isFamily(v: string): v is Family {
  return Object.hasOwn(FAMILIES, v);
}

/** The library config of the page's settings, for images of rows x cols. */
export function configFor(s: ModelSettings, rows: number, cols: number): DenseConfig {
  const f = FAMILIES[s.family];
  return denseConfig({ kind: f.kind, network: f.network, channels: CONV_CHANNELS, classes: f.classes, hidden: [s.hidden], latent: s.latent, beta: f.beta === null ? 0 : s.beta, inputSize: rows * cols, imageRows: rows, imageCols: cols });
}

/** Which preset a config (say, a loaded checkpoint's) belongs to. */
export function familyOf(config: DenseConfig): Family {
  if (config.network === 'conv') return 'conv';
  if (config.kind === 'ae') return 'ae';
  if (config.classes > 0) return 'cvae';
  return config.beta > 1 ? 'beta' : 'vae';
}
