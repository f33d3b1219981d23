// `webgpu-vae evaluate`: a checkpoint's loss per test image (nats), with the same
// fixed evaluation noise the trainer uses, so the number is reproducible.
import { evaluateImages } from '../vae/evaluate.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, numberOption, openData, openGpu, openModel, report } from './common.js';

export const evaluateCommand: Command = {
  summary: "a checkpoint's test loss per image (reconstruction + beta*KL, in nats)",
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    seed: { type: 'string', valueName: 'N', help: "evaluation noise seed (default: the checkpoint's training seed)" },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const test = (await openData(values)).test;
    const gpu = await openGpu(values);
    const { model, training } = await openModel(gpu, values);
    const seed = values.seed !== undefined ? numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) : Number(training?.seed ?? 1);
    if (test.rows * test.cols !== model.config.inputSize) throw new Error(`the data's ${test.rows}x${test.cols} images do not fit this model (${model.config.inputSize} inputs)`);
    const r = await evaluateImages(model, test, seed);
    report(values, { test_loss: r.loss, recon: r.recon, kl: r.kl, n: r.n }, `test loss ${r.loss.toFixed(3)} nats/image (recon ${r.recon.toFixed(3)}, kl ${r.kl.toFixed(3)}) over ${r.n} images`);
    close(gpu);
    return 0;
  },
};
