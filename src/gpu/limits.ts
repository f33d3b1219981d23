// The limits and features the kernels need, requested from whatever the adapter
// offers. Defaults are low in compatibility mode (4 storage buffers per stage), and
// the fused loss kernel alone binds 9, so the adapter's own maxima are asked for.
const NEEDED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Storage buffers the widest kernel binds (vae_loss: 4 inputs + 5 outputs). */
export const STORAGE_BUFFERS_NEEDED = 9;

const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query'];

export function deviceDescriptor(adapter: GPUAdapter, label: string): GPUDeviceDescriptor {
  const requiredLimits: Record<string, number> = {};
  for (const key of NEEDED_LIMITS) requiredLimits[key] = adapter.limits[key];
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  return { label, requiredLimits, requiredFeatures };
}

/** Throws a clear message when an adapter cannot run the kernels at all. */
export function checkAdapter(adapter: GPUAdapter, name: string): string | null {
  const n = adapter.limits.maxStorageBuffersPerShaderStage;
  if (n < STORAGE_BUFFERS_NEEDED) return `adapter '${name}' allows ${n} storage buffers per shader stage; the kernels need ${STORAGE_BUFFERS_NEEDED}`;
  return null;
}
