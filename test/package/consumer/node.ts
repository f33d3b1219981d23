// A Node program's use of the library through its Node entry, type-checked strictly.
import { createNodeGpu, loadEmbeddedMnist, subset, Trainer, Vae, type NodeGpuOptions } from 'webgpu-vae/node';

export async function oneEpoch(options: NodeGpuOptions): Promise<number> {
  const gpu = await createNodeGpu(options);
  const data = await loadEmbeddedMnist();
  const train = subset(data.train, 0, 256);
  const test = subset(data.test, 0, 64);
  const model = new Vae(gpu, { hidden: [16], latent: 2 }, { seed: 1 });
  const trainer = new Trainer(gpu, model, { train, test }, { batchSize: 64, epochs: 1, lr: 1e-3, seed: 1 });
  const [m] = await trainer.fit();
  trainer.dispose();
  model.dispose();
  gpu.destroy();
  gpu.device.destroy();
  if (!m) throw new Error('no epoch');
  return m.test_loss;
}
