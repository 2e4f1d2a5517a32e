import type { HeatmapColumns } from '../model/heatmap-live';
import type { Canvas2D } from './flamegraph-renderer';

export const HEAT_STEPS = 24;

/** White → yellow → orange → red → dark red, by intensity step (0 = empty). */
export const HEAT: readonly string[] = Array.from({ length: HEAT_STEPS + 1 }, (_, i) => {
  if (i === 0) return '#ffffff';
  const t = i / HEAT_STEPS;
  const hue = Math.round(55 - 55 * t);
  const light = Math.round(88 - 50 * t);
  return `hsl(${hue} 90% ${light}%)`;
});

/** Colour step of a cell: log scale, so that rare slow events stay visible next to many fast ones. */
export function heatStep(count: number, max: number): number {
  if (!(count > 0) || !(max > 0)) return 0;
  return Math.max(1, Math.min(HEAT_STEPS, Math.ceil((Math.log1p(count) / Math.log1p(max)) * HEAT_STEPS)));
}

export interface HeatmapLayout {
  width: number;
  height: number;
  /** Time span drawn (ns since the session started). */
  t0: number;
  t1: number;
  /** Buckets drawn, lowest at the bottom. */
  lo: number;
  hi: number;
}

/** The span of buckets with any count, or the whole range when empty. */
export function heatmapBuckets(columns: HeatmapColumns): [number, number] {
  let lo = Infinity;
  let hi = -1;
  for (const col of columns.counts) {
    for (let b = 0; b < col.length; b++) {
      if (col[b]! > 0) {
        if (b < lo) lo = b;
        if (b > hi) hi = b;
      }
    }
  }
  return hi < 0 ? [0, Math.max(columns.bounds.length - 1, 0)] : [lo, hi];
}

/** Cell under (x, y), or null. */
export function heatmapCellAt(columns: HeatmapColumns, layout: HeatmapLayout, x: number, y: number): { column: number; bucket: number } | null {
  const { width, height, t0, t1, lo, hi } = layout;
  if (x < 0 || y < 0 || x >= width || y >= height || t1 <= t0) return null;
  const t = t0 + (x / width) * (t1 - t0);
  const rows = hi - lo + 1;
  const bucket = lo + Math.floor(((height - y) / height) * rows);
  for (let c = 0; c < columns.starts.length; c++) {
    if (t >= columns.starts[c]! && t < columns.ends[c]!) return { column: c, bucket: Math.min(bucket, hi) };
  }
  return null;
}

/** Draws the cells batched by colour step (one fill per step). */
export function renderHeatmap(ctx: Canvas2D, columns: HeatmapColumns, layout: HeatmapLayout, max: number): number {
  const { width, height, t0, t1, lo, hi } = layout;
  const rows = hi - lo + 1;
  const rowH = height / rows;
  const k = t1 > t0 ? width / (t1 - t0) : 0;
  const batches: number[][] = Array.from({ length: HEAT_STEPS + 1 }, () => []);
  let cells = 0;
  for (let c = 0; c < columns.starts.length; c++) {
    const x0 = (columns.starts[c]! - t0) * k;
    const x1 = (columns.ends[c]! - t0) * k;
    if (x1 < 0 || x0 > width) continue;
    const col = columns.counts[c]!;
    for (let b = lo; b <= hi; b++) {
      const step = heatStep(col[b] ?? 0, max);
      if (step === 0) continue;
      batches[step]!.push(x0, height - (b - lo + 1) * rowH, Math.max(x1 - x0, 1), rowH);
      cells++;
    }
  }
  ctx.fillStyle = HEAT[0]!;
  ctx.beginPath();
  ctx.rect(0, 0, width, height);
  ctx.fill();
  for (let s = 1; s <= HEAT_STEPS; s++) {
    const b = batches[s]!;
    if (b.length === 0) continue;
    ctx.fillStyle = HEAT[s]!;
    ctx.beginPath();
    for (let i = 0; i < b.length; i += 4) ctx.rect(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);
    ctx.fill();
  }
  return cells;
}
