// Node entry: everything in the browser-safe API plus Dawn device acquisition,
// files (atomic writes, run directories) and the embedded MNIST digits.
export * from './index.js';
export { ADAPTER_CHOICES, createNodeGpu } from './gpu/node-device.js';
export type { AdapterChoice, NodeGpuOptions } from './gpu/node-device.js';
export { loadCheckpoint, saveCheckpoint, writeCheckpoint } from './vae/checkpoint-files.js';
export type { LoadedCheckpoint } from './vae/checkpoint-files.js';
export { loadDataset, loadIdxDirectory } from './data/load.js';
export { loadEmbeddedMnist } from './data/mnist-embedded.js';
export { ensureDir, writeFileAtomic } from './io/files.js';
export type { WriteSource } from './io/files.js';
export { fileStore, defaultTuneFile } from './tune/file-store.js';
