// Times each implementation the way measureTrainingThroughput times ours: warm-up,
// then rounds of k queued steps, each round timed from its first step to the end of
// the last one, keeping milliseconds per step per round.
//
// The machine is small and shared, so its load drifts over minutes. Timing one
// implementation after another would fold that drift into the ratios; instead the
// contenders' rounds are interleaved (round 1 of each, then round 2 of each, with
// the order rotated), so each sees the same conditions, and medians are kept.
// The peers differ by orders of magnitude in speed, so each contender's k comes from
// a timed warm-up step (a round lasts about `roundMs`), and the number of rounds
// shrinks, down to `minRounds`, when the slowest contender would overrun `budgetMs`.
import type { PeerTrainer } from './spec.js';

export interface MeasureOptions {
  rounds: number;
  minRounds: number;
  roundMs: number;
  maxStepsPerRound: number;
  budgetMs: number;
  /** Any one sync taking longer than this fails the measurement (a hung peer). */
  syncTimeoutMs: number;
}

/** One implementation being timed. */
export interface Contender {
  /** Compiles and warms up; resolves with the time of one warm step and, if known, the first step's loss. */
  warm(): Promise<{ estimateMs: number; firstLoss: number | null }>;
  /** Runs `steps` steps and waits for them: ms per step, and the last loss if known. */
  round(steps: number): Promise<{ msPerStep: number; loss: number | null }>;
  dispose(): void;
}

export interface Timing {
  msPerStep: number[];
  stepsPerRound: number;
  firstLoss: number | null;
  lastLoss: number | null;
  /** Steps taken in all by this contender, warm-up included. */
  steps: number;
}

export async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A peer's loop as a contender: steps 1 (compiles) and 2 warm up, step 3 is the estimate. */
export function peerContender(t: PeerTrainer, o: MeasureOptions): Contender & { warmSteps: number } {
  const sync = () => bounded(t.sync(), o.syncTimeoutMs, 'a training step');
  return {
    warmSteps: 3,
    async warm() {
      t.step();
      const firstLoss = await sync();
      t.step();
      await sync();
      const t0 = performance.now();
      t.step();
      await sync();
      return { estimateMs: performance.now() - t0, firstLoss };
    },
    async round(steps) {
      const start = performance.now();
      for (let i = 0; i < steps; i++) t.step();
      const loss = await sync();
      return { msPerStep: (performance.now() - start) / steps, loss };
    },
    dispose: () => t.dispose(),
  };
}

export interface Entry<K> {
  key: K;
  contender: Contender;
  /** Steps warm() takes, for the step count. */
  warmSteps: number;
  /** Steps each round() call takes besides the timed ones (ours re-warms per round). */
  extraPerRound?: number;
}

/**
 * Warms every contender, then interleaves their rounds. A contender that fails, in
 * warm-up or in a round, is dropped with its error; the others go on.
 */
export async function interleave<K>(entries: Entry<K>[], o: MeasureOptions, log: (line: string) => void): Promise<Map<K, Timing | Error>> {
  const results = new Map<K, Timing | Error>();
  const live: { e: Entry<K>; t: Timing; estimateMs: number }[] = [];
  for (const e of entries) {
    try {
      const w = await e.contender.warm();
      const stepsPerRound = Math.max(1, Math.min(o.maxStepsPerRound, Math.round(o.roundMs / Math.max(w.estimateMs, 1e-3))));
      const t: Timing = { msPerStep: [], stepsPerRound, firstLoss: w.firstLoss, lastLoss: null, steps: e.warmSteps };
      live.push({ e, t, estimateMs: w.estimateMs });
      results.set(e.key, t);
      log(`${String(e.key)} warm: ${w.estimateMs.toFixed(1)} ms/step, ${stepsPerRound} steps per round`);
    } catch (err) {
      results.set(e.key, err instanceof Error ? err : new Error(String(err)));
    }
  }
  const roundMs = live.reduce((sum, c) => sum + c.t.stepsPerRound * c.estimateMs, 0);
  const rounds = Math.max(o.minRounds, Math.min(o.rounds, Math.floor(o.budgetMs / Math.max(roundMs, 1e-3))));
  for (let r = 0; r < rounds; r++) {
    const order = live.map((_, i) => live[(i + r) % live.length]);
    for (const c of order) {
      if (results.get(c.e.key) instanceof Error) continue;
      try {
        const { msPerStep, loss } = await c.e.contender.round(c.t.stepsPerRound);
        c.t.msPerStep.push(msPerStep);
        c.t.lastLoss = loss;
        c.t.steps += c.t.stepsPerRound + (c.e.extraPerRound ?? 0);
      } catch (err) {
        results.set(c.e.key, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
  return results;
}
