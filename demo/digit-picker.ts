// The digit picker: ten toggle buttons, live for a conditional model. The digit picked
// is the label of everything the page decodes from the prior or from a free latent
// point (the samples and the latent map); decodes of a test digit use its own label.
// An unconditional model ignores labels, so callers may pass the digit regardless.

export class DigitPicker {
  digit = 0;
  private readonly buttons: HTMLButtonElement[];

  constructor(
    private readonly fieldset: HTMLFieldSetElement,
    private readonly note: HTMLElement,
    /** Called when another digit is picked. */
    onPick: (digit: number) => void,
  ) {
    const row = document.createElement('div');
    row.className = 'digits';
    this.buttons = Array.from({ length: 10 }, (_, d) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = String(d);
      b.dataset.digit = String(d);
      b.addEventListener('click', () => {
        if (d === this.digit) return;
        this.digit = d;
        this.show();
        onPick(d);
      });
      return b;
    });
    row.append(...this.buttons);
    fieldset.append(row);
    this.show();
  }

  /** Enables the picker for a model conditioned on `classes` classes (0: not conditional). */
  setClasses(classes: number): void {
    this.fieldset.disabled = classes === 0;
    this.buttons.forEach((b, d) => (b.hidden = classes > 0 && d >= classes));
    if (classes > 0 && this.digit >= classes) this.digit = 0;
    this.note.textContent =
      classes > 0
        ? 'The samples and the latent map decode as this digit: the same latent points, another label.'
        : 'Needs a conditional VAE: choose it under Model.';
    this.show();
  }

  /** The picked digit, once per row. */
  labels(n: number): number[] {
    return new Array(n).fill(this.digit);
  }

  private show(): void {
    this.buttons.forEach((b, d) => b.setAttribute('aria-pressed', String(d === this.digit)));
    this.fieldset.dataset.digit = String(this.digit);
  }
}
