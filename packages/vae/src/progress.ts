/**
 * A progress bar for one epoch: examples done, examples/s, loss so far, ETA. On a terminal it
 * redraws one line; elsewhere (a pipe, a CI log) it prints a plain line at every fifth of the epoch.
 */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class Progress {
  private readonly start = performance.now();
  private done = 0;
  private lastReported = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream,
  ) {}

  /** Records `n` more examples with the running per-example loss. */
  tick(n: number, loss: number): void {
    this.done += n;
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = this.done / Math.max(elapsed, 1e-9);
    const eta = (this.total - this.done) / rate;
    const stats = `${this.done}/${this.total}  ${rate.toFixed(0)} ex/s  loss ${loss.toFixed(2)}  ETA ${formatSeconds(eta)}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round((width * this.done) / this.total);
      const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${stats}`;
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
    } else {
      const fifth = Math.floor((5 * this.done) / this.total);
      if (fifth > this.lastReported && this.done < this.total) {
        this.lastReported = fifth;
        this.stream.write(`${this.label} ${stats}\n`);
      }
    }
  }

  /** Clears the bar (on a terminal) so the epoch's summary line can take its place. */
  finish(): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.round(s);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
