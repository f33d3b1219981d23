// The runtime around one GPUDevice: buffer pool, pipeline cache, kernel launcher,
// command recording, async readback and profiling. It is built from a device the
// caller already has (node-device.ts and browser-device.ts are the only places that
// acquire adapters), holds no module-level state, never creates anything at the
// adapter level and reports only the errors of its own calls (error-log.ts), so a
// host application can bring its own device.
//
// Recording model: `run()` appends a dispatch to the open compute pass of the
// current command encoder; `flush()` ends it and submits once. A training step is
// therefore one encoder and one submit however many kernels it launches.
import { adapterInfoName } from './describe.js';
import { ErrorLog } from './error-log.js';
import { DeviceLostError, KernelError, LimitError, ShapeError, TensorInUseError } from './errors.js';
import { deviceProblem } from './limits.js';
import { BufferUsage, STORAGE_USAGE } from './flags.js';
import { PipelineCache, type Constants } from './pipelines.js';
import { BufferPool } from './pool.js';
import { ReadbackRing } from './readback.js';
import { TimestampProfiler, type KernelTiming } from './profiler.js';
import { numberedSource, packUniform, type Shader } from './shader.js';
import { checkAliasing } from './aliasing.js';
import { byteLengthOf, Tensor, type DType } from '../tensor.js';
import { decode16 } from '../half-bits.js';
import { Live, resolveParams, type Program } from './program.js';
import { TuningTable } from '../tune/table.js';

export type AdapterKind = 'gpu' | 'llvmpipe' | 'swiftshader' | 'browser' | 'external';

export interface AdapterDescription {
  /** Human-readable adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  name: string;
  kind: AdapterKind;
  featureLevel: 'core' | 'compatibility';
  backend: string;
  /** Set when robustness checks were turned off for benchmarking (NodeGpuOptions.unsafe). */
  unsafe?: boolean;
}

export interface GpuOptions {
  adapter?: Partial<AdapterDescription>;
  /** Print the numbered WGSL of a kernel that fails to compile. */
  debug?: boolean;
  /** Kept referenced while the runtime lives (Dawn's instance in Node). */
  owner?: unknown;
}

/** A null binding is a slot the chosen variant does not read (e.g. bias when HAS_BIAS = 0). */
export type Binding = Tensor | null;

export interface KernelCall {
  shader: Shader;
  entry?: string;
  constants?: Constants;
  bindings: Record<string, Binding>;
  /** Uniform fields by name; a `Live` value is re-read each time a captured program replays. */
  params?: Record<string, number | readonly number[] | Live>;
  workgroups: readonly [number, number?, number?];
  /** Work per launch, for profiles: floating-point operations and/or bytes moved. */
  cost?: KernelCost;
}

export interface KernelCost {
  flops?: number;
  bytes?: number;
}

/** A validated dispatch: pipeline, bind group, uniform and grid; can be recorded many times. */
export interface Dispatch {
  readonly label: string;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  readonly uniform: GPUBuffer | null;
  readonly cost: KernelCost;
}

export class Gpu {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly readback: ReadbackRing;
  readonly adapter: AdapterDescription;
  readonly debug: boolean;
  /** The tuned kernel configurations of this device and the GEMM classes met (src/tune/). */
  readonly tuning = new TuningTable();
  /** Bind groups created so far (a captured step adds none). */
  bindGroupsCreated = 0;
  submits = 0;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private transientUniforms: GPUBuffer[] = [];
  /** Bound where a variant does not read a slot; one per access, so a read-only and a writable unused slot never share a buffer (a usage conflict). */
  private readonly placeholders: Record<'read' | 'write', GPUBuffer>;
  /** The runtime's own device errors, from its error scopes (src/gpu/error-log.ts). */
  private readonly log: ErrorLog;
  private lostError: DeviceLostError | null = null;
  /** Captured programs not yet disposed; their buffers cannot be released. */
  private readonly programs = new Set<Program>();
  /** Resolves when the device is lost (destroy(), a driver reset, out of memory); every later use throws this error. */
  readonly lost: Promise<DeviceLostError>;
  private profiler: TimestampProfiler | null = null;
  private capturing: Program | null = null;
  /** Keeps what `options.owner` names alive as long as the runtime (read by no one). */
  protected owner: unknown;

