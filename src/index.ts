// Browser-safe public API: nothing reachable from here imports a Node module
// (test/unit/entries.test.ts bundles it for the browser to prove it). Node-only
// parts (Dawn device acquisition, files, the embedded digits) are in node.ts.

// Runtime: bring your own GPUDevice with `new Gpu(device)`, or acquire one.
export { Gpu } from './gpu/runtime.js';
export type { AdapterDescription, AdapterKind, Binding, Dispatch, GpuOptions, KernelCall } from './gpu/runtime.js';
export { createBrowserGpu } from './gpu/browser-device.js';
export { deviceProblem, requiredLimits } from './gpu/limits.js';
export { cpuImplementation } from './gpu/describe.js';
export type { BrowserGpuOptions } from './gpu/browser-device.js';
export { defineShader } from './gpu/define-shader.js';
export { shaderOf } from './gpu/shader.js';
export type { Shader, ShaderReflection } from './gpu/shader.js';
export { Live } from './gpu/program.js';
export type { Program } from './gpu/program.js';
export { DeviceLostError, GpuValidationError, InputError, KernelError, LimitError, NoAdapterError, ShapeError, TensorInUseError, WebGpuVaeError } from './gpu/errors.js';
export type { KernelTiming } from './gpu/profiler.js';
export type { PoolStats } from './gpu/pool.js';
export { Tensor, bytesPerElement } from './tensor.js';

// Kernels, one family per module.
export { ACTIVATIONS } from './ops/activation.js';
export type { Activation } from './ops/activation.js';
export { matmul } from './ops/matmul.js';
export { toF16, toF32 } from './ops/half.js';
// Kernel tuning: the per-device table, the tuner and its stores (src/tune/).
export { tune, loadTuning, adapterKey, TUNE_MODES } from './tune/tuner.js';
export type { TuneMode, TuneOptions, TuneReport } from './tune/tuner.js';
export { TuningTable, problemKey } from './tune/table.js';
export type { TunedEntry } from './tune/table.js';
export { memoryStore, browserStore } from './tune/store.js';
export type { TuneStore, TuneCache } from './tune/store.js';
export type { TuneDepth } from './tune/candidates.js';
export {
  channelSums, conv2d, conv2dBackwardData, conv2dBackwardWeight, convTranspose2d, convTranspose2dBackwardData, convTranspose2dBackwardWeight,
} from './ops/conv.js';
export type { Conv2dOptions, ConvGeometry, ConvTranspose2dOptions, ConvTransposeGeometry } from './ops/conv.js';
export { activation, activationBackward, axpy, fill } from './ops/elementwise.js';
export { add, concatCols, mul, placeCols, scaledAdd, sliceCols } from './ops/features.js';
export { sumCols, sumRows, mean } from './ops/reduce.js';
export { randn, reparameterize, reparameterizeBackward, NOISE_STREAM } from './ops/reparameterize.js';
export { reconstructionLoss, vaeLoss } from './ops/vae-loss.js';
export type { Likelihood } from './ops/vae-loss.js';
export { adamStep, sgdStep, createAdamState, createSgdState } from './ops/optimizer-step.js';
export { gatherRows } from './ops/gather.js';
export { createGuard, guardCalls, healthReport, recordGuard, HEALTH_SIZE } from './ops/guard.js';
export type { Guard, HealthReport } from './ops/guard.js';
export { binarize, corruptNoise, describeCorruption, inpaintMask, parseCorruption, parseMask } from './ops/corrupt.js';
export type { CorruptionSpec, MaskSpec } from './ops/corrupt.js';

// Autograd and layers.
export { Tape, Var, Parameter } from './autograd/tape.js';
export { gradRules } from './autograd/rules.js';
export { add as addVar, concat, conv2d as conv2dVar, convTranspose2d as convTranspose2dVar, linear, maskMul, reshape, reconstructionLoss as reconstructionLossVar, reparameterize as reparameterizeVar, slice, split, vaeLoss as vaeLossVar } from './autograd/ops.js';
export type { LossOutputs } from './autograd/ops.js';
export { ParameterStore } from './nn/parameters.js';
export type { ParameterSpec } from './nn/parameters.js';
export { Linear } from './nn/linear.js';
export { Mlp } from './nn/mlp.js';
export { Conv2d, ConvTranspose2d } from './nn/conv.js';
export type { ConvLayerOptions } from './nn/conv.js';
export type { Layer } from './nn/module.js';
export { Optimizer, OPTIMIZERS } from './optim/optimizer.js';
export type { OptimizerKind, OptimizerOptions } from './optim/optimizer.js';

// Models: the Model interface, the dense VAE family, and the registry config.json selects from.
export type { Batch, LatentModel, LossHyper, Model, ModelLoss } from './models/model.js';
export { Vae, initialVaeParameters } from './models/vae.js';
export type { ModelInit } from './models/vae.js';
export { Autoencoder } from './models/autoencoder.js';
export { denseParameterSpecs, DenseNetwork } from './models/dense.js';
export { ConvNetwork } from './models/conv.js';
export type { Network } from './models/network.js';
export { createModel, modelConfig, parameterSpecs } from './models/registry.js';
export { DEFAULT_VAE, denseConfig, vaeConfig, MODEL_KINDS, NETWORKS } from './models/config.js';
export type { DenseConfig, ModelConfig, ModelConfigBase, ModelKind, NetworkKind, VaeConfig } from './models/config.js';

