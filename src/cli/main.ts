#!/usr/bin/env node
// The `webgpu-vae` command. Each subcommand lives in its own file and declares its
// options with defaults, so `--help` is generated from the same table the parser
// uses. Errors print one line naming the problem and the fix, never a stack trace
// (--debug or WEBGPU_VAE_DEBUG=1 for the trace and the WGSL of a failing kernel);
// exit statuses follow src/cli/exit.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { anomalyCommand } from './anomaly.js';
import { benchCommand } from './bench.js';
import { evaluateCommand } from './evaluate.js';
import { infoCommand } from './info.js';
import { interpolateCommand } from './interpolate.js';
import { latentCommand } from './latent.js';
import { reconstructCommand } from './reconstruct.js';
import { sampleCommand } from './sample.js';
import { trainCommand } from './train.js';
import { traverseCommand } from './traverse.js';
import { debugEnabled, exitCodeOf, messageOf } from './exit.js';
import { followParent, isChild, runAsChild } from './launcher.js';
import type { Command } from './command.js';
import { version } from '../../package.json';

const commands: Record<string, Command> = {
  train: trainCommand,
  sample: sampleCommand,
  reconstruct: reconstructCommand,
  interpolate: interpolateCommand,
  latent: latentCommand,
  traverse: traverseCommand,
  evaluate: evaluateCommand,
  anomaly: anomalyCommand,
  bench: benchCommand,
  info: infoCommand,
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: webgpu-vae <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'webgpu-vae <command> --help' for a command's options, 'webgpu-vae --version' for the version.`;
}

function commandHelp(name: string, c: Command): string {
  const opts = Object.entries(c.options).map(([key, o]) => {
    const flag = `--${key}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    const def = o.default === undefined ? '' : ` (default: ${o.default})`;
    return `  ${flag.padEnd(28)} ${o.help}${def}`;
  });
  const common = [`  ${'--debug'.padEnd(28)} print stack traces and a failing kernel's WGSL`, `  ${'--help'.padEnd(28)} show this help`];
  return `usage: webgpu-vae ${name} [options]\n\n${c.summary}\n\noptions:\n${[...opts, ...common].join('\n')}`;
}

/** node:util's parse errors in one line, with the fix (its own text spans lines for a value starting with '-'). */
function parseProblem(e: Error): string {
  const first = e.message.split('\n')[0]!.replace(/\.$/, '');
  const option = /'(--[\w-]+)/.exec(first)?.[1];
  if (/ambiguous/.test(first) && option) return `${option} needs a value; write ${option}=-X for a value starting with '-'`;
  return first;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  // No command is a usage error: the usage goes to stderr, and the status says so.
  if (!name) {
    console.error(usage());
    return 2;
  }
  if (name === '--version' || name === '-v') {
    console.log(`webgpu-vae ${version}`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`webgpu-vae: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(name, command));
    return 0;
  }
  const config: ParseArgsConfig = { args: rest, strict: true, allowPositionals: false, tokens: true, options: {} };
  for (const [key, o] of Object.entries(command.options)) {
    config.options![key] = { type: o.type, default: o.default as never };
  }
  let values: Record<string, string | boolean | undefined>;
  const given = new Set<string>();
  try {
    const parsed = parseArgs(config);
    values = parsed.values as Record<string, string | boolean | undefined>;
    for (const t of parsed.tokens ?? []) if (t.kind === 'option') given.add(t.name);
  } catch (e) {
    console.error(`webgpu-vae ${name}: ${parseProblem(e as Error)}; run 'webgpu-vae ${name} --help' for the options`);
    return 2;
  }
  return command.run(values, given);
}

// --debug may stand anywhere; it reaches the GPU runtime through the environment.
const argv = process.argv.slice(2);
if (argv.includes('--debug')) process.env.WEBGPU_VAE_DEBUG = '1';
// The work runs in a child whose stderr is filtered of Dawn's start-up warnings (src/cli/launcher.ts).
if (!isChild()) runAsChild(argv);
else {
  followParent();
  main(argv.filter((a) => a !== '--debug')).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(debugEnabled() ? e : `webgpu-vae: ${messageOf(e)}`);
      process.exitCode = exitCodeOf(e);
    },
  );
}
