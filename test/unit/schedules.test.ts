// Learning-rate and beta schedules: hand-computed values at warm-up, cosine endpoints
// and midpoint (and PyTorch CosineAnnealingLR's recursive form), step decay, linear and
// cyclical beta at period boundaries, and the parse / describe round trip and errors.
import { describe, expect, it } from 'vitest';
import {
  betaAt,
  describeBetaSchedule,
  describeLrSchedule,
  lrAt,
  parseBetaSchedule,
  parseLrSchedule,
  type BetaSchedule,
  type LrSchedule,
} from '../../src/train/schedules.js';
import { assertClose } from '../tolerance.js';

const exact = { atol: 0, rtol: 1e-15 };
const lrs = (steps: number[], o: Parameters<typeof lrAt>[1]) => steps.map((s) => lrAt(s, o));

describe('lrAt', () => {
  it('warms up linearly as base * (step + 1) / warmup, then holds base (constant)', () => {
    const o = { base: 1e-3, schedule: { kind: 'constant' } as const, warmup: 4, totalSteps: 20 };
    assertClose(lrs([0, 1, 2, 3, 4, 10, 19], o), [2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3, 1e-3], exact, 'warm-up');
    expect(lrAt(7, { ...o, warmup: 0 })).toBe(1e-3);
  });

  it('cosine: base at the start, (base + min) / 2 halfway, min at totalSteps', () => {
    const o = { base: 1, schedule: { kind: 'cosine' } as const, warmup: 0, totalSteps: 10 };
    assertClose(lrs([0, 5, 10, 11], o), [1, 0.5, 0, 0], { atol: 1e-16, rtol: 1e-15 }, 'min 0');
    // The last step is just above min: (1 + cos(0.9 pi)) / 2 = 0.0244717418524...
    expect(lrAt(9, o)).toBeCloseTo(0.02447174185242318, 15);
    assertClose(lrs([0, 5, 10], { ...o, base: 0.1, min: 0.01 }), [0.1, 0.055, 0.01], { atol: 1e-17, rtol: 1e-14 }, 'min 0.01');
    // After a 2-step warm-up the decay spans the remaining 10 steps.
    const w = { ...o, warmup: 2, totalSteps: 12 };
    assertClose(lrs([0, 1, 2, 7, 12], w), [0.5, 1, 1, 0.5, 0], { atol: 1e-16, rtol: 1e-15 }, 'after warm-up');
  });

  it("cosine matches PyTorch CosineAnnealingLR's recursive update step by step", () => {
    const base = 3e-3, min = 1e-4, T = 37;
    const o = { base, min, schedule: { kind: 'cosine' } as const, warmup: 0, totalSteps: T };
    // torch/optim/lr_scheduler.py, CosineAnnealingLR.get_lr for 0 < t < T_max:
    //   lr_t = (1 + cos(pi t / T)) / (1 + cos(pi (t-1) / T)) * (lr_{t-1} - eta_min) + eta_min
    let lr = base;
    for (let t = 1; t < T; t++) {
      lr = ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (lr - min) + min;
      expect(Math.abs(lrAt(t, o) - lr)).toBeLessThan(1e-15);
    }
  });

  it('step decay: base * gamma^floor((step - warmup) / every)', () => {
    const o = { base: 1, schedule: { kind: 'step', every: 3, gamma: 0.5 } as const, warmup: 2, totalSteps: 100 };
    // Warm-up 0.5, 1; then t = 0..2 -> 1, t = 3..5 -> 0.5, t = 6..8 -> 0.25, t = 9 -> 0.125.
    assertClose(lrs([0, 1, 2, 3, 4, 5, 7, 8, 10, 11], o), [0.5, 1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.125], exact, 'step');
  });

  it('an open-ended run (totalSteps Infinity) keeps constant and step schedules', () => {
    const o = { base: 0.5, warmup: 2, totalSteps: Infinity };
    expect(lrAt(10 ** 9, { ...o, schedule: { kind: 'constant' } })).toBe(0.5);
    expect(lrAt(12, { ...o, schedule: { kind: 'step', every: 5, gamma: 0.5 } })).toBe(0.125);
  });

  it('rejects bad arguments with one-line errors', () => {
    const o = { base: 1, schedule: { kind: 'constant' } as const, warmup: 5, totalSteps: 10 };
    const bad: [number, Parameters<typeof lrAt>[1], RegExp][] = [
      [-1, o, /step must be a whole number >= 0, got -1/],
      [1.5, o, /step must be a whole number/],
      [0, { ...o, warmup: 11 }, /warm-up \(11 steps\) is longer than the run \(10 steps\)/],
      [0, { ...o, base: NaN }, /base learning rate must be finite/],
      [6, { ...o, schedule: { kind: 'step', every: 0, gamma: 0.5 } }, /every >= 1/],
      [6, { ...o, schedule: { kind: 'step', every: 2, gamma: 0 } }, /gamma > 0/],
      [6, { ...o, schedule: { kind: 'cosine' }, totalSteps: Infinity }, /needs a run of known length/],
      [6, { ...o, totalSteps: 2.5 }, /totalSteps must be a whole number >= 0 or Infinity/],
    ];
    for (const [step, options, message] of bad) {
      expect(() => lrAt(step, options)).toThrow(message);
      expect(() => lrAt(step, options)).not.toThrow(/\n/);
    }
  });
});

