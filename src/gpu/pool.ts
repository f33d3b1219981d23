// Size-bucketed buffer pool. Shapes vary in eager mode (tests, exploration), so
// buffers are recycled by size class instead of created per op. Size classes are
// powers of two below 64 KiB and multiples of 1/8 of the power of two above, so a
// reused buffer wastes at most ~12%. The fixed training step (issue 3) plans its
// memory statically and only uses the pool to obtain its buffers once.
import { STORAGE_USAGE } from './flags.js';

export interface PoolStats {
  /** Bytes of buffers currently handed out. */
  bytesInUse: number;
  /** Bytes of every buffer the pool has created and not destroyed. */
  bytesAllocated: number;
  /** Largest bytesInUse seen. */
  peakBytesInUse: number;
  /** Number of createBuffer calls so far (a step after warm-up adds none). */
  buffersCreated: number;
  /** Buffers created and not yet destroyed (in use or free). */
  liveBuffers: number;
}

export function sizeClass(bytes: number): number {
  const min = 256;
  if (bytes <= min) return min;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  if (pow <= 65536) return pow;
  const step = pow / 16; // eighths of the lower power of two
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly sizes = new WeakMap<GPUBuffer, number>();
  private tracked: Set<GPUBuffer> | null = null;
  readonly stats: PoolStats = { bytesInUse: 0, bytesAllocated: 0, peakBytesInUse: 0, buffersCreated: 0, liveBuffers: 0 };

  constructor(private readonly device: GPUDevice) {}

  /** A buffer of at least `bytes` bytes; its contents are undefined. */
  acquire(bytes: number, label: string, usage: number = STORAGE_USAGE): GPUBuffer {
    const size = sizeClass(bytes);
    const key = `${usage}:${size}`;
    let buffer = this.free.get(key)?.pop();
    if (!buffer) {
      buffer = this.device.createBuffer({ size, usage, label: `pool:${label}` });
      this.sizes.set(buffer, size);
      this.stats.bytesAllocated += size;
      this.stats.buffersCreated += 1;
      this.stats.liveBuffers += 1;
    }
    this.stats.bytesInUse += size;
    this.stats.peakBytesInUse = Math.max(this.stats.peakBytesInUse, this.stats.bytesInUse);
    this.tracked?.add(buffer);
    return buffer;
  }

  /** Starts remembering every buffer handed out (for capturing a static program). */
  track(): void {
    this.tracked = new Set();
  }

  /**
   * Stops tracking and takes out of the pool every tracked buffer that has been
   * released since: a captured program keeps writing to those buffers on each
   * replay, so nobody else may be handed them. The caller owns them now and hands
   * them back with `restore`.
   */
  claimTracked(): GPUBuffer[] {
    const tracked = this.tracked ?? new Set();
    this.tracked = null;
    const claimed: GPUBuffer[] = [];
    for (const [key, list] of this.free) {
      const keep = list.filter((b) => !tracked.has(b));
      for (const b of list) if (tracked.has(b)) claimed.push(b);
      this.free.set(key, keep);
    }
    for (const b of claimed) this.stats.bytesInUse += this.sizes.get(b)!;
    return claimed;
  }

  /** Returns claimed buffers to the pool. */
  restore(buffers: readonly GPUBuffer[]): void {
    for (const b of buffers) this.release(b);
  }

  /** Returns a buffer for reuse. Safe right after encoding work that reads it:
   *  queue order guarantees that work runs before any later write to it. */
  release(buffer: GPUBuffer): void {
    const size = this.sizes.get(buffer);
    if (size === undefined) throw new Error(`buffer '${buffer.label}' does not belong to this pool`);
    this.stats.bytesInUse -= size;
    const key = `${buffer.usage}:${size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
  }

  /** Destroys every free buffer (those in use stay with their owners). */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.stats.bytesAllocated -= this.sizes.get(b) ?? 0;
        this.stats.liveBuffers -= 1;
        b.destroy();
      }
    }
    this.free.clear();
  }
}
