// Per-dispatch GPU timing with timestamp queries, when the device has the
// 'timestamp-query' feature. While profiling, each dispatch gets its own compute
// pass whose begin/end timestamps are written to a query set; results are resolved
// at flush and read back asynchronously, labelled with the kernel's name.
import { BufferUsage, MapMode } from './flags.js';

export interface KernelTiming {
  label: string;
  ms: number;
}

export class TimestampProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly staging: GPUBuffer;
  private labels: string[] = [];

  constructor(
    device: GPUDevice,
    readonly capacity = 512,
  ) {
    this.querySet = device.createQuerySet({ label: 'profiler', type: 'timestamp', count: capacity * 2 });
    this.resolve = device.createBuffer({ label: 'profiler-resolve', size: capacity * 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    this.staging = device.createBuffer({ label: 'profiler-staging', size: capacity * 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  }

  static supported(device: GPUDevice): boolean {
    return device.features.has('timestamp-query');
  }

  /** Timestamp writes for the next pass, or undefined once the query set is full. */
  passTimestamps(label: string): GPUComputePassTimestampWrites | undefined {
    const i = this.labels.length;
    if (i >= this.capacity) return undefined;
    this.labels.push(label);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records the resolve of every pending query; call before finishing the encoder. */
  encodeResolve(encoder: GPUCommandEncoder): void {
    const n = this.labels.length;
    if (n === 0) return;
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolve, 0);
    encoder.copyBufferToBuffer(this.resolve, 0, this.staging, 0, 16 * n);
  }

  /** Reads the resolved timings (after the submit that resolved them) and resets. */
  async collect(): Promise<KernelTiming[]> {
    const labels = this.labels;
    this.labels = [];
    if (labels.length === 0) return [];
    await this.staging.mapAsync(MapMode.READ, 0, 16 * labels.length);
    const ticks = new BigInt64Array(this.staging.getMappedRange(0, 16 * labels.length).slice(0));
    this.staging.unmap();
    return labels.map((label, i) => ({ label, ms: Number(ticks[2 * i + 1] - ticks[2 * i]) / 1e6 }));
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolve.destroy();
    this.staging.destroy();
  }
}
