// One-line adapter description shared by the Node and browser acquisition paths.
import type { AdapterDescription, AdapterKind } from './runtime.js';

export function describeAdapter(adapter: GPUAdapter, kind: AdapterKind, backend: string): AdapterDescription {
  const i = adapter.info;
  const name = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim() || 'unnamed adapter';
  const featureLevel = adapter.features.has('core-features-and-limits') ? 'core' : 'compatibility';
  return { name, kind, backend, featureLevel };
}

export function adapterLine(a: AdapterDescription): string {
  return `webgpu-vae: adapter ${a.name} [${a.kind}, ${a.backend}, ${a.featureLevel} feature level]`;
}
