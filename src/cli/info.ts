// `webgpu-vae info`: which adapter this machine gives, its feature level, and the
// limits and features the kernels use. The first thing to run on a new machine.
import { ADAPTER_CHOICES, createNodeGpu, type AdapterChoice } from '../gpu/node-device.js';
import { adapterOption, type Command } from './command.js';
import { choiceOption } from './common.js';

export const infoCommand: Command = {
  summary: 'print the WebGPU adapter, feature level, limits and features',
  options: {
    adapter: adapterOption,
    json: { type: 'boolean', default: false, help: 'print one JSON object on stdout' },
  },
  async run(values) {
    // A usage error (exit 2), like every command's --adapter, before any adapter starts.
    const adapter: AdapterChoice = choiceOption(values, 'adapter', ADAPTER_CHOICES);
    const gpu = await createNodeGpu({ adapter, log: values.json ? null : undefined });
    const l = gpu.device.limits;
    const report = {
      adapter: gpu.adapter,
      limits: {
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
      },
      features: [...gpu.device.features].sort(),
    };
    if (values.json) console.log(JSON.stringify(report));
    else {
      for (const [k, v] of Object.entries(report.limits)) console.log(`  ${k.padEnd(36)} ${v}`);
      console.log(`  features: ${report.features.join(', ') || '(none)'}`);
    }
    gpu.destroy();
    gpu.device.destroy();
    return 0;
  },
};
