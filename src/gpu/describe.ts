// One-line adapter description shared by the Node and browser acquisition paths.
import type { AdapterDescription, AdapterKind } from './runtime.js';

export function describeAdapter(adapter: GPUAdapter, kind: AdapterKind, backend: string): AdapterDescription {
  const name = adapterInfoName(adapter.info) || 'unnamed adapter';
  const featureLevel = adapter.features.has('core-features-and-limits') ? 'core' : 'compatibility';
  return { name, kind, backend, featureLevel };
}

/** Every field of the adapter's info, in one line (implementations name themselves in different fields). */
export function adapterInfoName(i: GPUAdapterInfo): string {
  return [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
}

export function adapterLine(a: AdapterDescription): string {
  const unsafe = a.unsafe ? ', UNSAFE: robustness checks off' : '';
  return `webgpu-vae: adapter ${a.name} [${a.kind}, ${a.backend}, ${a.featureLevel} feature level${unsafe}]`;
}

/**
 * The CPU implementation behind an adapter, whatever acquired it: kernels tuned for
 * llvmpipe or SwiftShader (SIMD width, no benefit from workgroup memory) should be
 * chosen for a browser's or a caller's device too (headless Chromium runs SwiftShader).
 */
export function cpuImplementation(a: AdapterDescription): 'llvmpipe' | 'swiftshader' | null {
  if (a.kind === 'llvmpipe' || a.kind === 'swiftshader') return a.kind;
  if (/swiftshader/i.test(a.name)) return 'swiftshader';
  if (/llvmpipe/i.test(a.name)) return 'llvmpipe';
  return null;
}
