// Fault injection for the tests of what a user would otherwise meet only by bad luck:
// WEBGPU_VAE_FAULT=lose-device:N destroys the GPU device once training has taken N
// steps, as a driver reset would. Unset (always, outside the tests), it does nothing.
import type { Gpu } from '../gpu/runtime.js';
import { UsageError } from './common.js';

export const FAULT_ENV = 'WEBGPU_VAE_FAULT';

/** A per-step hook that fires the configured fault; null when none is configured. */
export function faultHook(gpu: Gpu, globalStep: () => number): (() => void) | null {
  const spec = process.env[FAULT_ENV];
  if (!spec) return null;
  const m = /^lose-device:(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`${FAULT_ENV}=${spec}: the only fault is lose-device:N (N steps)`);
  const at = Number(m[1]);
  let fired = false;
  return () => {
    if (fired || globalStep() < at) return;
    fired = true;
    gpu.device.destroy();
  };
}
