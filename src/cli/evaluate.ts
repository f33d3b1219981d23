// `webgpu-vae evaluate`: a checkpoint's loss per test image (nats), with the same
// fixed evaluation noise the trainer uses, so the number is reproducible. With
// --iw K also the K-sample importance-weighted bound (src/vae/iwae.ts): `iwae`, an
// estimate of log p(x) per image (negative), and `nll_iw` = -iwae.
import { evaluateImages } from '../vae/evaluate.js';
import { importanceWeightedBound } from '../vae/iwae.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, numberOption, openData, openGpu, openModel, report } from './common.js';

export const evaluateCommand: Command = {
  summary: "a checkpoint's test loss per image (reconstruction + beta*KL, in nats)",
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    seed: { type: 'string', valueName: 'N', help: "evaluation noise seed (default: the checkpoint's training seed)" },
    iw: { type: 'string', valueName: 'K', help: 'also the K-sample importance-weighted bound (Burda et al. 2015) of log p(x), as iwae and nll_iw = -iwae (VAE only)' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const iw = values.iw !== undefined ? numberOption(values, 'iw', { integer: true, min: 1 }) : null;
    const test = (await openData(values)).test;
    const gpu = await openGpu(values);
    const { model, training } = await openModel(gpu, values);
    const seed = values.seed !== undefined ? numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) : Number(training?.seed ?? 1);
    if (test.rows * test.cols !== model.config.inputSize) throw new Error(`the data's ${test.rows}x${test.cols} images do not fit this model (${model.config.inputSize} inputs)`);
    const r = await evaluateImages(model, test, seed);
    const result: Record<string, unknown> = { test_loss: r.loss, recon: r.recon, kl: r.kl, n: r.n };
    let line = `test loss ${r.loss.toFixed(3)} nats/image (recon ${r.recon.toFixed(3)}, kl ${r.kl.toFixed(3)}) over ${r.n} images`;
    if (iw !== null) {
      const b = await importanceWeightedBound(model, test, iw, seed);
      Object.assign(result, { iwae: b.bound, nll_iw: -b.bound });
      line += `; iwae ${b.bound.toFixed(3)} (nll_iw ${(-b.bound).toFixed(3)} nats/image, k = ${iw})`;
    }
    report(values, result, line);
    close(gpu);
    return 0;
  },
};
