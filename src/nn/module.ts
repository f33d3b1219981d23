// Layers own named parameters. A layer lists its ParameterSpecs (names and shapes, in
// PyTorch state_dict order) and draws its initial values; the model that holds the
// layers puts every spec into one flat ParameterStore, and a layer's forward reads its
// parameters back from that store by name. Names are the state_dict keys of the
// model's PyTorch twin, so a checkpoint loads there with load_state_dict(strict=True).
import type { ParameterSpec } from './parameters.js';

export interface Layer {
  /** Parameter names and shapes, in state_dict order. */
  specs(): ParameterSpec[];
  /** Initial values by name, drawn in specs() order from `next` (uniform in [0, 1)). */
  init(next: () => number): Record<string, Float32Array>;
}

/** The specs of several layers, in order. */
export function specsOf(layers: readonly Layer[]): ParameterSpec[] {
  return layers.flatMap((l) => l.specs());
}

/** Initial values of several layers, drawn in order from one stream. */
export function initOf(layers: readonly Layer[], next: () => number): Record<string, Float32Array> {
  return Object.assign({}, ...layers.map((l) => l.init(next)));
}
