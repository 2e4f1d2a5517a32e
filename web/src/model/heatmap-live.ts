import type { HeatmapView } from '../api/types';
import { isObject, type ApplyResult, type LiveModel } from '../live/live-model';

export function isHeatmapView(v: unknown): v is HeatmapView {
  if (!isObject(v) || !Array.isArray(v['bounds']) || !isObject(v['columns'])) return false;
  const c = v['columns'];
  return Array.isArray(c['starts']) && Array.isArray(c['ends']) && Array.isArray(c['counts'])
    && c['starts'].length === c['ends'].length && c['starts'].length === c['counts'].length;
}

/** Heatmap columns held by the client: one log2 histogram per window, numbered by sequence. */
export interface HeatmapColumns {
  unit: string;
  bounds: number[];
  firstSeq: number;
  starts: number[];
  ends: number[];
  counts: number[][];
}

/** The largest count of any cell. */
export function heatmapMax(columns: HeatmapColumns): number {
  let m = 0;
  for (const col of columns.counts) for (const c of col) if (c > m) m = c;
  return m;
}

/**
 * A latency heatmap kept live: columns from `baseSeq` are new, those before `firstSeq` were dropped
 * by the agent. Overlapping columns (after a resync) take the newer counts.
 */
export class HeatmapLive implements LiveModel, HeatmapColumns {
  unit = '';
  bounds: number[] = [];
  firstSeq = 1;
  starts: number[] = [];
  ends: number[] = [];
  counts: number[][] = [];
  max = 0;
  version = 0;
  revision = 0;

  get lastSeq(): number {
    return this.firstSeq + this.starts.length - 1;
  }

  apply(view: unknown): ApplyResult {
    if (!isHeatmapView(view)) return 'resync';
    const v = view;
    const whole = v.baseSeq <= v.firstSeq;
    const sameBounds = v.bounds.length === this.bounds.length && v.bounds.every((b, i) => b === this.bounds[i]);
    const cols = v.columns;
    if (this.starts.length === 0 || !sameBounds) {
      // Only a whole view can start the model (or replace it when the buckets changed).
      if (!whole) return 'resync';
      this.bounds = v.bounds.slice();
      this.firstSeq = v.baseSeq;
      this.starts = cols.starts.slice();
      this.ends = cols.ends.slice();
      this.counts = cols.counts.map((c) => c.slice());
    } else {
      if (v.version < this.version) return 'stale';
      if (v.baseSeq > this.lastSeq + 1) return 'resync';
      for (let i = 0; i < cols.starts.length; i++) {
        const seq = v.baseSeq + i;
        if (seq < this.firstSeq) continue;
        if (seq <= this.lastSeq) {
          this.counts[seq - this.firstSeq] = cols.counts[i]!.slice();
          continue;
        }
        this.starts.push(cols.starts[i]!);
        this.ends.push(cols.ends[i]!);
        this.counts.push(cols.counts[i]!.slice());
      }
    }
    if (v.firstSeq > this.firstSeq) {
      const k = Math.min(v.firstSeq - this.firstSeq, this.starts.length);
      this.starts.splice(0, k);
      this.ends.splice(0, k);
      this.counts.splice(0, k);
      this.firstSeq = v.firstSeq;
    }
    this.unit = v.unit;
    this.version = v.version;
    this.max = heatmapMax(this);
    this.revision++;
    return 'applied';
  }

  clear(): void {
    this.bounds = [];
    this.firstSeq = 1;
    this.starts = [];
    this.ends = [];
    this.counts = [];
    this.max = 0;
    this.version = 0;
    this.revision++;
  }
}

/** The columns of a range query (`?t0&t1`), in the same shape. */
export function columnsOf(view: HeatmapView): HeatmapColumns {
  return { unit: view.unit, bounds: view.bounds, firstSeq: view.firstSeq, starts: view.columns.starts, ends: view.columns.ends, counts: view.columns.counts };
}
