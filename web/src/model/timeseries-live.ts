import type { TimeseriesView } from '../api/types';
import { isObject, type ApplyResult, type LiveModel } from '../live/live-model';

export function isTimeseriesView(v: unknown): v is TimeseriesView {
  if (!isObject(v) || !Array.isArray(v['starts']) || !Array.isArray(v['ends']) || !Array.isArray(v['series'])) return false;
  const n = v['starts'].length;
  return v['ends'].length === n
    && v['series'].every((s: unknown) => isObject(s) && typeof s['name'] === 'string' && Array.isArray(s['values']) && s['values'].length === n);
}

/** One named series: a value per window (null where it has none). */
export interface Series {
  name: string;
  label: string;
  values: (number | null)[];
}

/** Windows and series as a panel draws them (the live model, or a range answer). */
export interface TimeseriesData {
  unit: string;
  firstSeq: number;
  starts: number[];
  ends: number[];
  series: Series[];
  droppedWindows: number;
}

/**
 * A time series model kept live: windows from `baseSeq` are new, those before `firstSeq` were
 * dropped by the agent (memory budget). Series are matched by name; one that appears later is
 * null before it, one missing from a change is null in its windows. Overlapping windows (after a
 * resync) take the newer values.
 */
export class TimeseriesLive implements LiveModel, TimeseriesData {
  unit = '';
  firstSeq = 1;
  starts: number[] = [];
  ends: number[] = [];
  series: Series[] = [];
  droppedWindows = 0;
  version = 0;
  revision = 0;

  get lastSeq(): number {
    return this.firstSeq + this.starts.length - 1;
  }

  apply(view: unknown): ApplyResult {
    if (!isTimeseriesView(view)) return 'resync';
    const v = view;
    if (this.starts.length === 0) {
      // Only a whole view (or one that starts where the history starts) can start the model.
      if (v.baseSeq > v.firstSeq) return 'resync';
      this.firstSeq = v.baseSeq;
    } else {
      if (v.version < this.version) return 'stale';
      if (v.baseSeq > this.lastSeq + 1) return 'resync';
    }
    for (let i = 0; i < v.starts.length; i++) {
      const seq = v.baseSeq + i;
      if (seq < this.firstSeq) continue;
      let at = seq - this.firstSeq;
      if (at >= this.starts.length) {
        at = this.starts.length;
        this.starts.push(v.starts[i]!);
        this.ends.push(v.ends[i]!);
        for (const s of this.series) s.values.push(null);
      }
      for (const s of v.series) this.seriesOf(s.name, s.label).values[at] = s.values[i] ?? null;
    }
    if (v.firstSeq > this.firstSeq) {
      const k = Math.min(v.firstSeq - this.firstSeq, this.starts.length);
      this.starts.splice(0, k);
      this.ends.splice(0, k);
      for (const s of this.series) s.values.splice(0, k);
      this.firstSeq = v.firstSeq;
    }
    this.unit = v.unit;
    this.version = v.version;
    this.droppedWindows = v.droppedWindows ?? this.droppedWindows;
    this.revision++;
    return 'applied';
  }

  clear(): void {
    this.firstSeq = 1;
    this.starts = [];
    this.ends = [];
    this.series = [];
    this.version = 0;
    this.droppedWindows = 0;
    this.revision++;
  }

  private seriesOf(name: string, label: string | null | undefined): Series {
    let s = this.series.find((x) => x.name === name);
    if (!s) {
      s = { name, label: label || name, values: new Array<number | null>(this.starts.length).fill(null) };
      this.series.push(s);
    } else if (label) {
      s.label = label;
    }
    return s;
  }
}

/** A range answer (`?t0&t1`) in the same shape. */
export function timeseriesOf(view: TimeseriesView): TimeseriesData {
  return {
    unit: view.unit, firstSeq: view.firstSeq, starts: view.starts, ends: view.ends, droppedWindows: view.droppedWindows ?? 0,
    series: view.series.map((s) => ({ name: s.name, label: s.label || s.name, values: s.values })),
  };
}

/** Per series: mean, max and last value over windows overlapping [t0, t1) (null bounds: all). */
export function seriesStats(data: TimeseriesData, t0: number | null, t1: number | null): { name: string; mean: number | null; max: number | null; last: number | null }[] {
  let lo = 0;
  let hi = data.starts.length;
  if (t0 !== null) while (lo < hi && data.ends[lo]! <= t0) lo++;
  if (t1 !== null) while (hi > lo && data.starts[hi - 1]! >= t1) hi--;
  return data.series.map((s) => {
    let sum = 0;
    let n = 0;
    let max: number | null = null;
    let last: number | null = null;
    for (let i = lo; i < hi; i++) {
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      sum += v;
      n++;
      if (max === null || v > max) max = v;
      last = v;
    }
    return { name: s.name, mean: n > 0 ? sum / n : null, max, last };
  });
}
