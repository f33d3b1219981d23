// All parameters of a model in one flat GPU buffer (and the gradients in a second
// one of the same layout), so one optimiser dispatch updates everything. Each
// parameter starts at a multiple of 64 floats: storage bindings need 256-byte
// aligned offsets, and every parameter and gradient is bound as its own view.
import { ShapeError } from '../gpu/errors.js';
import type { Gpu } from '../gpu/runtime.js';
import { Parameter } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';

const ALIGN = 64;

export interface ParameterSpec {
  name: string;
  shape: readonly number[];
}

export interface ParameterSlot extends ParameterSpec {
  offset: number;
  size: number;
}

export class ParameterStore {
  readonly slots: ParameterSlot[] = [];
  /** Elements in the flat buffers, padding included. */
  readonly length: number;
  readonly params: Tensor;
  readonly grads: Tensor;
  private readonly byName = new Map<string, Parameter>();

  constructor(
    readonly gpu: Gpu,
    specs: readonly ParameterSpec[],
  ) {
    let offset = 0;
    for (const s of specs) {
      const size = s.shape.reduce((a, b) => a * b, 1);
      this.slots.push({ ...s, offset, size });
      offset += Math.ceil(size / ALIGN) * ALIGN;
    }
    this.length = offset;
    this.params = gpu.empty([offset], 'parameters');
    this.grads = gpu.empty([offset], 'gradients');
    // Padding must stay zero in both buffers (the optimiser runs over it).
    gpu.write(this.params, new Float32Array(offset));
    gpu.write(this.grads, new Float32Array(offset));
    for (const s of this.slots) {
      this.byName.set(s.name, new Parameter(this.params.view(s.shape, s.offset), this.grads.view(s.shape, s.offset), s.name));
    }
  }

  get(name: string): Parameter {
    const p = this.byName.get(name);
    if (!p) throw new ShapeError(`no parameter '${name}' (the model has: ${[...this.byName.keys()].join(', ')})`);
    return p;
  }

  /** Every parameter, in spec order. */
  all(): Parameter[] {
    return [...this.byName.values()];
  }

  /** Number of trainable values (padding excluded). */
  get count(): number {
    return this.slots.reduce((a, s) => a + s.size, 0);
  }

  /** Writes named values (a state_dict) into the flat buffer; every parameter must be given. */
  load(values: Record<string, Float32Array>): void {
    const flat = new Float32Array(this.length);
    for (const s of this.slots) {
      const v = values[s.name];
      if (!v) throw new ShapeError(`missing parameter '${s.name}' [${s.shape.join(', ')}]`);
      if (v.length !== s.size) throw new ShapeError(`parameter '${s.name}' has ${v.length} values, expected [${s.shape.join(', ')}] = ${s.size}`);
      flat.set(v, s.offset);
    }
    const extra = Object.keys(values).filter((k) => !this.byName.has(k));
    if (extra.length) throw new ShapeError(`unexpected parameter(s) ${extra.join(', ')}; the model has ${this.slots.map((s) => s.name).join(', ')}`);
    this.gpu.write(this.params, flat);
  }

  /** The flat buffer, padding included, exactly as stored (a training checkpoint keeps it bit for bit). */
  readFlat(): Promise<Float32Array> {
    return this.gpu.read(this.params);
  }

  writeFlat(flat: Float32Array): void {
    if (flat.length !== this.length) throw new ShapeError(`flat parameters have ${flat.length} values; this model's buffer holds ${this.length}`);
    this.gpu.write(this.params, flat);
  }

  /** Reads every parameter (or gradient) back as named arrays. */
  async read(which: 'params' | 'grads' = 'params'): Promise<Record<string, Float32Array>> {
    const flat = await this.gpu.read(which === 'params' ? this.params : this.grads);
    const out: Record<string, Float32Array> = {};
    for (const s of this.slots) out[s.name] = flat.slice(s.offset, s.offset + s.size);
    return out;
  }

  dispose(): void {
    this.gpu.release(this.params, this.grads);
  }
}
