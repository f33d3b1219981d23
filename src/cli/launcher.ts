// Dawn prints two warnings from C++ straight to file descriptor 2 whenever it creates
// an adapter ("maxDynamic...BuffersPerPipelineLayout artificially reduced ... to fit
// dynamic offset allocation limit"): it clamps the adapter's own limits, whatever a
// program requests, has no toggle to stay quiet, and a Node process cannot redirect
// its own native writes. So the command runs itself as a child whose stderr comes
// through a filter that drops exactly those lines and passes everything else on at
// once (partial lines too, so the progress bar still redraws). The child runs in its
// own process group: a Ctrl-C at the terminal reaches only this parent, which passes
// each signal on once, so the child's handler saves its state exactly once; the
// parent then exits as the child did, and the child dies with a parent killed outright.
import { spawn } from 'node:child_process';

const DAWN_NOISE = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const NOISE_PREFIX = 'Warning: maxDynamic';
const CHILD = 'WEBGPU_VAE_CHILD';
/** Set for the child when the parent's stderr is a terminal: its width (src/cli/progress.ts draws the bar through the pipe). */
export const TTY_COLUMNS = 'WEBGPU_VAE_TTY_COLUMNS';
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function isChild(): boolean {
  return process.env[CHILD] === '1';
}

/**
 * In the child: dies with its parent. A parent killed outright (SIGKILL) cannot pass
 * the signal on, and a detached child would otherwise train on unseen.
 */
export function followParent(): void {
  if (!process.channel) return;
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

/** Runs this script again as a filtered child with `argv`; resolves with its exit status (re-raising a signal that killed it). */
export function runAsChild(argv: string[]): void {
  const columns = process.stderr.isTTY ? { [TTY_COLUMNS]: String(process.stderr.columns || 80) } : {};
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    // The IPC channel carries nothing: the child sees it close when this parent dies.
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, [CHILD]: '1', ...columns },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of FORWARDED) process.on(s, forward);
  const filter = new NoiseFilter((text) => process.stderr.write(text));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => filter.push(text));
  child.on('error', (e) => {
    process.stderr.write(`webgpu-vae: cannot start ${process.execPath}: ${e.message}\n`);
    process.exitCode = 1;
  });
  child.on('close', (code, signal) => {
    filter.end();
    for (const s of FORWARDED) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
}

/** Drops Dawn's warning lines from a text stream; everything else passes at once. */
export class NoiseFilter {
  private held = '';

  constructor(private readonly out: (text: string) => void) {}

  push(text: string): void {
    let rest = this.held + text;
    this.held = '';
    let pass = '';
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
      const line = rest.slice(0, nl);
      if (!DAWN_NOISE.test(line)) pass += line + '\n';
      rest = rest.slice(nl + 1);
    }
    // An unfinished line is held only while it could still become a warning line.
    if (rest.startsWith(NOISE_PREFIX) || NOISE_PREFIX.startsWith(rest)) this.held = rest;
    else pass += rest;
    if (pass) this.out(pass);
  }

  end(): void {
    if (this.held) this.out(this.held);
    this.held = '';
  }
}
