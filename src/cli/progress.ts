// Training progress on stderr. On a terminal, cli-progress draws a live bar (epoch,
// step, loss, samples/s, ETA): it handles redraw throttling, terminal width and
// ETA smoothing, which is why it is used instead of hand-written escape codes. Off
// a terminal (CI, pipes) it prints one line per epoch instead of redraw noise.
import cliProgress from 'cli-progress';
import type { EpochMetrics, StepProgress } from '../train/trainer.js';
import { TTY_COLUMNS } from './launcher.js';

export class TrainingProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private started = false;

  constructor(private readonly epochs: number) {
    const stream = terminal();
    this.bar = stream
      ? new cliProgress.SingleBar(
          {
            stream,
            format: 'epoch {epoch}/{epochs} |{bar}| step {value}/{total} | loss {loss} | {rate} samples/s | ETA {eta_formatted}',
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  }

  step(p: StepProgress): void {
    if (!this.bar) return;
    const payload = { epoch: p.epoch, epochs: this.epochs, loss: Number.isNaN(p.loss) ? '...' : p.loss.toFixed(2), rate: p.samplesPerSecond.toFixed(0) };
    if (!this.started || p.step === 1) {
      if (this.started) this.bar.stop();
      this.bar.start(p.stepsPerEpoch, p.step, payload);
      this.started = true;
    } else this.bar.update(p.step, payload);
  }

  epoch(m: EpochMetrics): void {
    if (this.bar && this.started) {
      this.bar.stop();
      this.started = false;
    }
    process.stderr.write(
      `epoch ${m.epoch}/${this.epochs}: train ${m.train_loss.toFixed(2)}  test ${m.test_loss.toFixed(2)} ` +
        `(recon ${m.recon.toFixed(2)}, kl ${m.kl.toFixed(2)}) nats/image  ${m.samples_per_s.toFixed(0)} samples/s  ${m.seconds.toFixed(1)} s\n`,
    );
  }
}

/**
 * stderr when it is a terminal, or, in the child of src/cli/launcher.ts (whose stderr
 * is a pipe to a parent on a terminal), a stream that says so and writes through the pipe.
 */
function terminal(): NodeJS.WritableStream | null {
  if (process.stderr.isTTY) return process.stderr;
  const columns = Number(process.env[TTY_COLUMNS]);
  if (!(columns > 0)) return null;
  return Object.assign(Object.create(null) as object, { isTTY: true, columns, write: (s: string) => process.stderr.write(s) }) as unknown as NodeJS.WritableStream;
}
