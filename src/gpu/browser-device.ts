// Browser: the same acquisition over navigator.gpu. Core feature level first, then
// compatibility (where a browser offers only that).
import { adapterLine, describeAdapter } from './describe.js';
import { NoAdapterError } from './errors.js';
import { checkAdapter, deviceDescriptor } from './limits.js';
import { Gpu } from './runtime.js';

export interface BrowserGpuOptions {
  log?: ((line: string) => void) | null;
  debug?: boolean;
}

export async function createBrowserGpu(options: BrowserGpuOptions = {}): Promise<Gpu> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new NoAdapterError(
      'this browser has no WebGPU (navigator.gpu is undefined). Use a current Chrome, Edge or Firefox, ' +
        'serve the page over https or from localhost, and for headless Chromium pass --enable-unsafe-webgpu.',
    );
  }
  const adapter =
    (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
    (await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions));
  if (!adapter) throw new NoAdapterError('navigator.gpu returned no adapter; check that hardware acceleration or WebGPU is enabled in the browser settings.');
  const unusable = checkAdapter(adapter, 'browser');
  if (unusable) throw new NoAdapterError(unusable);
  const description = describeAdapter(adapter, 'browser', 'browser');
  const device = await adapter.requestDevice(deviceDescriptor(adapter, 'webgpu-vae browser'));
  const runtime = new Gpu(device, { adapter: description, debug: options.debug });
  const log = options.log === undefined ? (line: string) => console.info(line) : options.log;
  log?.(adapterLine(description));
  return runtime;
}
