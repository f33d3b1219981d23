// Browser-safe public API: nothing reachable from here imports a Node module
// (test/unit/entries.test.ts bundles it for the browser to prove it). Node-only
// parts (Dawn device acquisition, files, the embedded digits) are in node.ts.

// Runtime: bring your own GPUDevice with `new Gpu(device)`, or acquire one.
export { Gpu } from './gpu/runtime.js';
export type { AdapterDescription, AdapterKind, Binding, Dispatch, GpuOptions, KernelCall } from './gpu/runtime.js';
export { createBrowserGpu } from './gpu/browser-device.js';
export type { BrowserGpuOptions } from './gpu/browser-device.js';
export { defineShader } from './gpu/shader.js';
export type { Shader } from './gpu/shader.js';
export { Live } from './gpu/program.js';
export type { Program } from './gpu/program.js';
export { DeviceLostError, GpuValidationError, KernelError, NoAdapterError, ShapeError, WebGpuVaeError } from './gpu/errors.js';
export type { KernelTiming } from './gpu/profiler.js';
export type { PoolStats } from './gpu/pool.js';
export { Tensor } from './tensor.js';

// Kernels, one family per module.
export { ACTIVATIONS } from './ops/activation.js';
export type { Activation } from './ops/activation.js';
export { matmul } from './ops/matmul.js';
export { activation, activationBackward, axpy, fill } from './ops/elementwise.js';
export { sumCols, sumRows, mean } from './ops/reduce.js';
export { randn, reparameterize, reparameterizeBackward, NOISE_STREAM } from './ops/reparameterize.js';
export { vaeLoss } from './ops/vae-loss.js';
export { adamStep, sgdStep, createAdamState, createSgdState } from './ops/optimizer-step.js';
export { gatherRows } from './ops/gather.js';

// Autograd and layers.
export { Tape, Var, Parameter } from './autograd/tape.js';
export { gradRules } from './autograd/rules.js';
export { linear, reparameterize as reparameterizeVar, vaeLoss as vaeLossVar } from './autograd/ops.js';
export { ParameterStore } from './nn/parameters.js';
export { Optimizer, OPTIMIZERS } from './optim/optimizer.js';
export type { OptimizerKind, OptimizerOptions } from './optim/optimizer.js';

// The VAE: model, training, generation, checkpoints as bytes.
export { Vae, initialVaeParameters, vaeParameterSpecs } from './vae/model.js';
export { vaeConfig, DEFAULT_VAE } from './vae/config.js';
export type { VaeConfig } from './vae/config.js';
export { Trainer, TrainingDivergedError } from './vae/trainer.js';
export type { EpochMetrics, StepProgress, TrainOptions } from './vae/trainer.js';
export { evaluateImages } from './vae/evaluate.js';
export { decode, encode, interpolate, latentGrid, principalComponents2, priorSamples, reconstruct, sample } from './vae/generate.js';
export { decodeCheckpoint, decodeConfig, encodeCheckpoint, encodeConfig, CheckpointError } from './vae/checkpoint.js';

// Data and pictures.
export { imageDataset, subset, validateDataset, DatasetError } from './data/dataset.js';
export type { ImageDataset, Split } from './data/dataset.js';
export { parseIdxImages, parseIdxLabels, idxDataset } from './data/idx.js';
export { decodeDatasetBinary, encodeDatasetBinary } from './data/binary.js';
export { encodePng, floatsToImage } from './io/png.js';
export type { Image } from './io/png.js';
export { imageGrid, paddedRange, pairedRows, scatterPlot, strip } from './io/plots.js';
export { decodeSafetensors, encodeSafetensors } from './io/safetensors.js';
