// Reverse-mode autograd over GPU tensors (micrograd's design, on a GPU): each
// differentiable function runs its forward kernels and appends a node to the tape
// with what its gradient rule needs saved; backward() walks the nodes in reverse
// and applies each op's rule from the typed registry in rules.ts.
//
// Gradients accumulate: the first contribution to a variable's gradient is written,
// later ones are added (kernels take an `accumulate` flag, so no extra pass). A
// parameter's gradient is a view into the model's flat gradient buffer, so the
// optimiser updates everything in one dispatch. Saved tensors are reference
// counted and released as soon as the last rule that reads them has run.
import type { Gpu } from '../gpu/runtime.js';
import type { Tensor } from '../tensor.js';
import { axpy } from '../ops/elementwise.js';
import type { OpName, Saved } from './ops.js';

export class Var {
  grad: Tensor | null = null;
  constructor(
    readonly value: Tensor,
    readonly requiresGrad: boolean,
    readonly name = '',
  ) {}
}

/** A trainable tensor whose gradient lives at a fixed place (a view of the flat gradient buffer). */
export class Parameter extends Var {
  constructor(
    value: Tensor,
    readonly gradView: Tensor,
    name: string,
  ) {
    super(value, true, name);
  }
}

export interface Node<K extends OpName = OpName> {
  op: K;
  inputs: Var[];
  outputs: Var[];
  saved: Saved[K];
  /** Tensors the saved fields hold; released when this node's rule has run. */
  held: Tensor[];
}

/** Where a rule writes a gradient contribution, and whether it adds to what is there. */
export interface GradTarget {
  out: Tensor;
  accumulate: boolean;
}

export class Tape {
  private nodes: Node[] = [];
  /** Tensors the tape allocated (intermediate values and gradients), for release. */
  private owned = new Set<Tensor>();
  private refs = new Map<Tensor, number>();
  private written = new Set<Var>();
  private kept = new Set<Tensor>();

  constructor(readonly gpu: Gpu) {}

  /** A tensor produced by a differentiable function; freed by dispose() unless kept. */
  own(t: Tensor): Tensor {
    this.owned.add(t);
    return t;
  }

  /** Marks a tape tensor as the caller's: dispose() leaves it alone. */
  keep(t: Tensor): Tensor {
    this.kept.add(t);
    return t;
  }

  record<K extends OpName>(op: K, inputs: Var[], outputs: Var[], saved: Saved[K], held: Tensor[]): void {
    if (!inputs.some((v) => v.requiresGrad)) return; // nothing upstream wants a gradient
    for (const t of held) this.refs.set(t, (this.refs.get(t) ?? 0) + 1);
    this.nodes.push({ op, inputs, outputs, saved, held } as Node);
  }

  /** Where the next gradient contribution to `v` goes; null when `v` needs none. */
  target(v: Var): GradTarget | null {
    if (!v.requiresGrad) return null;
    if (v instanceof Parameter) {
      const accumulate = this.written.has(v);
      this.written.add(v);
      v.grad = v.gradView;
      return { out: v.gradView, accumulate };
    }
    if (v.grad) return { out: v.grad, accumulate: true };
    v.grad = this.own(this.gpu.empty(v.value.shape, `grad:${v.name}`));
    return { out: v.grad, accumulate: false };
  }

  /** Whether the next contribution to `v` would add (null: `v` needs no gradient). */
  wouldAccumulate(v: Var): boolean | null {
    if (!v.requiresGrad) return null;
    return v instanceof Parameter ? this.written.has(v) : v.grad !== null;
  }

  /**
   * Adds a finished gradient tensor to `v`'s gradient. The tape takes `g` over: it
   * becomes the gradient when it is the first contribution, else it is freed.
   */
  contribute(v: Var, g: Tensor): void {
    if (v.requiresGrad && !v.grad && !(v instanceof Parameter)) {
      this.owned.add(g);
      v.grad = g;
      return;
    }
    const t = this.target(v);
    if (t?.accumulate) axpy(this.gpu, 1, g, t.out);
    else if (t) this.gpu.copy(g, t.out);
    this.owned.delete(g);
    this.gpu.release(g);
  }

  /**
   * Applies every node's gradient rule, last node first, starting from `root` (a
   * scalar loss; its own gradient is 1, which fused loss rules build in).
   */
  backward(root: Var, rules: { [K in OpName]: (tape: Tape, node: Node<K>) => void }): void {
    this.written.clear();
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i];
      if (node.outputs.every((o) => !o.grad && o !== root)) continue;
      (rules[node.op] as (tape: Tape, node: Node) => void)(this, node);
      for (const o of node.outputs) this.releaseGrad(o);
      for (const t of node.held) this.unref(t);
    }
    this.nodes = [];
  }

  /** Frees every tensor the tape allocated except kept ones and parameter gradients. */
  dispose(): void {
    for (const t of this.owned) if (!this.kept.has(t)) this.gpu.release(t);
    this.owned.clear();
    this.refs.clear();
    this.nodes = [];
  }

  private releaseGrad(v: Var): void {
    if (v instanceof Parameter || !v.grad) return;
    if (this.owned.delete(v.grad)) this.gpu.release(v.grad);
    v.grad = null;
  }

  private unref(t: Tensor): void {
    const n = (this.refs.get(t) ?? 1) - 1;
    if (n > 0) {
      this.refs.set(t, n);
      return;
    }
    this.refs.delete(t);
    if (!this.kept.has(t) && this.owned.delete(t)) this.gpu.release(t);
  }
}