  constructor(
    readonly device: GPUDevice,
    options: GpuOptions = {},
  ) {
    const problem = deviceProblem(device);
    if (problem) throw new LimitError(problem);
    this.debug = options.debug ?? false;
    this.owner = options.owner;
    const featureLevel = device.features.has('core-features-and-limits') ? 'core' : 'compatibility';
    // A caller's device names its adapter through `adapterInfo` where the implementation
    // has it; every field counts (Dawn names llvmpipe only in `device`), so that
    // cpuImplementation() recognises a caller's CPU adapter and its kernels fit it.
    const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    const infoName = info ? adapterInfoName(info) : '';
    this.adapter = { name: infoName || device.label || 'external device', kind: 'external', backend: 'unknown', featureLevel, ...options.adapter };
    this.pool = new BufferPool(device);
    this.readback = new ReadbackRing(device);
    this.log = new ErrorLog(device);
    this.pipelines = new PipelineCache(device, (label, shader, error) => this.log.watchCompile(label, error, (m) => this.compileReport(shader, m)));
    this.placeholders = {
      read: device.createBuffer({ label: 'unused-binding-read', size: 256, usage: STORAGE_USAGE }),
      write: device.createBuffer({ label: 'unused-binding-write', size: 256, usage: STORAGE_USAGE }),
    };
    this.lost = device.lost.then((info) => {
      this.lostError = new DeviceLostError(info.reason, info.message);
      return this.lostError;
    });
  }

  // ---- tensors -------------------------------------------------------------

