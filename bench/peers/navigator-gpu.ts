// Gives TensorFlow.js and jax-js the same Dawn adapter as ours. Both look for WebGPU
// through `navigator.gpu` (absent in Node 20), so this installs one, backed by a
// Dawn instance created exactly as src/gpu/node-device.ts creates it for the chosen
// adapter. The peers call requestAdapter without `featureLevel`; on the OpenGL ES
// instance Dawn offers no core adapter, so the wrapper asks for the compatibility
// adapter there (the one ours runs on) and records what every request returned, so
// the report can show that the peers got the same adapter.
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';
import { UNSAFE_DAWN_FLAGS } from '../../src/gpu/node-device.js';

export type PeerAdapter = 'llvmpipe' | 'swiftshader';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Adapter names handed out through navigator.gpu, in request order. */
export const grantedAdapters: string[] = [];

// Dawn tears an instance down when its JavaScript object is collected, even with a
// device alive; the instance lives here for the rest of the process.
let instance: GPU | null = null;

function adapterName(a: GPUAdapter): string {
  const i = a.info;
  const level = a.features.has('core-features-and-limits') ? 'core' : 'compatibility';
  return `${[i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim()} [${level}]`;
}

/**
 * Sets the process environment for `adapter` (call before createNodeGpu, so ours and
 * the peers see the same driver) and installs navigator.gpu plus Dawn's WebGPU
 * globals (GPUBufferUsage, ...). Once per process: TF.js registers its backend and
 * jax-js caches its device on first use, so one process serves one adapter.
 */
export function installNavigatorGpu(adapter: PeerAdapter, unsafe = false): void {
  if (instance) throw new Error('navigator.gpu is already installed in this process');
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'webgpu-vae-xdg-'));
  let flags: string[];
  let options: GPURequestAdapterOptions;
  if (adapter === 'llvmpipe') {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    flags = ['backend=opengles'];
    options = { featureLevel: 'compatibility' };
  } else {
    // Left set for the whole process: the Vulkan loader may read it at any request,
    // and no other driver is wanted in this process.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    flags = ['backend=vulkan'];
    options = {};
  }
  // The same Dawn toggles as ours in the unsafe benchmark mode, so the comparison stays even.
  const gpu = create(unsafe ? [...flags, ...UNSAFE_DAWN_FLAGS] : flags);
  instance = gpu;
  const wanted = new RegExp(adapter, 'i');
  const shim = {
    async requestAdapter(requested?: GPURequestAdapterOptions): Promise<GPUAdapter | null> {
      const a = await gpu.requestAdapter({ ...requested, ...options });
      if (!a) return null;
      const name = adapterName(a);
      grantedAdapters.push(name);
      if (!wanted.test(name)) throw new Error(`navigator.gpu: expected a ${adapter} adapter, Dawn returned ${name}`);
      return a;
    },
    getPreferredCanvasFormat: () => 'rgba8unorm' as GPUTextureFormat,
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  Object.assign(globalThis, globals);
  // jax-js also reads navigator.userAgent and navigator.hardwareConcurrency.
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: shim, userAgent: `Node.js/${process.version}`, hardwareConcurrency: availableParallelism() },
    configurable: true,
    writable: true,
  });
}
