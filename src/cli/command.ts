// The shape of a subcommand: its options (with defaults and help text, from which
// --help is printed) and what it does with the parsed values.
export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  help: string;
  valueName?: string;
}

export interface Command {
  summary: string;
  options: Record<string, OptionSpec>;
  /** `given` names the options on the command line (the rest hold their defaults). */
  run(values: Record<string, string | boolean | undefined>, given: ReadonlySet<string>): Promise<number>;
}

export const adapterOption: OptionSpec = {
  type: 'string',
  default: 'auto',
  valueName: 'auto|gpu|llvmpipe|swiftshader',
  help: 'WebGPU adapter: a real GPU first with auto, or a CPU implementation',
};

export const tuneOption: OptionSpec = {
  type: 'string',
  default: 'auto',
  valueName: 'auto|off|quick|full',
  help: 'kernel tuning: time matmul configurations per shape on first use and cache the fastest (auto: quick on a GPU, off on CPU adapters, whose defaults were tuned on them)',
};
