// `webgpu-vae anomaly`: scores every test image (or the first --limit-test N) by its negative log-likelihood
// estimate (src/vae/anomaly.ts; higher = more anomalous) and writes
//   DIR/scores.csv     index,label,score, one row per test image, in test-set order
//   DIR/extremes.png   the 16 most typical (lowest scores) above the 16 most anomalous
//                      (highest), each row labelled, each image with its label and score
// and, for a class K (--class, or the run's training.holdout_class), the ROC AUC of the
// score for telling class K's images from the rest.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { subset } from '../data/dataset.js';
import { ensureDir, writeFileAtomic } from '../io/files.js';
import { drawText, GLYPH_HEIGHT, textWidth } from '../io/font.js';
import { imageGrid } from '../io/plots.js';
import { createImage, type Image } from '../io/png.js';
import { anomalyScores } from '../vae/anomaly.js';
import { rocAuc } from '../vae/anomaly-stats.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, modelOf, numberOption, openCheckpoint, openData, openGpu, report, stringOption, UsageError, type Values, writePng } from './common.js';

/** Images per row of extremes.png. */
const ROW = 16;

export const anomalyCommand: Command = {
  summary: 'anomaly score (negative ELBO or IWAE estimate, nats) of every test image, the extremes, and the ROC AUC for a class',
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    samples: { type: 'string', default: '1', valueName: 'K', help: 'importance samples per image: 1 scores by the negative ELBO (beta = 1), K > 1 by the negative K-sample IWAE estimate (VAE only)' },
    out: { type: 'string', valueName: 'DIR', help: 'directory for scores.csv and extremes.png (default: <checkpoint run>/anomaly)' },
    class: { type: 'string', valueName: 'K', help: "report the ROC AUC for detecting class K (default: the run's training.holdout_class, if any)" },
    seed: { type: 'string', valueName: 'N', help: "evaluation noise seed (default: the checkpoint's training seed)" },
    'limit-test': { type: 'string', valueName: 'N', help: 'score only the first N test images (default: all of them)' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const { samples, test, ckpt, seed, K, out } = await parseAnomaly(values);
    // The output directory before the GPU too: a file in the way costs nothing.
    await ensureDir(out);
    const gpu = await openGpu(values);
    try {
      const model = modelOf(gpu, ckpt);
      const scores = await anomalyScores(model, test, seed, { samples });
      const auc = K === null ? undefined : rocAuc(scores, Array.from(test.labels, (l) => l === K));

      const csv = join(out, 'scores.csv');
      const png = join(out, 'extremes.png');
      await writeFileAtomic(csv, scoresCsv(test.labels, scores));
      await writePng(png, extremesImage(test.images, test.labels, scores, model.config.imageRows, model.config.imageCols));

      const meanScore = scores.reduce((a, b) => a + b, 0) / scores.length;
      const result: Record<string, unknown> = { out, n: test.n };
      if (auc !== undefined) Object.assign(result, { auc, class: K });
      result.mean_score = meanScore;
      const what = samples === 1 ? 'negative ELBO' : `negative IWAE estimate (k = ${samples})`;
      const aucText = auc === undefined ? '' : `; ROC AUC for class ${K}: ${auc.toFixed(4)}`;
      report(values, result, `scored ${test.n} test images (${what}), mean ${meanScore.toFixed(3)} nats${aucText}; wrote ${csv} and ${png}`);
    } finally {
      close(gpu);
    }
    return 0;
  },
};

/**
 * Every flag, checked against the data and the checkpoint (both read without a GPU)
 * before the adapter opens, so a usage error is the only line printed. K is the class
 * of the ROC AUC (--class, else the run's training.holdout_class, else null).
 */
