import type { TimeseriesData } from '../model/timeseries-live';
import { tickStep } from '../model/timeline-viewport';
import { formatNumber, formatTime } from '../ui/format';
import { hashName } from './colors';

/** The part of CanvasRenderingContext2D the time series chart draws with. */
export interface TimeseriesCanvas {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  font: string;
  textBaseline: CanvasTextBaseline;
  lineWidth: number;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  stroke(): void;
  fill(): void;
  save(): void;
  restore(): void;
  clip(): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
}

/** Ten colours that read apart (Tableau 10); more series get a colour from their name. */
export const SERIES_COLORS: readonly string[] = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#7f7f7f'];

export function seriesColor(index: number, name: string): string {
  return SERIES_COLORS[index] ?? `hsl(${hashName(name) % 360} 60% 45%)`;
}

export interface TimeseriesLayout {
  /** Plot area in CSS px within the canvas. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Time drawn across (ns since the session started). */
  t0: number;
  t1: number;
  /** Value at the top of the plot (the bottom is 0, or the smallest value when negative). */
  yMin: number;
  yMax: number;
}

export interface TimeseriesRenderInput {
  data: TimeseriesData;
  width: number;
  height: number;
  dpr?: number;
  /** Series (by name) not drawn. */
  hidden: ReadonlySet<string>;
  /** The selected range (shaded), and a range being brushed. */
  selection: { t0: number; t1: number } | null;
  brush: { t0: number; t1: number } | null;
  unit: string;
}

export interface TimeseriesDrawStats {
  windows: number;
  series: number;
  /** Line vertices drawn (at most about four per pixel column and series). */
  points: number;
  yMax: number;
}

const AXIS_LEFT = 52;
const AXIS_BOTTOM = 18;
const PAD_TOP = 16;
const PAD_RIGHT = 10;

