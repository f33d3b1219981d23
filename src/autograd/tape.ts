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
//
// Any scalar Var can be the root: backward() seeds its gradient with 1. The seed is
// materialised (a one-element tensor) only when a rule asks for it through
// upstream(); fused loss rules check isSeed() and hand over the gradients they
// computed in the forward pass as they are. A parameter the graph never reaches is
// reported by unreached(), so the caller zeroes its slot of the flat gradient
// buffer instead of letting the optimiser apply last step's value.
// `new Tape(gpu, { grad: false })` records nothing (inference and evaluation).
import type { Gpu } from '../gpu/runtime.js';
import type { Tensor } from '../tensor.js';
import { ShapeError } from '../gpu/errors.js';
import { axpy, fill } from '../ops/elementwise.js';
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
  private seed: Var | null = null;
  /** False: a no-grad tape, which records no node (inference, evaluation). */
  readonly grad: boolean;

  constructor(
    readonly gpu: Gpu,
    options: { grad?: boolean } = {},
  ) {
    this.grad = options.grad ?? true;
  }

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
    if (!this.grad || !inputs.some((v) => v.requiresGrad)) return; // nothing upstream wants a gradient
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

  /** Whether `v` is the root of the running backward pass, whose gradient is 1. */
  isSeed(v: Var): boolean {
    return v === this.seed;
  }

  /** The gradient flowing into `v` from above; the root's is a tensor of ones, made on first use. */
  upstream(v: Var): Tensor {
    if (!v.grad && v === this.seed) v.grad = fill(this.gpu, this.own(this.gpu.empty(v.value.shape, 'grad:seed')), 1);
    if (!v.grad) throw new ShapeError(`backward: no gradient reached '${v.name}'`);
    return v.grad;
  }

  /** Parameters among `params` that the last backward pass wrote no gradient to. */
  unreached(params: Iterable<Parameter>): Parameter[] {
    return [...params].filter((p) => !this.written.has(p));
  }

  /**
   * Applies every node's gradient rule, last node first, starting from `root`, a
   * scalar (one-element) Var whose gradient is seeded with 1.
   */
  backward(root: Var, rules: { [K in OpName]: (tape: Tape, node: Node<K>) => void }): void {
    if (!this.grad) throw new ShapeError('backward: this tape was made with { grad: false } and recorded nothing; use a plain new Tape(gpu) for training');
    if (root.value.size !== 1) throw new ShapeError(`backward: the root '${root.name}' has shape [${root.value.shape.join(', ')}]; it must be a scalar (one element), e.g. a batch-mean loss`);
    this.written.clear();
    this.seed = root;
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i];
      if (node.outputs.every((o) => !o.grad && o !== root)) continue;
      (rules[node.op] as (tape: Tape, node: Node) => void)(this, node);
      for (const o of node.outputs) this.releaseGrad(o);
      for (const t of node.held) this.unref(t);
    }
    this.releaseGrad(root);
    this.seed = null;
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