// Training: the trainer over any Model, the GPU batch pipeline, schedules.
export { Trainer, TrainingDivergedError } from './train/trainer.js';
export type { EpochMetrics, StepProgress, TrainHooks, TrainOptions, TrainPosition, TrainerState } from './train/trainer.js';
export { gatherBatch, oneHot, uploadSplit } from './train/batch.js';
export type { Corruptions, Resident } from './train/batch.js';
export { betaAt, lrAt, parseBetaSchedule, parseLrSchedule } from './train/schedules.js';
export type { BetaSchedule, LrSchedule } from './train/schedules.js';

// What a trained model is for: evaluation, generation, checkpoints as bytes.
export { evaluateImages } from './vae/evaluate.js';
export { decode, encode, interpolate, latentGrid, principalComponents2, priorSamples, reconstruct, sample } from './vae/generate.js';
export { latentStatistics } from './vae/latent-stats.js';
export { iwaeBound, logMeanExp, rocAuc } from './vae/anomaly-stats.js';
export { importanceWeightedBound, lossPerImage } from './vae/iwae.js';
export { anomalyScores } from './vae/anomaly.js';
export { traverse } from './vae/traverse.js';
export { boxMask, corruptedInputs, maskedError, meanImage } from './vae/corrupted.js';
export { decodeCheckpoint, decodeConfig, encodeCheckpoint, encodeConfig, CheckpointError } from './vae/checkpoint.js';

// Data and pictures.
export { imageDataset, subset, validateDataset, DatasetError } from './data/dataset.js';
export type { ImageDataset, Split } from './data/dataset.js';
export { parseIdxImages, parseIdxLabels, idxDataset } from './data/idx.js';
export { decodeDatasetBinary, encodeDatasetBinary } from './data/binary.js';
export { encodePng, floatsToImage } from './io/png.js';
export type { Image } from './io/png.js';
export { imageGrid, paddedRange, pairedRows, scatterPlot, strip } from './io/plots.js';
export { decodeSafetensors, encodeSafetensors, SafetensorsError, CHECKSUM_KEY } from './io/safetensors.js';
export type { SafetensorsFile, SafetensorsTensor } from './io/safetensors.js';
export { crc32 } from './io/crc32.js';

// The types the functions above take and return, so a caller can name each one
// (test/package/exports.test.ts keeps this complete).
export type { BufferPool } from './gpu/pool.js';
export type { PipelineCache, Constants as OverrideConstants, CachedPipeline } from './gpu/pipelines.js';
export type { EntryInfo, BindingInfo, Access as BindingAccess, UniformLayout, UniformMember, ScalarType } from './gpu/shader.js';
export type { ReadbackRing } from './gpu/readback.js';
export type { DType } from './tensor.js';
export type { KernelCost } from './gpu/runtime.js';
export type { Command as ProgramCommand } from './gpu/program.js';
export type { MatmulOptions, MatmulConfig, GemmProblem } from './ops/matmul.js';
export type { HalfOperands } from './ops/matmul-half.js';
export type { Epilogue as ConvEpilogue, Output as ConvOutput, ConvGemmShape, ConvGemmMode } from './ops/conv.js';
export type { ActivationBackwardOptions } from './ops/elementwise.js';
export type { OutOptions, AccumulateOptions, PlaceOptions, ScaledAddOptions } from './ops/features.js';
export type { ReduceOptions } from './ops/reduce.js';
export type { NoiseOptions, ReparameterizeBackwardOptions } from './ops/reparameterize.js';
export type { ReconstructionLossOptions, ReconstructionLossOutputs, VaeLossOptions, VaeLossOutputs } from './ops/vae-loss.js';
export type { AdamTensors, AdamOptions, SgdTensors, SgdOptions } from './ops/optimizer-step.js';
export type { GatherOptions } from './ops/gather.js';
export type { HalfSide, ParseMaskOptions } from './ops/corrupt.js';
export type { OpName, Saved as TapeSaved } from './autograd/ops.js';
export type { GradTarget, Node as TapeNode } from './autograd/tape.js';
export type { ParameterSlot } from './nn/parameters.js';
export type { MlpOptions } from './nn/mlp.js';
export type { ConvLayer } from './nn/conv.js';
export type { LatentModelBase } from './models/latent-model.js';
export type { LossSummary } from './vae/evaluate.js';
export type { BatchKey, GatheredBatch } from './train/batch.js';
export type { LrOptions } from './train/schedules.js';
export type { Labels as LabelInput } from './vae/generate.js';
export type { LatentStatistics } from './vae/latent-stats.js';
export type { IwaeBound } from './vae/anomaly-stats.js';
export type { ImportanceWeightedOptions, ImportanceWeightedBound } from './vae/iwae.js';
export type { AnomalyOptions } from './vae/anomaly.js';
export type { TraverseOptions, Traversal } from './vae/traverse.js';
export type { MaskedError } from './vae/corrupted.js';
export type { CheckpointConfig } from './vae/checkpoint.js';
export type { IdxImages, IdxDatasetOptions } from './data/idx.js';
export type { TileOptions, ScatterOptions } from './io/plots.js';
