// Node: the one place that acquires a WebGPU adapter through Dawn (npm `webgpu`).
// Order for 'auto': a real GPU first, then CPU implementations of WebGPU:
//   llvmpipe    Mesa's software rasteriser through Dawn's OpenGL ES backend
//               (compatibility feature level, EGL_PLATFORM=surfaceless)
//   swiftshader Google's CPU Vulkan driver, shipped by Debian's `chromium` package
// Mesa's lavapipe Vulkan driver is skipped: Dawn refuses it.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterLine, describeAdapter } from './describe.js';
import { NoAdapterError } from './errors.js';
import { checkAdapter, deviceDescriptor } from './limits.js';
import { Gpu, type AdapterKind } from './runtime.js';

export const ADAPTER_CHOICES = ['auto', 'gpu', 'llvmpipe', 'swiftshader'] as const;
export type AdapterChoice = (typeof ADAPTER_CHOICES)[number];

export interface NodeGpuOptions {
  adapter?: AdapterChoice;
  /**
   * Benchmarks only: turn off Dawn's robustness transform (the bounds clamp it adds to
   * every storage access). An out-of-bounds access is then undefined behaviour, so the
   * adapter line and every report say UNSAFE.
   */
  unsafe?: boolean;
  /** Where the one-line adapter description goes; default stderr, null for silence. */
  log?: ((line: string) => void) | null;
  debug?: boolean;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CPU_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader/i;

const INSTALL_HINT =
  'Install a CPU WebGPU driver (Debian, as root):\n' +
  '  apt-get install -y libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri   # llvmpipe, --adapter llvmpipe\n' +
  '  apt-get install -y chromium                                       # SwiftShader, --adapter swiftshader\n' +
  'or run on a machine with a GPU and its Vulkan driver.';

/** The Dawn instance flag of the unsafe benchmark mode (also used by the peer comparison). */
export const UNSAFE_DAWN_FLAGS = ['enable-dawn-features=disable_robustness'];

interface Attempt {
  kind: Exclude<AdapterKind, 'browser' | 'external'>;
  backend: string;
  open(extra: string[]): Promise<GPUAdapter | string>;
}

// Dawn tears its instance down when the JavaScript object is collected, even with a
// device alive (the process then dies in a driver thread). Each runtime keeps its
// instance referenced through `Gpu.owner` until it is destroyed.
const instances = new WeakMap<GPUAdapter, GPU>();

/**
 * Dawn's `create`, loaded on first use: `webgpu` is an optional dependency (a
 * browser-only project installs without it), so importing this module never needs it.
 */
let dawn: Promise<(flags: string[]) => GPU> | null = null;
function createInstance(flags: string[]): Promise<GPU> {
  dawn ??= import('webgpu').then(
    (m) => m.create,
    () => {
      throw new NoAdapterError("Dawn's Node bindings are not installed: run 'npm install webgpu' (an optional dependency of webgpu-vae, left out by --omit=optional)");
    },
  );
  return dawn.then((create) => create(flags));
}
async function requestAdapter(gpu: GPU, options?: GPURequestAdapterOptions): Promise<GPUAdapter | null> {
  const adapter = await gpu.requestAdapter(options);
  if (adapter) instances.set(adapter, gpu);
  return adapter;
}

const attempts: Record<Exclude<AdapterChoice, 'auto'>, Attempt> = {
  gpu: {
    kind: 'gpu',
    backend: 'default',
    async open(extra) {
      // Without a hardware Vulkan driver Dawn only prints loader warnings; skip it.
      if (process.platform === 'linux' && !hasGpuVulkanDriver()) return 'no GPU Vulkan driver installed (no ICD file outside lavapipe/SwiftShader)';
      const adapter = await requestAdapter(await createInstance(extra), { powerPreference: 'high-performance' });
      if (!adapter) return 'no GPU adapter';
      const name = describeAdapter(adapter, 'gpu', '').name;
      return CPU_ADAPTER.test(name) ? `only a CPU adapter (${name})` : adapter;
    },
  },
  llvmpipe: {
    kind: 'llvmpipe',
    backend: 'opengles',
    async open(extra) {
      process.env.EGL_PLATFORM ??= 'surfaceless';
      const adapter = await requestAdapter(await createInstance(['backend=opengles', ...extra]), { featureLevel: 'compatibility' });
      return adapter ?? 'no OpenGL ES adapter (Mesa EGL/GLES packages missing?)';
    },
  },
  swiftshader: {
    kind: 'swiftshader',
    backend: 'vulkan',
    async open(extra) {
      if (!existsSync(SWIFTSHADER_ICD)) return `${SWIFTSHADER_ICD} not found (Debian package chromium missing?)`;
      // The Vulkan loader reads the ICD list when Dawn creates its instance; restore it
      // afterwards so a later 'gpu' attempt in this process sees the system drivers.
      const saved = process.env.VK_ICD_FILENAMES;
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      try {
        const adapter = await requestAdapter(await createInstance(['backend=vulkan', ...extra]));
        if (!adapter) return 'no SwiftShader adapter';
        return /swiftshader/i.test(describeAdapter(adapter, 'swiftshader', '').name) ? adapter : 'Vulkan did not load SwiftShader';
      } finally {
        if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
        else process.env.VK_ICD_FILENAMES = saved;
      }
    },
  },
};

// Where the Vulkan loader looks for drivers on Linux, and the variables that override it.
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];
const CPU_ICD = /lvp|lavapipe|swiftshader/i;

function hasGpuVulkanDriver(): boolean {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  return ICD_DIRS.some((dir) => {
    try {
      return readdirSync(dir).some((f) => f.endsWith('.json') && !CPU_ICD.test(f));
    } catch {
      return false;
    }
  });
}

/** Acquires a device on the chosen adapter and wraps it in a runtime. */
export async function createNodeGpu(options: NodeGpuOptions = {}): Promise<Gpu> {
  const choice = options.adapter ?? 'auto';
  if (!(ADAPTER_CHOICES as readonly string[]).includes(choice)) {
    throw new NoAdapterError(`unknown adapter '${choice}'; choose one of: ${ADAPTER_CHOICES.join(', ')}`);
  }
  // Mesa warns on every call without a private runtime directory.
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'webgpu-vae-xdg-'));

  const order = choice === 'auto' ? (['gpu', 'llvmpipe', 'swiftshader'] as const) : [choice];
  const failures: string[] = [];
  for (const name of order) {
    const attempt = attempts[name];
    let result: GPUAdapter | string;
    try {
      result = await attempt.open(options.unsafe ? UNSAFE_DAWN_FLAGS : []);
    } catch (e) {
      result = (e as Error).message;
    }
    const unusable = typeof result === 'string' ? result : checkAdapter(result, name);
    if (unusable || typeof result === 'string') {
      failures.push(`  ${name}: ${unusable}`);
      continue;
    }
    const description = { ...describeAdapter(result, attempt.kind, attempt.backend), ...(options.unsafe ? { unsafe: true } : {}) };
    const device = await result.requestDevice(deviceDescriptor(result, `webgpu-vae ${name}`));
    const gpu = new Gpu(device, { adapter: description, debug: options.debug, owner: instances.get(result) });
    const log = options.log === undefined ? (line: string) => process.stderr.write(line + '\n') : options.log;
    log?.(adapterLine(description));
    return gpu;
  }
  throw new NoAdapterError(`no usable WebGPU adapter for --adapter ${choice}. Tried:\n${failures.join('\n')}\n${INSTALL_HINT}`);
}
