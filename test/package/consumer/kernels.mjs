// The kernels on a device and a buffer of your own (README, "Using the kernels").
import { create, globals } from 'webgpu';
import { Gpu, adamStep, createAdamState, matmul, requiredLimits, toF16 } from 'webgpu-vae';

Object.assign(globalThis, globals); // GPUBufferUsage and friends, as in a browser
process.env.EGL_PLATFORM ??= 'surfaceless';
// Mesa's llvmpipe, which any Debian machine has; with a GPU and its driver, create([]).
const instance = create(['backend=opengles']);
const adapter = await instance.requestAdapter({ featureLevel: 'compatibility' });
const device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter) });
// `owner` keeps Dawn's instance alive as long as the runtime (dropping it ends the process).
const gpu = new Gpu(device, { owner: instance });

// Your buffer, as a [2, 3] tensor: no copy, and release() leaves it to you.
const data = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(data, 0, new Float32Array([1, 2, 3, 4, 5, 6]));
const a = gpu.wrap(data, [2, 3]);
const b = gpu.upload([1, 0, 0, 1, 1, 1], [3, 2], 'b');
const c = matmul(gpu, a, b); // recorded into the runtime's encoder, not yet submitted
gpu.flush(); // submit now: your own later submits that read c see it (queue order)
console.log('a x b =', Array.from(await gpu.read(c))); // read() flushes too

// A weight stored at half width (f16: half the bytes; these values are exact halves).
const x = gpu.upload([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], 'x');
const w = toF16(gpu, gpu.upload([1, 0, 0, 1, 0.5, 0.5, 0.5, 0.5], [2, 4], 'w')); // [out, in]
console.log('x wT =', Array.from(await gpu.read(matmul(gpu, x, w, { transB: true }))));

// One Adam step on parameters p with gradients g (torch.optim.Adam's defaults).
const p = gpu.upload([0.5, -0.5], [2], 'p');
const g = gpu.upload([1, -2], [2], 'g');
adamStep(gpu, { params: p, grads: g, ...createAdamState(gpu, 2) }, { lr: 0.1 });
console.log('p after one step =', Array.from(await gpu.read(p)));

gpu.destroy(); // the runtime's own buffers; the device stays yours
device.destroy();
