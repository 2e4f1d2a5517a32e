import type { FlameGraphWindows } from '../api/types';

/**
 * A model's per-window history (the time strip above a flame graph): one entry per collection
 * window, numbered by sequence. Live views bring the windows from `baseSeq` on; those before
 * `firstSeq` were dropped by the agent (memory budget) and are dropped here too.
 */
export class WindowSeries {
  /** Sequence number of `starts[0]`. */
  firstSeq = 1;
  starts: number[] = [];
  ends: number[] = [];
  totals: number[] = [];

  get count(): number {
    return this.starts.length;
  }

  /** Sequence number of the newest window held, or firstSeq - 1 when none. */
  get lastSeq(): number {
    return this.firstSeq + this.starts.length - 1;
  }

  /** Time covered: [first start, last end), or null. */
  get span(): { t0: number; t1: number } | null {
    return this.count === 0 ? null : { t0: this.starts[0]!, t1: this.ends[this.count - 1]! };
  }

  get max(): number {
    let m = 0;
    for (const t of this.totals) if (t > m) m = t;
    return m;
  }

  clear(): void {
    this.firstSeq = 1;
    this.starts = [];
    this.ends = [];
    this.totals = [];
  }

  /** Applies a live view's windows; false when they leave a gap after what is held. */
  apply(w: FlameGraphWindows, whole: boolean): boolean {
    const n = w.starts.length;
    if (w.ends.length !== n || w.totals.length !== n) return false;
    if (whole || this.count === 0) {
      this.firstSeq = w.baseSeq;
      this.starts = w.starts.slice();
      this.ends = w.ends.slice();
      this.totals = w.totals.slice();
      this.dropBefore(w.firstSeq);
      return true;
    }
    if (w.baseSeq > this.lastSeq + 1) return false;
    for (let i = 0; i < n; i++) {
      const seq = w.baseSeq + i;
      if (seq <= this.lastSeq) {
        if (seq >= this.firstSeq) this.totals[seq - this.firstSeq] = w.totals[i]!;
        continue;
      }
      this.starts.push(w.starts[i]!);
      this.ends.push(w.ends[i]!);
      this.totals.push(w.totals[i]!);
    }
    this.dropBefore(w.firstSeq);
    return true;
  }

  /** Number of trailing windows (newest first) whose total is zero. */
  trailingEmpty(): number {
    let k = 0;
    for (let i = this.count - 1; i >= 0 && this.totals[i] === 0; i--) k++;
    return k;
  }

  /** Index of the window covering time t (clamped), or -1 when empty. */
  indexAt(t: number): number {
    const n = this.count;
    if (n === 0) return -1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private dropBefore(firstSeq: number): void {
    if (firstSeq <= this.firstSeq) return;
    const k = Math.min(firstSeq - this.firstSeq, this.count);
    this.starts.splice(0, k);
    this.ends.splice(0, k);
    this.totals.splice(0, k);
    this.firstSeq = firstSeq;
  }
}