async function parseAnomaly(values: Values) {
  const checkpoint = stringOption(values, 'checkpoint');
  const samples = numberOption(values, 'samples', { integer: true, min: 1 });
  const data = await openData(values);
  const all = data.test;
  const test = values['limit-test'] === undefined ? all : subset(all, 0, Math.min(all.n, numberOption(values, 'limit-test', { integer: true, min: 1 })));
  const classFlag = values.class !== undefined ? numberOption(values, 'class', { integer: true, min: 0, max: test.classes - 1 }) : null;
  const ckpt = await openCheckpoint(values, data);
  const training = ckpt.config.training;
  if (samples > 1 && ckpt.config.model.kind !== 'vae') {
    throw new UsageError(`--samples ${samples}: anomaly scores from ${samples} importance samples need a VAE (kind 'vae'); this model is a plain autoencoder, score it with 1 sample (its reconstruction NLL)`);
  }
  const seed = values.seed !== undefined ? numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) : Number(training?.seed ?? 1);
  const K = classFlag ?? holdoutClass(training, test.classes);
  if (K !== null) {
    const count = test.labels.filter((l) => l === K).length;
    const which = classFlag !== null ? `--class ${K}` : `the checkpoint's training.holdout_class ${K}`;
    const fix = classFlag !== null ? '' : '; pass --class K';
    if (count === 0 || count === test.n) throw new UsageError(`${which}: ${count} of the ${test.n} test images have that label; the ROC AUC needs images of the class and of others${fix}`);
  }
  const out = values.out !== undefined ? stringOption(values, 'out') : join((await stat(checkpoint)).isDirectory() ? checkpoint : dirname(checkpoint), 'anomaly');
  return { samples, test, ckpt, seed, K, out };
}

/** The run's held-out class (config.json training.holdout_class), or null when it has none. */
function holdoutClass(training: Record<string, unknown> | undefined, classes: number): number | null {
  const raw = training?.holdout_class;
  if (raw === undefined || raw === null) return null;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 0 || k >= classes) throw new UsageError(`the checkpoint's training.holdout_class is ${JSON.stringify(raw)}, not a class of this data (0..${classes - 1}); pass --class K`);
  return k;
}

/** `index,label,score` and one line per image; scores printed so they read back exactly. */
export function scoresCsv(labels: ArrayLike<number>, scores: ArrayLike<number>): string {
  const lines = ['index,label,score'];
  for (let i = 0; i < scores.length; i++) lines.push(`${i},${labels[i]},${scores[i]}`);
  return lines.join('\n') + '\n';
}

/** Image indices of the `count` lowest scores (ascending) and the `count` highest (descending); ties by index. */
export function extremes(scores: ArrayLike<number>, count: number): { typical: number[]; anomalous: number[] } {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  const m = Math.min(count, order.length);
  return { typical: order.slice(0, m), anomalous: order.slice(order.length - m).reverse() };
}

const PAD = 2;
const SCALE = 2;
const INK = [40, 40, 40] as const;

/** Two labelled rows: the most typical test images, then the most anomalous, each with "label score" below it when it fits. */
function extremesImage(images: Float32Array, labels: ArrayLike<number>, scores: ArrayLike<number>, rows: number, cols: number): Image {
  const { typical, anomalous } = extremes(scores, ROW);
  const pixels = rows * cols;
  const pick = (idx: number[]) => {
    const out = new Float32Array(idx.length * pixels);
    idx.forEach((i, k) => out.set(images.subarray(i * pixels, (i + 1) * pixels), k * pixels));
    return out;
  };
  const tileW = cols * SCALE;
  const captions = (idx: number[]) => idx.map((i) => `${labels[i]} ${scores[i].toFixed(0)}`);
  const fits = [...captions(typical), ...captions(anomalous)].every((c) => textWidth(c) <= tileW + PAD);
  const sections = [
    { title: 'MOST TYPICAL (LOWEST SCORES)', idx: typical },
    { title: 'MOST ANOMALOUS (HIGHEST SCORES)', idx: anomalous },
  ].map((s) => ({ ...s, grid: imageGrid(pick(s.idx), s.idx.length, rows, cols, ROW, { pad: PAD, scale: SCALE }), captions: captions(s.idx) }));
  const line = GLYPH_HEIGHT;
  const titleH = 2 * line + 8;
  const captionH = fits ? line + 10 : 8;
  const width = Math.max(...sections.map((s) => Math.max(s.grid.width, textWidth(s.title, 2) + 2 * PAD)));
  const height = sections.reduce((h, s) => h + titleH + s.grid.height + captionH, 0) + 4;
  const image = createImage(width, height, 1, [255, 255, 255]);
  let y = 4;
  for (const s of sections) {
    drawText(image, PAD, y, s.title, INK, 2);
    y += titleH;
    for (let r = 0; r < s.grid.height; r++) image.data.set(s.grid.data.subarray(r * s.grid.width, (r + 1) * s.grid.width), (y + r) * width);
    y += s.grid.height;
    if (fits) s.captions.forEach((c, k) => drawText(image, PAD + k * (tileW + PAD), y + 1, c, INK, 1));
    y += captionH;
  }
  return image;
}
