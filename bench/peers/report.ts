// The peer comparison's results and how they are printed: a table per adapter and
// batch (samples/s, spread, ours / peer) and one JSON line for machines.
import { median, spread } from '../stats.js';

export const IMPLS = ['ours', 'tfjs-webgpu', 'jax-webgpu', 'tfjs-cpu'] as const;
export type Impl = (typeof IMPLS)[number];

/** The issue's targets: ours must train at least this many times as many samples/s. */
export const TARGETS: Partial<Record<Impl, number>> = { 'tfjs-webgpu': 3, 'jax-webgpu': 2 };

export interface Row {
  impl: Impl;
  batch: number;
  samples_per_s: number | null;
  /** Median over rounds, then min and max. */
  ms_per_step: number | null;
  ms_min: number | null;
  ms_max: number | null;
  rounds: number;
  steps_per_round: number;
  first_loss: number | null;
  /** Loss of the last step timed, after `steps` steps in all (warm-up included). */
  last_loss: number | null;
  steps: number;
  /** ours' samples/s over this row's (1 for ours). */
  ours_over: number | null;
  /**
   * The pre-timing check (check.ts): this implementation's loss of the first batch
   * at the initial parameters with eps = 0 and how far it and the gradients are from
   * the float64 reference (a peer that fails it is not timed; ours is).
   */
  check?: RowCheck;
  error?: string;
}

export interface RowCheck {
  loss: number;
  /** The float64 reference's loss. */
  reference: number;
  loss_rel_diff: number;
  /** The largest relative L2 error of a parameter's gradient, and which. */
  grad_rel_err: number;
  grad_worst: string;
  ok: boolean;
}

export interface AdapterReport {
  adapter: string;
  /** The adapter ours ran on, as Dawn names it. */
  device: string | null;
  /** What navigator.gpu handed TF.js and jax-js (the same adapter, checked). */
  peer_devices: string[];
  rows: Row[];
  error?: string;
}

export function timedRow(impl: Impl, batch: number, msPerStep: number[], extra: Partial<Row> = {}): Row {
  const ms = median(msPerStep);
  const { min, max } = spread(msPerStep);
  return { impl, batch, samples_per_s: (1000 * batch) / ms, ms_per_step: ms, ms_min: min, ms_max: max, rounds: msPerStep.length, steps_per_round: 0, first_loss: null, last_loss: null, steps: 0, ours_over: null, ...extra };
}

export function failedRow(impl: Impl, batch: number, error: string): Row {
  return { impl, batch, samples_per_s: null, ms_per_step: null, ms_min: null, ms_max: null, rounds: 0, steps_per_round: 0, first_loss: null, last_loss: null, steps: 0, ours_over: null, error };
}

/** Fills ours_over for every row of the same batch (same process run: same adapter). */
export function addRatios(rows: Row[]): void {
  for (const r of rows) {
    const ours = rows.find((o) => o.impl === 'ours' && o.batch === r.batch)?.samples_per_s;
    r.ours_over = ours && r.samples_per_s ? ours / r.samples_per_s : null;
  }
}

const fixed = (v: number | null, digits: number) => (v === null ? '-' : v.toFixed(digits));

const sci = (v: number) => (v === 0 ? '0' : v.toExponential(1));

/** Lines per batch: the reference loss at eps = 0 and each implementation's relative errors. */
function checkLines(rows: Row[]): string[] {
  const checked = rows.filter((r) => r.check);
  if (!checked.length) return [];
  const lines = [`    check (1st batch, eps=0, vs float64 loss ${checked[0].check!.reference.toFixed(3)}): rel err of loss / worst gradient`];
  for (const r of checked) {
    const c = r.check!;
    lines.push(`      ${r.impl.padEnd(12)} ${sci(c.loss_rel_diff).padStart(7)} / ${sci(c.grad_rel_err).padStart(7)} (${c.grad_worst})${c.ok ? '' : '  FAILED'}`);
  }
  return lines;
}

/** `model`: which model was measured (describeModel), the table's first line. */
export function formatTable(reports: AdapterReport[], model?: string): string {
  const lines: string[] = [];
  if (model) lines.push(`model: ${model}`);
  for (const a of reports) {
    lines.push(`adapter ${a.adapter}: ${a.device ?? 'did not start'}`);
    if (a.peer_devices.length) lines.push(`  peers got: ${[...new Set(a.peer_devices)].join('; ')}`);
    if (a.error) lines.push(`  error: ${a.error}`);
    for (const batch of [...new Set(a.rows.map((r) => r.batch))]) {
      lines.push(`  batch ${batch}`);
      lines.push(`    ${'impl'.padEnd(12)} ${'samples/s'.padStart(10)} ${'ms/step'.padStart(9)} ${'(min-max)'.padEnd(17)} ${'rounds'.padStart(7)} ${'loss 1st'.padStart(8)} ${'last'.padStart(7)} ${'ours/impl'.padStart(9)}  target`);
      for (const r of a.rows.filter((x) => x.batch === batch)) {
        if (r.error) {
          lines.push(`    ${r.impl.padEnd(12)} failed: ${r.error.split('\n')[0].slice(0, 160)}`);
          continue;
        }
        const target = TARGETS[r.impl];
        const verdict = target === undefined || r.ours_over === null ? '' : `>= ${target}x ${r.ours_over >= target ? 'met' : 'NOT met'}`;
        lines.push(
          `    ${r.impl.padEnd(12)} ${fixed(r.samples_per_s, 1).padStart(10)} ${fixed(r.ms_per_step, 1).padStart(9)} ${`(${fixed(r.ms_min, 1)}-${fixed(r.ms_max, 1)})`.padEnd(17)} ${`${r.rounds}x${r.steps_per_round}`.padStart(7)} ${fixed(r.first_loss, 1).padStart(8)} ${fixed(r.last_loss, 1).padStart(7)} ${(r.ours_over === null ? '-' : `${r.ours_over.toFixed(2)}x`).padStart(9)}  ${verdict}`,
        );
      }
      lines.push(...checkLines(a.rows.filter((x) => x.batch === batch)));
    }
  }
  return lines.join('\n');
}
