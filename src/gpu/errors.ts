// Typed errors. Each names what failed (the kernel, the buffer, the adapter) and,
// where there is one, the fix, so a user never has to read a stack trace.

export class WebGpuVaeError extends Error {
  override name = 'WebGpuVaeError';
}

/**
 * Bad input from the caller: a file that is not what it claims, a value out of range.
 * The command exits 2 on these (the user can fix them); anything else is ours (exit 1).
 */
export class InputError extends WebGpuVaeError {
  override name = 'InputError';
}

/** No WebGPU adapter could be created; the message says what to install. */
export class NoAdapterError extends WebGpuVaeError {
  override name = 'NoAdapterError';
}

/** The device was lost (driver reset, destroy(), out of memory). */
export class DeviceLostError extends WebGpuVaeError {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`WebGPU device lost (${reason}): ${message}`);
  }
}

/** A request beyond what the adapter allows (buffer or binding size, workgroup count); the message names the limit and the fix. */
export class LimitError extends InputError {
  override name = 'LimitError';
}

/** A tensor that a live captured program reads or writes was released: its buffer could be reused under the program. */
export class TensorInUseError extends WebGpuVaeError {
  override name = 'TensorInUseError';
}

/** A shader failed to compile or a dispatch failed validation; names the kernel. */
export class KernelError extends WebGpuVaeError {
  override name = 'KernelError';
  constructor(
    readonly kernel: string,
    message: string,
  ) {
    super(`kernel '${kernel}': ${message}`);
  }
}

/** An uncaptured validation or out-of-memory error reported by the device. */
export class GpuValidationError extends WebGpuVaeError {
  override name = 'GpuValidationError';
}

/** A caller passed a shape, binding or option the kernel cannot take. */
export class ShapeError extends InputError {
  override name = 'ShapeError';
}
