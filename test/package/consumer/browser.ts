// A browser page's use of the library, as a strict TypeScript consumer writes it: the
// model, the trainer and a few kernels from the browser entry, nothing from Node.
import { createBrowserGpu, denseConfig, matmul, requiredLimits, Trainer, Vae, type EpochMetrics, type Split, type TrainOptions } from 'webgpu-vae';

export async function trainInPage(data: Split): Promise<EpochMetrics[]> {
  const gpu = await createBrowserGpu({ log: null });
  const model = new Vae(gpu, denseConfig({ hidden: [32], latent: 2 }), { seed: 1 });
  const options: TrainOptions = { batchSize: 64, epochs: 1, lr: 1e-3, seed: 1 };
  const trainer = new Trainer(gpu, model, data, options);
  const metrics = await trainer.fit();
  const a = gpu.upload([1, 2, 3, 4], [2, 2], 'a');
  const product = await gpu.read(matmul(gpu, a, a));
  const first: number | undefined = product[0];
  if (first === undefined) throw new Error('empty product');
  trainer.dispose();
  model.dispose();
  return metrics;
}

export function limitsFor(adapter: GPUAdapter): Record<string, number> {
  return requiredLimits(adapter);
}