describe('betaAt', () => {
  it('constant is beta at every step', () => {
    expect([0, 1, 1000].map((s) => betaAt(s, 4, { kind: 'constant' }))).toEqual([4, 4, 4]);
  });

  it('linear: 0 at step 0, beta at step N and after', () => {
    const s: BetaSchedule = { kind: 'linear', steps: 4 };
    expect([0, 1, 2, 3, 4, 5, 100].map((t) => betaAt(t, 2, s))).toEqual([0, 0.5, 1, 1.5, 2, 2, 2]);
  });

  it('cyclical (R = 0.5): rises over the first half of each period, beta for the second, 0 at each boundary', () => {
    const p4: BetaSchedule = { kind: 'cyclical', period: 4 };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((t) => betaAt(t, 1, p4))).toEqual([0, 0.5, 1, 1, 0, 0.5, 1, 1, 0]);
    // Odd period 5: tau = (s mod 5) / 5, beta * min(1, 2 tau).
    const p5: BetaSchedule = { kind: 'cyclical', period: 5 };
    assertClose([0, 1, 2, 3, 4, 5, 6, 10].map((t) => betaAt(t, 3, p5)), [0, 1.2, 2.4, 3, 3, 0, 1.2, 0], exact, 'period 5');
  });

  it('rejects degenerate schedules', () => {
    expect(() => betaAt(0, 1, { kind: 'linear', steps: 0 })).toThrow(/steps >= 1/);
    expect(() => betaAt(0, 1, { kind: 'cyclical', period: 1 })).toThrow(/period >= 2/);
    expect(() => betaAt(-2, 1, { kind: 'constant' })).toThrow(/step must be a whole number >= 0, got -2/);
  });
});

describe('parseLrSchedule / describeLrSchedule', () => {
  it('parses every form, with defaults every = 1000 and gamma = 0.1', () => {
    const cases: [string, LrSchedule][] = [
      ['constant', { kind: 'constant' }],
      ['cosine', { kind: 'cosine' }],
      ['step', { kind: 'step', every: 1000, gamma: 0.1 }],
      ['step:50', { kind: 'step', every: 50, gamma: 0.1 }],
      ['step:50:0.5', { kind: 'step', every: 50, gamma: 0.5 }],
      [' step:7:1e-2 ', { kind: 'step', every: 7, gamma: 0.01 }],
    ];
    for (const [text, schedule] of cases) {
      expect(parseLrSchedule(text)).toEqual(schedule);
      expect(parseLrSchedule(describeLrSchedule(schedule))).toEqual(schedule);
    }
    expect(['constant', 'cosine', 'step:50:0.5'].map((t) => describeLrSchedule(parseLrSchedule(t)))).toEqual(['constant', 'cosine', 'step:50:0.5']);
    expect(describeLrSchedule(parseLrSchedule('step'))).toBe('step:1000:0.1');
  });

  it('names the problem in one line', () => {
    expect(() => parseLrSchedule('x')).toThrow("--lr-schedule must be constant, cosine or step[:N[:GAMMA]], got 'x'");
    const bad: [string, RegExp][] = [
      ['', /must be constant, cosine or step/],
      ['cosine:3', /must be constant, cosine or step/],
      ['step:1:2:3', /must be constant, cosine or step/],
      ['Step', /must be constant, cosine or step/],
      ['step:0', /step:N needs N.*>= 1, got 'step:0'/],
      ['step:abc', /step:N needs N/],
      ['step:2.5', /step:N needs N/],
      ['step:', /step:N needs N/],
      ['step:5:0', /GAMMA.*> 0, got 'step:5:0'/],
      ['step:5:-1', /GAMMA/],
      ['step:5:', /GAMMA/],
      ['step:5:nan', /GAMMA/],
      ['step:5:Infinity', /GAMMA/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseLrSchedule(text), text).toThrow(message);
      expect(() => parseLrSchedule(text)).not.toThrow(/\n/);
    }
  });
});

describe('parseBetaSchedule / describeBetaSchedule', () => {
  it('parses every form and prints it back', () => {
    const cases: [string, BetaSchedule][] = [
      ['constant', { kind: 'constant' }],
      ['linear:100', { kind: 'linear', steps: 100 }],
      ['cyclical:200', { kind: 'cyclical', period: 200 }],
    ];
    for (const [text, schedule] of cases) {
      expect(parseBetaSchedule(text)).toEqual(schedule);
      expect(describeBetaSchedule(schedule)).toBe(text);
    }
  });

  it('names the problem in one line', () => {
    expect(() => parseBetaSchedule('x')).toThrow("--beta-schedule must be constant, linear:N or cyclical:N, got 'x'");
    const bad: [string, RegExp][] = [
      ['linear', /must be constant, linear:N or cyclical:N, got 'linear'/],
      ['cyclical', /must be constant/],
      ['constant:3', /must be constant/],
      ['linear:1:2', /must be constant/],
      ['linear:0', /linear:N needs N, the steps of the ramp, a whole number >= 1, got 'linear:0'/],
      ['linear:1.5', /linear:N needs N/],
      ['cyclical:1', /cyclical:N needs N, the steps of one period, a whole number >= 2, got 'cyclical:1'/],
      ['cyclical:-4', /cyclical:N needs N/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseBetaSchedule(text), text).toThrow(message);
      expect(() => parseBetaSchedule(text)).not.toThrow(/\n/);
    }
  });
});
