// Async readback through a small ring of MAP_READ staging buffers. A read copies
// into a free slot and maps it; the caller awaits the data while further work is
// submitted. When every slot is waiting on the GPU the next read waits for the
// oldest, so at most `slots` reads are in flight and no staging buffer is created
// after the ring has grown to the largest read.
import { BufferUsage, MapMode } from './flags.js';

// Every slot starts this large: the reads of a training run (losses, an evaluation's
// sums, a small test split's latents) then fit from the start, and a slot is only
// recreated for a read larger than any of those.
const MIN_STAGING_BYTES = 4096;

interface Slot {
  buffer: GPUBuffer | null;
  busy: Promise<void> | null;
}

export class ReadbackRing {
  private readonly slots: Slot[];
  private next = 0;
  /** Staging buffers created so far (grows only when a larger read comes). */
  created = 0;

  constructor(
    private readonly device: GPUDevice,
    slots = 3,
  ) {
    this.slots = Array.from({ length: slots }, () => ({ buffer: null, busy: null }));
  }

  /**
   * Reserves a slot of at least `bytes` bytes, lets `encodeCopy` record the copy into
   * it, calls `submit`, then maps and returns a copy of the bytes.
   */
  async read(bytes: number, encodeCopy: (staging: GPUBuffer) => void, submit: () => void): Promise<ArrayBuffer> {
    const slot = this.slots[this.next];
    this.next = (this.next + 1) % this.slots.length;
    while (slot.busy) await slot.busy;
    let release!: () => void;
    slot.busy = new Promise<void>((r) => (release = r));
    try {
      const size = Math.ceil(bytes / 4) * 4;
      if (!slot.buffer || slot.buffer.size < size) {
        slot.buffer?.destroy();
        slot.buffer = this.device.createBuffer({ label: 'readback-staging', size: Math.max(size, MIN_STAGING_BYTES), usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
        this.created += 1;
      }
      const staging = slot.buffer;
      encodeCopy(staging);
      submit();
      await staging.mapAsync(MapMode.READ, 0, size);
      const out = staging.getMappedRange(0, size).slice(0, bytes);
      staging.unmap();
      return out;
    } finally {
      slot.busy = null;
      release();
    }
  }

  destroy(): void {
    for (const s of this.slots) s.buffer?.destroy();
  }
}
