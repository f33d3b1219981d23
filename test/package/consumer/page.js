// A page that imports the model, the Trainer and the kernels: what a browser bundle of
// the library costs (minified, gzipped; recorded in the README).
import { createBrowserGpu, matmul, conv2d, vaeLoss, adamStep, Trainer, Vae, ConvNetwork } from 'webgpu-vae';

export const used = [createBrowserGpu, matmul, conv2d, vaeLoss, adamStep, Trainer, Vae, ConvNetwork];
