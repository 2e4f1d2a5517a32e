import type { TimeRange } from '../api/types';

/**
 * The selected time range shared by every panel of the workspace (ns since the session started):
 * brushed on a flame graph's time strip or selected on the timeline, it makes flame graphs,
 * histograms and breakdowns answer for that range. null: the live view.
 */
export class SelectionStore {
  private value: TimeRange | null = null;
  private readonly listeners = new Set<(range: TimeRange | null) => void>();

  get range(): TimeRange | null {
    return this.value;
  }

  set(range: TimeRange | null): void {
    const next = normalizeRange(range);
    if (sameRange(next, this.value)) return;
    this.value = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  subscribe(listener: (range: TimeRange | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Whole ns, t0 < t1, or null. */
export function normalizeRange(range: TimeRange | null): TimeRange | null {
  if (!range) return null;
  let t0 = Math.round(Math.min(range.t0, range.t1));
  const t1 = Math.round(Math.max(range.t0, range.t1));
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) return null;
  if (t0 < 0) t0 = 0;
  return t1 > t0 ? { t0, t1 } : null;
}

export function sameRange(a: TimeRange | null, b: TimeRange | null): boolean {
  return a === b || (a !== null && b !== null && a.t0 === b.t0 && a.t1 === b.t1);
}
