/**
 * A progress bar on stderr for long work. It draws only on a terminal, so scripts and `--json`
 * consumers see clean output.
 */
export class Progress {
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    stream: NodeJS.WriteStream = process.stderr,
    private readonly out: NodeJS.WriteStream = stream,
  ) {
    this.enabled = Boolean(stream.isTTY) && total > 0;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 80 && done < this.total) return;
    this.lastDraw = now;
    const frac = Math.min(1, done / this.total);
    const width = 30;
    const filled = Math.round(frac * width);
    this.out.write(
      `\r${this.label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%`,
    );
  }

  done(): void {
    if (!this.enabled) return;
    this.update(this.total);
    this.out.write('\n');
  }
}
