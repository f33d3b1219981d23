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

/**
 * Features used where offered: GPU timestamps for profiles, and subgroups for the
 * matmul's subgroup variant (shaders/matmul_subgroup.wgsl), which the tuner may pick.
 */
const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups'];

/**
 * The limits to request for a device the kernels run on: the adapter's own maxima
 * for the ones they use. A caller creating its own device passes them:
 * `adapter.requestDevice({ requiredLimits: requiredLimits(adapter) })`.
 */
export function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const key of NEEDED_LIMITS) limits[key] = adapter.limits[key];
  return limits;
}

export function deviceDescriptor(adapter: GPUAdapter, label: string): GPUDeviceDescriptor {
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  return { label, requiredLimits: requiredLimits(adapter), requiredFeatures };
}

/**
 * Why the kernels cannot run on a device, in one line naming the limit and the fix;
 * null when they can. Other limits (buffer and binding sizes, grids) are checked per
 * request, since what fits depends on the batch.
 */
export function deviceProblem(device: GPUDevice): string | null {
  const n = device.limits.maxStorageBuffersPerShaderStage;
  if (n >= STORAGE_BUFFERS_NEEDED) return null;
  return `this device allows ${n} storage buffers per shader stage (maxStorageBuffersPerShaderStage) and the kernels bind up to ${STORAGE_BUFFERS_NEEDED}; create it with adapter.requestDevice({ requiredLimits: requiredLimits(adapter) })`;
}

/** Throws a clear message when an adapter cannot run the kernels at all. */
export function checkAdapter(adapter: GPUAdapter, name: string): string | null {
  const n = adapter.limits.maxStorageBuffersPerShaderStage;
  if (n < STORAGE_BUFFERS_NEEDED) return `adapter '${name}' allows ${n} storage buffers per shader stage; the kernels need ${STORAGE_BUFFERS_NEEDED}`;
  return null;
}
