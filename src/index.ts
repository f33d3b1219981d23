// Browser-safe public API: nothing reachable from here imports a Node module
// (test/gpu/entries.test.ts bundles it for the browser to prove it). Node-only parts
// (Dawn device acquisition, files) are in node.ts.
export { Gpu } from './gpu/runtime.js';
export type { AdapterDescription, AdapterKind, Binding, Dispatch, GpuOptions, KernelCall } from './gpu/runtime.js';
export { createBrowserGpu } from './gpu/browser-device.js';
export type { BrowserGpuOptions } from './gpu/browser-device.js';
export { defineShader } from './gpu/shader.js';
export type { Shader } from './gpu/shader.js';
export { DeviceLostError, GpuValidationError, KernelError, NoAdapterError, ShapeError, WebGpuVaeError } from './gpu/errors.js';
export type { KernelTiming } from './gpu/profiler.js';
export type { PoolStats } from './gpu/pool.js';
export { Tensor } from './tensor.js';
export { ACTIVATIONS } from './ops/activation.js';
export type { Activation } from './ops/activation.js';
