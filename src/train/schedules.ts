// Learning-rate and KL-weight (beta) schedules as pure functions of the 0-based
// training step, with the text syntax of the command-line options
// (`--lr-schedule`, `--beta-schedule`) parsed and printed back here.
//
// Learning rate, for step s with W warm-up steps and T training steps in all:
//   warm-up (s < W):  lr = base * (s + 1) / W   (linear; the first step already moves,
//                     and step W - 1 reaches base)
//   then, with t = s - W and D = T - W the steps after warm-up:
//   constant:         lr = base
//   cosine:           lr = min + (base - min) * (1 + cos(pi * t / D)) / 2 for t < D, and
//                     min from t = D on. This is PyTorch's CosineAnnealingLR closed form
//                     with eta_max = base, eta_min = min, T_max = D, T_cur = t: it starts
//                     at base and would reach min at t = D, one step past the last step
//                     (which gets min + (base - min) * (1 + cos(pi * (D-1)/D)) / 2).
//   step:             lr = base * gamma^floor(t / every)  (PyTorch's StepLR, counted
//                     from the end of warm-up).
//
// Beta (the weight on the KL term), for step s:
//   constant:         beta
//   linear:N          beta * min(1, s / N): KL annealing (Bowman et al. 2016, 'Generating
//                     Sentences from a Continuous Space'), 0 at step 0, beta from step N on.
//   cyclical:P        Fu et al. 2019, 'Cyclical Annealing Schedule: A Simple Approach to
//                     Mitigating KL Vanishing', with R = 0.5: tau = (s mod P) / P, and
//                     beta * min(1, tau / R), i.e. a linear rise from 0 over the first half
//                     of every period and beta over the second half.
// Unlike the learning-rate warm-up, the beta ramps start at exactly 0: a step with
// beta = 0 is a plain autoencoder step, which is the point of annealing, while a step
// with lr = 0 would be wasted.

export type LrSchedule = { kind: 'constant' } | { kind: 'cosine' } | { kind: 'step'; every: number; gamma: number };

export type BetaSchedule = { kind: 'constant' } | { kind: 'linear'; steps: number } | { kind: 'cyclical'; period: number };

/** `step` with no `:N` decays every DEFAULT_STEP_EVERY steps. */
export const DEFAULT_STEP_EVERY = 1000;
/** `step` or `step:N` with no `:GAMMA` multiplies by DEFAULT_STEP_GAMMA (PyTorch StepLR's default). */
export const DEFAULT_STEP_GAMMA = 0.1;
/** Fu et al.'s R: the fraction of each cyclical period spent rising. */
export const CYCLICAL_RISE_FRACTION = 0.5;

export interface LrOptions {
  /** The peak learning rate (after warm-up). */
  base: number;
  schedule: LrSchedule;
  /** Warm-up steps (0 for none). */
  warmup: number;
  /** Training steps in all, warm-up included; Infinity for an open-ended run (not with cosine). */
  totalSteps: number;
  /** The cosine schedule's floor (default 0). */
  min?: number;
}

const isCount = (v: number, least: number): boolean => Number.isInteger(v) && v >= least;

/** The learning rate for 0-based training step `step` (see the header for the formulas). */
export function lrAt(step: number, options: LrOptions): number {
  const { base, schedule, warmup, totalSteps, min = 0 } = options;
  if (!isCount(step, 0)) throw new Error(`lrAt: step must be a whole number >= 0, got ${step}`);
  if (!(Number.isFinite(base) && base >= 0)) throw new Error(`lrAt: base learning rate must be finite and >= 0, got ${base}`);
  if (!isCount(warmup, 0)) throw new Error(`lrAt: warmup must be a whole number of steps >= 0, got ${warmup}`);
  if (!(totalSteps === Infinity || isCount(totalSteps, 0))) throw new Error(`lrAt: totalSteps must be a whole number >= 0 or Infinity, got ${totalSteps}`);
  if (warmup > totalSteps) throw new Error(`lrAt: warm-up (${warmup} steps) is longer than the run (${totalSteps} steps); shorten the warm-up or train longer`);
  if (!Number.isFinite(min)) throw new Error(`lrAt: min learning rate must be finite, got ${min}`);
  if (step < warmup) return (base * (step + 1)) / warmup;
  const t = step - warmup;
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'cosine': {
      if (totalSteps === Infinity) throw new Error('lrAt: the cosine schedule decays over the run, so it needs a run of known length (finite epochs)');
      const d = totalSteps - warmup;
      if (t >= d) return min;
      return min + ((base - min) * (1 + Math.cos((Math.PI * t) / d))) / 2;
    }
    case 'step':
      checkStep(schedule.every, schedule.gamma, 'lrAt');
      return base * Math.pow(schedule.gamma, Math.floor(t / schedule.every));
  }
}

