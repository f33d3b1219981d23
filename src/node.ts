// Node entry: everything in the browser-safe API plus Dawn device acquisition.
export * from './index.js';
export { ADAPTER_CHOICES, createNodeGpu } from './gpu/node-device.js';
export type { AdapterChoice, NodeGpuOptions } from './gpu/node-device.js';
