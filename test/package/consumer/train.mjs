// The one-epoch Node program, run from the installed tarball (plain JavaScript).
import { createNodeGpu, loadEmbeddedMnist, subset, Trainer, Vae } from 'webgpu-vae/node';

const gpu = await createNodeGpu({ adapter: process.argv[2] ?? 'llvmpipe', log: null });
const data = await loadEmbeddedMnist();
const model = new Vae(gpu, { hidden: [16], latent: 2 }, { seed: 1 });
const trainer = new Trainer(gpu, model, { train: subset(data.train, 0, 256), test: subset(data.test, 0, 64) }, { batchSize: 64, epochs: 1, lr: 1e-3, seed: 1 });
const [m] = await trainer.fit();
console.log(JSON.stringify({ test_loss: m.test_loss, adapter: gpu.adapter.name }));
trainer.dispose();
model.dispose();
gpu.destroy();
gpu.device.destroy();