/** The KL weight for 0-based training step `step` (see the header for the formulas). */
export function betaAt(step: number, beta: number, schedule: BetaSchedule): number {
  if (!isCount(step, 0)) throw new Error(`betaAt: step must be a whole number >= 0, got ${step}`);
  switch (schedule.kind) {
    case 'constant':
      return beta;
    case 'linear':
      if (!isCount(schedule.steps, 1)) throw new Error(`betaAt: linear schedule needs steps >= 1 (a whole number), got ${schedule.steps}`);
      return step >= schedule.steps ? beta : (beta * step) / schedule.steps;
    case 'cyclical': {
      const p = schedule.period;
      if (!isCount(p, 2)) throw new Error(`betaAt: cyclical schedule needs a period >= 2 (a whole number), got ${p}`);
      const tau = (step % p) / p;
      return tau >= CYCLICAL_RISE_FRACTION ? beta : (beta * tau) / CYCLICAL_RISE_FRACTION;
    }
  }
}

function checkStep(every: number, gamma: number, where: string): void {
  if (!isCount(every, 1)) throw new Error(`${where}: step schedule needs every >= 1 (a whole number of steps), got ${every}`);
  if (!(Number.isFinite(gamma) && gamma > 0)) throw new Error(`${where}: step schedule needs a finite gamma > 0, got ${gamma}`);
}

const LR_SYNTAX = 'constant, cosine or step[:N[:GAMMA]]';
const BETA_SYNTAX = 'constant, linear:N or cyclical:N';
const WHOLE = /^[0-9]+$/;

/**
 * 'constant' | 'cosine' | 'step' | 'step:N' | 'step:N:GAMMA': N steps between decays
 * (default DEFAULT_STEP_EVERY = 1000), each multiplying by GAMMA (default 0.1).
 */
export function parseLrSchedule(text: string): LrSchedule {
  const s = text.trim();
  if (s === 'constant' || s === 'cosine') return { kind: s };
  const parts = s.split(':');
  if (parts[0] !== 'step' || parts.length > 3) throw new Error(`--lr-schedule must be ${LR_SYNTAX}, got '${text}'`);
  let every = DEFAULT_STEP_EVERY, gamma = DEFAULT_STEP_GAMMA;
  if (parts.length >= 2) {
    if (!WHOLE.test(parts[1]) || Number(parts[1]) < 1) throw new Error(`--lr-schedule step:N needs N, the steps between decays, a whole number >= 1, got '${text}'`);
    every = Number(parts[1]);
  }
  if (parts.length === 3) {
    gamma = parts[2].trim() === '' ? NaN : Number(parts[2]);
    if (!(Number.isFinite(gamma) && gamma > 0)) throw new Error(`--lr-schedule step:N:GAMMA needs GAMMA, the decay factor, a number > 0, got '${text}'`);
  }
  return { kind: 'step', every, gamma };
}

/** 'constant' | 'linear:N' (ramp over N steps) | 'cyclical:N' (period of N >= 2 steps). */
export function parseBetaSchedule(text: string): BetaSchedule {
  const s = text.trim();
  if (s === 'constant') return { kind: 'constant' };
  const parts = s.split(':');
  if (parts.length !== 2 || (parts[0] !== 'linear' && parts[0] !== 'cyclical')) throw new Error(`--beta-schedule must be ${BETA_SYNTAX}, got '${text}'`);
  const least = parts[0] === 'linear' ? 1 : 2;
  if (!WHOLE.test(parts[1]) || Number(parts[1]) < least) {
    const what = parts[0] === 'linear' ? 'N, the steps of the ramp' : 'N, the steps of one period';
    throw new Error(`--beta-schedule ${parts[0]}:N needs ${what}, a whole number >= ${least}, got '${text}'`);
  }
  const n = Number(parts[1]);
  return parts[0] === 'linear' ? { kind: 'linear', steps: n } : { kind: 'cyclical', period: n };
}

/** The schedule in parseLrSchedule's syntax (step always with both numbers). */
export function describeLrSchedule(schedule: LrSchedule): string {
  return schedule.kind === 'step' ? `step:${schedule.every}:${schedule.gamma}` : schedule.kind;
}

/** The schedule in parseBetaSchedule's syntax. */
export function describeBetaSchedule(schedule: BetaSchedule): string {
  switch (schedule.kind) {
    case 'constant':
      return 'constant';
    case 'linear':
      return `linear:${schedule.steps}`;
    case 'cyclical':
      return `cyclical:${schedule.period}`;
  }
}
