// The Train card: the settings controls, start/pause/reset, the live numbers, the
// two loss charts and the per-epoch table. It only displays; app.ts connects it to
// the session.
import type { EpochMetrics, StepProgress, VaeConfig } from '../src/index.js';
import { LineChart } from './chart.js';
import { byId, formatNumber } from './dom.js';
import type { ModelSettings, OptimSettings } from './session.js';

export class TrainingPanel {
  readonly start = byId('start', HTMLButtonElement);
  readonly pause = byId('pause', HTMLButtonElement);
  readonly reset = byId('reset', HTMLButtonElement);
  private readonly hidden = byId('hidden', HTMLSelectElement);
  private readonly latent = byId('latent', HTMLSelectElement);
  private readonly beta = byId('beta', HTMLInputElement);
  private readonly lr = byId('lr', HTMLSelectElement);
  private readonly batch = byId('batch', HTMLSelectElement);
  private readonly table = byId('metrics', HTMLTableElement).tBodies[0];
  private readonly stat = {
    epoch: byId('stat-epoch', HTMLElement),
    step: byId('stat-step', HTMLElement),
    loss: byId('stat-loss', HTMLElement),
    rate: byId('stat-rate', HTMLElement),
  };
  private readonly loss = new LineChart(byId('loss-chart', HTMLCanvasElement), 'Loss per image (nats) by epoch', [
    { name: 'train batches', color: '#94a3b8', thin: true, points: [] },
    { name: 'train', color: '#2563eb', points: [] },
    { name: 'test', color: '#dc2626', points: [] },
    { name: 'test recon', color: '#f59e0b', points: [] },
  ]);
  private readonly kl = new LineChart(byId('kl-chart', HTMLCanvasElement), 'Test KL divergence per image (nats) by epoch', [{ name: 'test KL', color: '#7c3aed', points: [] }]);
  private lastBatchLoss = NaN;

  modelSettings(): ModelSettings {
    const beta = Number(this.beta.value);
    if (this.beta.value.trim() === '' || !Number.isFinite(beta) || beta < 0) throw new Error(`β must be a number >= 0, got '${this.beta.value}'; 1 is the standard VAE`);
    return { hidden: Number(this.hidden.value), latent: Number(this.latent.value), beta };
  }

  optimSettings(): OptimSettings {
    return { lr: Number(this.lr.value), batchSize: Number(this.batch.value) };
  }

  /** Shows a loaded model's settings in the controls (adding an option the lists lack). */
  showModel(config: VaeConfig): void {
    setSelect(this.hidden, config.hidden[0]);
    setSelect(this.latent, config.latent);
    this.beta.value = String(config.beta);
  }

  /** A new model: the charts and table start again from its epoch-0 test loss. */
  newModel(initial: EpochMetrics): void {
    this.loss.clear();
    this.kl.clear();
    this.table.replaceChildren();
    this.lastBatchLoss = NaN;
    this.epoch(initial);
    this.stat.epoch.textContent = '0';
    this.stat.step.textContent = this.stat.loss.textContent = this.stat.rate.textContent = '–';
  }

  step(p: StepProgress): void {
    this.stat.epoch.textContent = String(p.epoch);
    this.stat.step.textContent = `${p.step} / ${p.stepsPerEpoch}`;
    // Each epoch starts with no loss read yet (NaN, rate 0): keep showing the last ones.
    if (p.samplesPerSecond > 0) this.stat.rate.textContent = formatNumber(p.samplesPerSecond, 0);
    // Only losses newly read back make points; onStep repeats the last one in between.
    if (Number.isFinite(p.loss) && p.loss !== this.lastBatchLoss) {
      this.stat.loss.textContent = formatNumber(p.loss);
      this.lastBatchLoss = p.loss;
      this.loss.add('train batches', p.epoch - 1 + p.step / p.stepsPerEpoch, p.loss);
    }
  }

  epoch(m: EpochMetrics): void {
    this.loss.add('train', m.epoch, m.train_loss);
    this.loss.add('test', m.epoch, m.test_loss);
    this.loss.add('test recon', m.epoch, m.recon);
    this.kl.add('test KL', m.epoch, m.kl);
    const row = this.table.insertRow(0);
    row.dataset.epoch = String(m.epoch);
    row.dataset.testLoss = String(m.test_loss);
    for (const v of [String(m.epoch), formatNumber(m.train_loss, 2), formatNumber(m.test_loss, 2), formatNumber(m.recon, 2), formatNumber(m.kl, 2), formatNumber(m.samples_per_s, 0)]) {
      row.insertCell().textContent = v;
    }
  }
}

function setSelect(select: HTMLSelectElement, value: number): void {
  if (![...select.options].some((o) => Number(o.value) === value)) select.add(new Option(String(value)));
  select.value = String(value);
}
