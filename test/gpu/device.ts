// One runtime per test file, on the adapter vitest.config.ts chose for this project.
import { afterAll } from 'vitest';
import { createNodeGpu, type AdapterChoice } from '../../src/gpu/node-device.js';
import type { Gpu } from '../../src/gpu/runtime.js';

let shared: Promise<Gpu> | null = null;

export function testGpu(): Promise<Gpu> {
  if (!shared) {
    const adapter = (process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'auto') as AdapterChoice;
    shared = createNodeGpu({ adapter, log: null, debug: true });
    afterAll(async () => {
      const gpu = await shared!;
      await gpu.finish();
      gpu.destroy();
      gpu.device.destroy();
      shared = null;
    });
  }
  return shared;
}
