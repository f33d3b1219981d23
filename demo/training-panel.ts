// The Train card: the settings controls (the model selector among them),
// start/pause/reset, the live numbers, the two loss charts and the per-epoch table.
// It only displays; app.ts connects it to the session.
import type { DenseConfig, EpochMetrics, StepProgress } from '../src/index.js';
import { LineChart } from './chart.js';
import { byId, formatNumber } from './dom.js';
import { FAMILIES, familyOf, isFamily, type Family, type ModelSettings } from './family.js';
import type { OptimSettings } from './session.js';

export class TrainingPanel {
  readonly start = byId('start', HTMLButtonElement);
  readonly pause = byId('pause', HTMLButtonElement);
  readonly reset = byId('reset', HTMLButtonElement);
  /** The model selector; app.ts rebuilds the model when it changes. */
  readonly family = byId('family', HTMLSelectElement);
  private readonly about = byId('family-about', HTMLElement);
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

  constructor() {
    this.family.replaceChildren(...Object.entries(FAMILIES).map(([value, f]) => new Option(f.label, value)));
    // A new choice starts from its preset β (the β-VAE's 4); β stays editable.
    this.family.addEventListener('change', () => this.showFamily(this.selectedFamily(), true));
    this.showFamily('vae', true);
  }

  modelSettings(): ModelSettings {
    const beta = Number(this.beta.value);
    const family = this.selectedFamily();
    if (FAMILIES[family].beta !== null && (this.beta.value.trim() === '' || !Number.isFinite(beta) || beta < 0)) {
      throw new Error(`β must be a number >= 0, got '${this.beta.value}'; 1 is the standard VAE`);
    }
    return { family, hidden: Number(this.hidden.value), latent: Number(this.latent.value), beta };
  }

  optimSettings(): OptimSettings {
    return { lr: Number(this.lr.value), batchSize: Number(this.batch.value) };
  }

  /** Shows a loaded model's settings in the controls (adding an option the lists lack). */
  showModel(config: DenseConfig): void {
    setSelect(this.hidden, config.hidden[0]);
    setSelect(this.latent, config.latent);
    this.showFamily(familyOf(config), false);
    if (config.kind !== 'ae') this.beta.value = String(config.beta);
  }

  private selectedFamily(): Family {
    const v = this.family.value;
    if (!isFamily(v)) throw new Error(`unknown model '${v}' in the selector`);
    return v;
  }

  private showFamily(family: Family, preset: boolean): void {
    const f = FAMILIES[family];
    this.family.value = family;
    this.about.textContent = f.about;
    this.beta.disabled = f.beta === null;
    if (f.beta === null) this.beta.value = '0';
    else if (preset) this.beta.value = String(f.beta);
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
