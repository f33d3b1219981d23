// Pipeline cache keyed by shader, entry point and override constants. Pipeline
// layouts are explicit, built from the reflected bindings, so a bind group is valid
// whether or not an override constant makes a binding dead in a given variant.
import { KernelError } from './errors.js';
import { ShaderStage } from './flags.js';
import type { EntryInfo, Shader } from './shader.js';

export interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  entry: EntryInfo;
  label: string;
}

export type Constants = Record<string, number>;

export class PipelineCache {
  private readonly modules = new Map<Shader, GPUShaderModule>();
  private readonly pipelines = new Map<string, CachedPipeline>();
  private readonly ids = new Map<string, number>();
  /** Number of pipelines compiled (tests count these to prove caching). */
  compiled = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly onCompileError: (kernel: string, shader: Shader, error: Promise<string | null>) => void,
  ) {}

  get(shader: Shader, entryName = 'main', constants: Constants = {}): CachedPipeline {
    for (const name of Object.keys(constants)) {
      if (!shader.overrides.has(name)) {
        throw new KernelError(shader.name, `unknown override constant '${name}' (the shader declares: ${[...shader.overrides].join(', ')})`);
      }
    }
    // Keyed by the Shader object, not its name: a host's shader called 'matmul' is another shader.
    const key = `${this.idOf(shader)}|${entryName}|${JSON.stringify(constants, Object.keys(constants).sort())}`;
    const hit = this.pipelines.get(key);
    if (hit) return hit;

    const entry = shader.entry(entryName);
    const label = constantsLabel(`${shader.name}:${entryName}`, constants);
    this.device.pushErrorScope('validation');
    const module = this.module(shader);
    const layout = this.device.createBindGroupLayout({
      label,
      entries: entry.bindings.map((b) => ({
        binding: b.binding,
        visibility: ShaderStage.COMPUTE,
        buffer: { type: b.access === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    const pipeline = this.device.createComputePipeline({
      label,
      layout: this.device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: entryName, constants },
    });
    this.onCompileError(label, shader, this.device.popErrorScope().then((e) => (e ? e.message : null)));
    this.compiled += 1;
    const cached = { pipeline, layout, entry, label };
    this.pipelines.set(key, cached);
    return cached;
  }

  private idOf(shader: Shader): number {
    const key = `${shader.name}\n${shader.source}`;
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.ids.size + 1));
    return id;
  }

  private module(shader: Shader): GPUShaderModule {
    let module = this.modules.get(shader);
    if (!module) {
      module = this.device.createShaderModule({ label: shader.name, code: shader.source });
      this.modules.set(shader, module);
    }
    return module;
  }

  /** Compiler messages of a shader as `name.wgsl:line:pos: message`. */
  async compilerMessages(shader: Shader): Promise<string[]> {
    const info = await this.module(shader).getCompilationInfo();
    return info.messages
      .filter((m) => m.type === 'error' || m.type === 'warning')
      .map((m) => `${shader.name}.wgsl:${m.lineNum}:${m.linePos}: ${m.type}: ${m.message}`);
  }
}

function constantsLabel(base: string, constants: Constants): string {
  const parts = Object.entries(constants).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `${base}[${parts.join(',')}]` : base;
}