/** A round step for about `count` ticks over `range`: 1, 2 or 5 × 10^k. */
export function niceStep(range: number, count = 4): number {
  if (!(range > 0)) return 1;
  const raw = range / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** Where the plot goes and what it spans, for drawing and for the pointer. */
export function timeseriesLayout(data: TimeseriesData, width: number, height: number, hidden: ReadonlySet<string>): TimeseriesLayout {
  const n = data.starts.length;
  const t0 = n > 0 ? data.starts[0]! : 0;
  const t1 = n > 0 ? Math.max(data.ends[n - 1]!, t0 + 1) : 1;
  let lo = 0;
  let hi = 0;
  for (const s of data.series) {
    if (hidden.has(s.name)) continue;
    for (const v of s.values) {
      if (v === null || !Number.isFinite(v)) continue;
      if (v > hi) hi = v;
      if (v < lo) lo = v;
    }
  }
  if (hi <= lo) hi = lo + 1;
  const step = niceStep(hi - lo);
  return {
    left: AXIS_LEFT, top: PAD_TOP, width: Math.max(width - AXIS_LEFT - PAD_RIGHT, 1), height: Math.max(height - PAD_TOP - AXIS_BOTTOM, 1),
    t0, t1, yMin: lo < 0 ? Math.floor(lo / step) * step : 0, yMax: Math.ceil(hi / step) * step,
  };
}

/** The window under time t (index), or -1. */
export function windowAt(data: TimeseriesData, t: number): number {
  let lo = 0;
  let hi = data.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (data.ends[mid]! <= t) lo = mid + 1;
    else if (data.starts[mid]! > t) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * Draws one line per visible series through the middle of each window, with gaps where a series
 * has no value. When there are more windows than pixels, each pixel column draws the range of its
 * windows (first, min, max, last), so peaks stay visible and the cost follows the width. Few
 * windows get a dot on each value. Axes: times below, values on the left with the unit.
 */
export function renderTimeseries(ctx: TimeseriesCanvas, input: TimeseriesRenderInput): { stats: TimeseriesDrawStats; layout: TimeseriesLayout } {
  const { data, width, height, hidden } = input;
  const dpr = input.dpr ?? 1;
  const layout = timeseriesLayout(data, width, height, hidden);
  const { left, top, t0, t1, yMin, yMax } = layout;
  const pw = layout.width;
  const ph = layout.height;
  const kx = pw / (t1 - t0);
  const ky = ph / (yMax - yMin);
  const xOf = (t: number): number => left + (t - t0) * kx;
  const yOf = (v: number): number => top + ph - (v - yMin) * ky;
  const stats: TimeseriesDrawStats = { windows: data.starts.length, series: 0, points: 0, yMax };

  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);

  // Grid and value axis.
  const step = niceStep(yMax - yMin);
  ctx.strokeStyle = '#ecece8';
  ctx.lineWidth = 1;
  ctx.fillStyle = '#5f646a';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.beginPath();
  for (let v = yMin; v <= yMax + step / 2; v += step) {
    const y = Math.round(yOf(v)) + 0.5;
    ctx.moveTo(left, y);
    ctx.lineTo(left + pw, y);
    const label = formatNumber(Number(v.toPrecision(6)));
    ctx.fillText(label, left - 6 - ctx.measureText(label).width, y);
  }
  ctx.stroke();

  // Selection and brush.
  for (const [range, fill] of [[input.selection, 'rgb(179 64 15 / 0.12)'], [input.brush, 'rgb(179 64 15 / 0.22)']] as const) {
    if (!range) continue;
    const x0 = Math.max(xOf(range.t0), left);
    const x1 = Math.min(xOf(range.t1), left + pw);
    if (x1 <= x0) continue;
    ctx.fillStyle = fill;
    ctx.fillRect(x0, top, x1 - x0, ph);
    ctx.strokeStyle = 'rgb(179 64 15 / 0.7)';
    ctx.strokeRect(x0 + 0.5, top + 0.5, Math.max(x1 - x0 - 1, 0), ph - 1);
  }

  // Lines.
  const n = data.starts.length;
  const dense = n > pw;
  const dots = n > 0 && n <= pw / 10;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top - 2, pw, ph + 4);
  ctx.clip();
  // Hairlines: a wider stroke costs the rasteriser tens of times more (64 series of an hour took
  // seconds at 1.5 px in chromium without a GPU, ~0.1 s at 1 px).
  ctx.lineWidth = 1;
  data.series.forEach((s, si) => {
    if (hidden.has(s.name)) return;
    stats.series++;
    const color = seriesColor(si, s.name);
    ctx.strokeStyle = color;
    ctx.beginPath();
    let open = false;
    if (!dense) {
      for (let i = 0; i < n; i++) {
        const v = s.values[i];
        if (v === null || v === undefined || !Number.isFinite(v)) {
          open = false;
          continue;
        }
        const x = xOf((data.starts[i]! + data.ends[i]!) / 2);
        const y = yOf(v);
        if (open) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        open = true;
        stats.points++;
      }
    } else {
      // One pixel column at a time: its first, lowest, highest and last value.
      let col = -1;
      let first = 0;
      let min = 0;
      let max = 0;
      let last = 0;
      let has = false;
      const flush = (): void => {
        if (!has) return;
        const x = left + col + 0.5;
        if (open) ctx.lineTo(x, yOf(first));
        else ctx.moveTo(x, yOf(first));
        ctx.lineTo(x, yOf(min));
        ctx.lineTo(x, yOf(max));
        ctx.lineTo(x, yOf(last));
        open = true;
        stats.points += 4;
        has = false;
      };
      for (let i = 0; i < n; i++) {
        const v = s.values[i];
        const c = Math.floor(((data.starts[i]! + data.ends[i]!) / 2 - t0) * kx);
        if (c !== col) {
          flush();
          col = c;
        }
        if (v === null || v === undefined || !Number.isFinite(v)) {
          flush();
          open = false;
          continue;
        }
        if (!has) {
          first = min = max = v;
          has = true;
        } else {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        last = v;
      }
      flush();
    }
    ctx.stroke();
    if (dots) {
      ctx.fillStyle = color;
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const v = s.values[i];
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        const x = xOf((data.starts[i]! + data.ends[i]!) / 2);
        ctx.rect(x - 1.5, yOf(v) - 1.5, 3, 3);
      }
      ctx.fill();
    }
  });

  ctx.restore();

  // Frame and time axis.
  ctx.strokeStyle = '#c9c9c4';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left + 0.5, top);
  ctx.lineTo(left + 0.5, top + ph + 0.5);
  ctx.lineTo(left + pw, top + ph + 0.5);
  ctx.stroke();
  const tstep = tickStep(t1 - t0, pw, 110);
  ctx.fillStyle = '#5f646a';
  ctx.textBaseline = 'top';
  ctx.beginPath();
  for (let t = Math.ceil(t0 / tstep) * tstep; t <= t1; t += tstep) {
    const x = Math.round(xOf(t)) + 0.5;
    ctx.moveTo(x, top + ph);
    ctx.lineTo(x, top + ph + 4);
    const label = formatTime(t, t1 - t0);
    const w = ctx.measureText(label).width;
    if (x + w / 2 < width) ctx.fillText(label, Math.max(left, x - w / 2), top + ph + 5);
  }
  ctx.stroke();
  if (input.unit) {
    ctx.textBaseline = 'top';
    ctx.fillText(input.unit, 4, 2);
  }
  return { stats, layout };
}

/**
 * The pointer's window, drawn over a finished chart: a vertical guide and a mark on each visible
 * series' value. Cheap, so that hovering does not draw the lines again.
 */
export function renderTimeseriesHover(ctx: TimeseriesCanvas, data: TimeseriesData, layout: TimeseriesLayout, hidden: ReadonlySet<string>, t: number): void {
  const i = windowAt(data, t);
  if (i < 0) return;
  const { left, top, t0, t1, yMin, yMax } = layout;
  const x = left + ((data.starts[i]! + data.ends[i]!) / 2 - t0) * (layout.width / (t1 - t0));
  const yOf = (v: number): number => top + layout.height - (v - yMin) * (layout.height / (yMax - yMin));
  ctx.strokeStyle = 'rgb(0 0 0 / 0.35)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(Math.round(x) + 0.5, top);
  ctx.lineTo(Math.round(x) + 0.5, top + layout.height);
  ctx.stroke();
  data.series.forEach((s, si) => {
    const v = s.values[i];
    if (hidden.has(s.name) || v === null || v === undefined) return;
    ctx.fillStyle = seriesColor(si, s.name);
    ctx.fillRect(x - 3, yOf(v) - 3, 6, 6);
  });
}