  /** An uninitialised pooled tensor. */
  empty(shape: readonly number[], label: string, dtype: DType = 'f32'): Tensor {
    this.assertAlive();
    const size = shape.reduce((a, b) => a * b, 1);
    const bytes = byteLengthOf(size, dtype);
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) throw new LimitError(`tensor '${label}' [${shape.join(', ')}] needs ${mib(bytes)}, more than this adapter's largest buffer (maxBufferSize ${mib(max)}); use a smaller batch (--batch-size) or another adapter (--adapter)`);
    return new Tensor(shape, this.log.scoped(`allocating '${label}'`, () => this.pool.acquire(Math.max(4, bytes), label)), 0, true, dtype);
  }

  upload(data: ArrayLike<number>, shape: readonly number[], label: string, dtype: DType = 'f32'): Tensor {
    const t = this.empty(shape, label, dtype);
    if (data.length !== t.size) throw new RangeError(`upload '${label}': ${data.length} values for shape [${shape.join(', ')}] (${t.size} elements)`);
    this.write(t, data);
    return t;
  }

  /**
   * Writes `data` into `t` (f32 values, or u32 for a u32 tensor). A queue write runs
   * before any command not yet submitted, so recorded work is submitted first to
   * keep program order.
   */
  write(t: Tensor, data: ArrayLike<number>): void {
    this.assertAlive();
    if (data.length > t.size) throw new RangeError(`write: ${data.length} values into ${t}`);
    if (t.dtype === 'f16') throw new ShapeError(`write: ${t} is f16, which the GPU rounds to (the rounding is the adapter's); write f32 values and convert with toF16`);
    if (this.encoder) this.flush();
    const typed =
      t.dtype === 'u32'
        ? data instanceof Uint32Array ? data : Uint32Array.from(data)
        : data instanceof Float32Array ? data : Float32Array.from(data);
    this.log.scoped(`writing ${t}`, () => this.device.queue.writeBuffer(t.buffer, t.byteOffset, typed.buffer, typed.byteOffset, typed.byteLength));
  }

  /**
   * A caller's buffer as a tensor (not pooled: release() leaves it alone). It must be
   * a storage buffer of this device holding `shape` from `offset` bytes, with the
   * offset aligned for binding; COPY_SRC lets read() see it, COPY_DST lets write()
   * fill it. Kernels recorded on it run at the next flush() (or read()).
   */
  wrap(buffer: GPUBuffer, shape: readonly number[], options: { offset?: number; dtype?: DType } = {}): Tensor {
    this.assertAlive();
    const offset = options.offset ?? 0;
    const t = new Tensor(shape, buffer, offset, false, options.dtype ?? 'f32');
    const what = `wrap('${buffer.label || 'unlabelled buffer'}')`;
    if (!(buffer.usage & BufferUsage.STORAGE)) throw new ShapeError(`${what}: the buffer lacks GPUBufferUsage.STORAGE, which every kernel binding needs; create it with STORAGE (and COPY_SRC to read it, COPY_DST to write it)`);
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    if (!Number.isInteger(offset) || offset < 0 || offset % align !== 0) throw new ShapeError(`${what}: offset ${offset} must be a multiple of ${align} (minStorageBufferOffsetAlignment) to be bound`);
    if (offset + t.byteLength > buffer.size) throw new ShapeError(`${what}: [${shape.join(', ')}] from byte ${offset} needs ${offset + t.byteLength} bytes; the buffer has ${buffer.size}`);
    return t;
  }

  /** Returns pooled tensors' buffers to the pool (views and external tensors are ignored). */
  release(...tensors: (Tensor | null | undefined)[]): void {
    // Inside a capture a release is the program's memory plan (its arena); outside, a
    // live program's buffer would be handed to the next caller under the program.
    if (!this.capturing) {
      for (const t of tensors) {
        if (!t?.pooled) continue;
        for (const user of this.programs) {
          if (user.buffers.has(t.buffer)) throw new TensorInUseError(`${t} is read or written by the captured program '${user.label}'; dispose the program (gpu.disposeProgram) before releasing it`);
        }
      }
    }
    for (const t of tensors) if (t?.pooled) this.pool.release(t.buffer);
  }

  /** Submits pending work and resolves with the tensor's values (an f16 tensor's decoded to f32, exactly). */
  async read(t: Tensor): Promise<Float32Array> {
    this.assertAlive();
    if (t.size === 0) return new Float32Array(0);
    let bytes: ArrayBuffer;
    try {
      bytes = await this.readback.read(
        t.byteLength,
        (staging) => {
          this.endPass();
          this.currentEncoder().copyBufferToBuffer(t.buffer, t.byteOffset, staging, 0, t.byteLength);
        },
        () => this.flush(),
      );
    } catch (e) {
      // A map that fails because the device went away reports the loss, not the map.
      throw (await this.lostSoon()) ?? e;
    }
    await this.checkErrors();
    return t.dtype === 'f16' ? decode16(new Uint8Array(bytes), t.size) : new Float32Array(bytes);
  }

  copy(src: Tensor, dst: Tensor): void {
    this.assertAlive();
    if (src.size !== dst.size || src.dtype !== dst.dtype) throw new RangeError(`copy: ${src} and ${dst} differ in size or dtype`);
    this.capturing?.commands.push({ kind: 'copy', src, dst });
    this.capturing?.buffers.add(src.buffer).add(dst.buffer);
    this.endPass();
    this.currentEncoder().copyBufferToBuffer(src.buffer, src.byteOffset, dst.buffer, dst.byteOffset, src.byteLength);
  }

  // ---- kernels -------------------------------------------------------------

  /** Validates a call against the shader's reflected bindings and builds its dispatch. */
  prepare(call: KernelCall): Dispatch {
    this.assertAlive();
    return this.log.scoped(`preparing kernel '${call.shader.name}:${call.entry ?? 'main'}'`, () => this.prepareUnscoped(call));
  }

  private prepareUnscoped(call: KernelCall): Dispatch {
    const { pipeline, layout, entry, label } = this.pipelines.get(call.shader, call.entry, call.constants);
    const given = new Set(Object.keys(call.bindings));
    const entries: GPUBindGroupEntry[] = [];
    let uniform: GPUBuffer | null = null;
    for (const b of entry.bindings) {
      if (b.access === 'uniform') {
        const bytes = packUniform(label, entry.uniform!, resolveParams(call.params));
        uniform = this.pool.acquire(bytes.byteLength, `${label}:params`, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
        this.device.queue.writeBuffer(uniform, 0, bytes);
        entries.push({ binding: b.binding, resource: { buffer: uniform, offset: 0, size: bytes.byteLength } });
        continue;
      }
      if (!given.delete(b.name)) throw new KernelError(label, `binding '${b.name}' was not given (pass null if this variant does not read it)`);
      const t = call.bindings[b.name];
      if (t === null || t.size === 0) {
        entries.push({ binding: b.binding, resource: { buffer: this.placeholders[b.access === 'read' ? 'read' : 'write'] } });
        continue;
      }
      if (t.dtype === 'f16' && b.scalar !== 'u32') {
        throw new KernelError(label, `binding '${b.name}' reads ${b.scalar ?? 'structured'} values, and ${t} holds packed halves; convert it with toF32 first`);
      }
      const maxBinding = this.device.limits.maxStorageBufferBindingSize;
      if (t.byteLength > maxBinding) {
        throw new LimitError(`kernel '${label}': binding '${b.name}' (${t}) is ${mib(t.byteLength)}, more than this adapter binds (maxStorageBufferBindingSize ${mib(maxBinding)}); use a smaller batch (--batch-size) or another adapter (--adapter)`);
      }
      const align = this.device.limits.minStorageBufferOffsetAlignment;
      if (t.byteOffset % align !== 0) throw new KernelError(label, `binding '${b.name}' starts at byte ${t.byteOffset}, not a multiple of ${align}; bind an aligned view or copy it`);
      entries.push({ binding: b.binding, resource: { buffer: t.buffer, offset: t.byteOffset, size: t.byteLength } });
    }
    if (given.size) throw new KernelError(label, `unknown binding(s) ${[...given].join(', ')} (the entry point reads: ${entry.bindings.map((b) => b.name).join(', ')})`);
    if (!entry.uniform && call.params && Object.keys(call.params).length) throw new KernelError(label, 'params given but the entry point has no uniform');
    checkAliasing(label, entry.bindings, call.bindings);

    const [x, y = 1, z = 1] = call.workgroups;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    for (const n of [x, y, z]) {
      if (!Number.isInteger(n) || n < 0) throw new KernelError(label, `workgroup count ${n} is not a non-negative integer`);
      if (n > max) throw new LimitError(`kernel '${label}' needs ${n} workgroups along one axis, more than this adapter dispatches (maxComputeWorkgroupsPerDimension ${max}); use a smaller batch (--batch-size) or another adapter (--adapter)`);
    }
    this.bindGroupsCreated += 1;
    const bindGroup = this.device.createBindGroup({ label, layout, entries });
    return { label, pipeline, bindGroup, workgroups: [x, y, z], uniform, cost: call.cost ?? {} };
  }

  /**
   * Prepares and records a dispatch. Outside a capture its uniform goes back to the
   * pool at flush; inside one the dispatch is kept in the program for replay.
   */
  run(call: KernelCall): void {
    const d = this.prepare(call);
    if (this.capturing) {
      this.capturing.commands.push({ kind: 'dispatch', dispatch: d });
      for (const t of Object.values(call.bindings)) if (t) this.capturing.buffers.add(t.buffer);
      const live = call.params && Object.values(call.params).some((v) => v instanceof Live);
      if (live) this.capturing.live.push({ dispatch: d, layout: this.pipelines.get(call.shader, call.entry, call.constants).entry.uniform!, params: call.params!, label: d.label });
    } else if (d.uniform) this.transientUniforms.push(d.uniform);
    this.record(d);
  }

  // ---- captured programs ---------------------------------------------------

  /**
   * Runs `body` once, for real, while recording every dispatch and copy it issues
   * into a program that `replay` can submit again with no bind group, buffer or
   * pipeline created. Buffers the body took from the pool and gave back belong to the
   * program from then on (its static memory plan); tensors still alive at the end
   * must outlive the program. Uniform fields given as `Live` are re-read on replay.
   */
  capture(label: string, body: () => void): Program {
    if (this.capturing) throw new KernelError(label, 'capture() inside another capture');
    const program: Program = { label, commands: [], live: [], arena: [], buffers: new Set() };
    this.capturing = program;
    this.pool.track();
    try {
      body();
    } finally {
      this.capturing = null;
      program.arena = this.pool.claimTracked();
    }
    this.programs.add(program);
    return program;
  }

  /**
   * Runs `body` as capture() would, but submits nothing: its recording is dropped and
   * its buffers go back to the pool. What it leaves behind is what the runtime saw,
   * e.g. the GEMM classes in `tuning`, which the tuner times before the real capture.
   * Tensors the body keeps alive are the caller's to release.
   */
  probe(label: string, body: () => void): void {
    this.flush();
    const program = this.capture(label, body);
    this.endPass();
    this.encoder = null;
    this.releaseTransients();
    this.disposeProgram(program);
  }

  /** Records a captured program into the current command encoder. */
  replay(program: Program): void {
    this.assertAlive();
    if (!this.programs.has(program)) throw new KernelError(program.label, 'replay of a disposed program; capture it again');
    // Live uniforms are rewritten by queue writes; earlier recorded work must not see them.
    if (program.live.length && this.encoder) this.flush();
    if (program.live.length) {
      this.log.scoped(`replaying '${program.label}'`, () => {
        for (const l of program.live) this.device.queue.writeBuffer(l.dispatch.uniform!, 0, packUniform(l.label, l.layout, resolveParams(l.params)));
      });
    }
    for (const c of program.commands) {
      if (c.kind === 'dispatch') this.record(c.dispatch);
      else this.copy(c.src, c.dst);
    }
  }

  /** Gives a program's uniforms and planned buffers back to the pool. */
  disposeProgram(program: Program): void {
    for (const c of program.commands) if (c.kind === 'dispatch') this.dispose(c.dispatch);
    this.pool.restore(program.arena);
    program.commands = [];
    program.arena = [];
    program.buffers.clear();
    this.programs.delete(program);
  }

  /** Records a prepared dispatch into the open compute pass. */
  record(d: Dispatch): void {
    const [x, y, z] = d.workgroups;
    if (x * y * z === 0) return;
    if (this.profiler) this.endPass();
    const pass = this.currentPass(d.label);
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (this.profiler) this.endPass();
  }

  /** Returns a prepared dispatch's uniform buffer to the pool. */
  dispose(d: Dispatch): void {
    if (d.uniform) this.pool.release(d.uniform);
  }

  /** Ends the open pass and submits everything recorded since the last flush. */
  flush(): void {
    this.throwReported();
    if (!this.encoder) return;
    this.endPass();
    this.profiler?.encodeResolve(this.encoder);
    // Recording errors surface at finish(), so this scope catches everything recorded since the last flush.
    const encoder = this.encoder;
    this.log.scoped('submitting recorded kernels', () => this.device.queue.submit([encoder.finish()]));
    this.submits += 1;
    this.encoder = null;
    this.releaseTransients();
  }

  /** Gives back the uniforms of dispatches recorded since the last flush (their encoder is submitted or dropped). */
  private releaseTransients(): void {
    for (const u of this.transientUniforms) this.pool.release(u);
    this.transientUniforms = [];
  }

  /** Waits for submitted work and throws the first error the device reported. */
  async checkErrors(): Promise<void> {
    await this.log.settled();
    this.throwReported();
  }

  private throwReported(): void {
    if (this.lostError) throw this.lostError;
    this.log.throwFirst();
  }

  /** Flushes and waits until the GPU has finished all submitted work. */
  async finish(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  // ---- profiling -----------------------------------------------------------

  get canProfile(): boolean {
    return TimestampProfiler.supported(this.device);
  }

  /** Times each dispatch until `stopProfiling()`; needs the 'timestamp-query' feature. */
  startProfiling(): void {
    if (!this.canProfile) throw new KernelError('profiler', "this device lacks the 'timestamp-query' feature; time dispatches on the CPU instead");
    this.endPass();
    this.profiler ??= new TimestampProfiler(this.device);
  }

  /** Submits, stops profiling and returns the timing of every dispatch since the start. */
  async stopProfiling(): Promise<KernelTiming[]> {
    const p = this.profiler;
    if (!p) return [];
    this.flush();
    this.profiler = null;
    const timings = await p.collect();
    p.destroy();
    return timings;
  }

  /** Frees the runtime's buffers; the device stays the caller's (destroy it separately). */
  destroy(): void {
    this.readback.destroy();
    this.pool.trim();
    this.placeholders.read.destroy();
    this.placeholders.write.destroy();
    this.owner = null;
  }

  // ---- internals -----------------------------------------------------------

  /** Every use after the device is lost throws the typed loss, not a driver's message. */
  private assertAlive(): void {
    if (this.lostError) throw this.lostError;
  }

  /** The loss, if it is reported within a moment (a failed map usually means one is on its way). */
  private async lostSoon(): Promise<DeviceLostError | null> {
    if (this.lostError) return this.lostError;
    await Promise.race([this.lost, new Promise((r) => setTimeout(r, 100))]);
    return this.lostError;
  }

  private currentEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder({ label: 'webgpu-vae' }));
  }

  private currentPass(label: string): GPUComputePassEncoder {
    if (this.pass) return this.pass;
    const timestampWrites = this.profiler?.passTimestamps(label);
    this.pass = this.currentEncoder().beginComputePass(timestampWrites ? { label, timestampWrites } : { label: 'kernels' });
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** A compile error with the compiler's messages (and, with debug, the numbered source). */
  private async compileReport(shader: Shader, message: string): Promise<string> {
    const compiler = await this.pipelines.compilerMessages(shader);
    const text = `${message}\n${compiler.join('\n')}`;
    return this.debug ? `${text}\n--- ${shader.name}.wgsl ---\n${numberedSource(shader.source)}` : text;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
