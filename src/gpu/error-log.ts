// The runtime's own device errors, and only its own. Every device call the runtime
// makes runs inside its error scopes (`scoped`), so a validation or out-of-memory
// error it causes is collected here and thrown at the next flush or read, while a
// host application's errors on the same device stay the host's: the library adds
// no 'uncapturederror' listener. Compile errors are kept apart and thrown first,
// since the validation errors they cause downstream are noise.
import { GpuValidationError, KernelError } from './errors.js';

export class ErrorLog {
  private readonly errors: Error[] = [];
  private readonly kernelErrors: KernelError[] = [];
  /** Scopes and compile checks not yet settled; each removes itself when it settles. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly device: GPUDevice) {}

  /**
   * Runs `fn` inside this log's scopes. Scopes are a device-wide stack, so `fn` must
   * be synchronous: nothing else may run between the push and the pop.
   */
  scoped<T>(what: string, fn: () => T): T {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      return fn();
    } finally {
      const validation = this.device.popErrorScope();
      const memory = this.device.popErrorScope();
      this.watch(
        Promise.all([validation, memory]).then(
          (errors) => {
            for (const e of errors) if (e) this.errors.push(new GpuValidationError(`${what}: ${e.message}`));
          },
          // A lost device rejects its scopes; the runtime's `lost` reports that.
          () => undefined,
        ),
      );
    }
  }

  /** A pipeline's compile check: `message` resolves to its error text, or null; `describe` adds the compiler's messages. */
  watchCompile(label: string, message: Promise<string | null>, describe: (message: string) => Promise<string>): void {
    this.watch(
      message.then(async (m) => {
        if (m) this.kernelErrors.push(new KernelError(label, `pipeline creation failed: ${await describe(m)}`));
      }),
    );
  }

  /** Waits until every check has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Throws the first error collected so far (a compile error before anything else). */
  throwFirst(): void {
    if (this.kernelErrors.length) {
      this.errors.length = 0;
      throw this.kernelErrors.shift()!;
    }
    if (this.errors.length) throw this.errors.shift()!;
  }

  private watch(check: Promise<void>): void {
    const p: Promise<void> = check.finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
