import type { TimelineWindow } from '../api/types';
import type { Viewport } from '../model/timeline-viewport';
import { tickStep } from '../model/timeline-viewport';
import { formatTime } from '../ui/format';
import { hashName } from './colors';

/** The part of CanvasRenderingContext2D the timeline draws with. */
export interface TimelineCanvas {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  font: string;
  textBaseline: CanvasTextBaseline;
  lineWidth: number;
  globalAlpha: number;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  fill(): void;
  stroke(): void;
  save(): void;
  restore(): void;
  clip(): void;
  fillText(text: string, x: number, y: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
}

/** Thread states in fixed colours; span kinds of later layers get a colour from their name. */
export const STATE_COLORS: Readonly<Record<string, string>> = {
  running: '#3f9d57',
  runnable: '#e0a030',
  sleeping: '#c9d8ec',
  blocked: '#c8463c',
  other: '#b8b8b8',
};

export function stateColor(name: string): string {
  return STATE_COLORS[name] ?? `hsl(${hashName(name) % 360} 55% 62%)`;
}

export interface TimelineRow {
  id: string;
  label: string;
  detail: string;
}

export interface TimelineRenderInput {
  data: TimelineWindow | null;
  width: number;
  height: number;
  labelWidth: number;
  axisHeight: number;
  rowHeight: number;
  viewport: Viewport;
  rows: readonly TimelineRow[];
  rowIndex: ReadonlyMap<string, number>;
  /** Vertical scroll of the rows, in px. */
  scrollY: number;
  selection: Viewport | null;
  /** The slice shown in the details (outlined). */
  highlight: { track: string; start: number } | null;
  /** A track to point at (after jumping to a waker). */
  highlightTrack: string | null;
  /** Live edge (ns), drawn as a line when in view. */
  end: number | null;
}

export interface TimelineDrawStats {
  /** Slices in view. */
  slices: number;
  /** Rectangles drawn for them (touching neighbours of one state are one). */
  rects: number;
  instants: number;
  links: number;
  labels: number;
}

/** The first and last row (indices) at least partly visible. */
export function visibleRows(scrollY: number, plotHeight: number, rowHeight: number, rowCount: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollY / rowHeight));
  const last = Math.min(rowCount - 1, Math.floor((scrollY + plotHeight - 1) / rowHeight));
  return [first, last];
}

const INSTANT_H = 4;

// Scratch buffers reused across draws (no allocation per slice).
let scratchRects = new Float64Array(4096 * 4);
let scratchState = new Int32Array(4096);
let scratchTicks = new Float64Array(4096 * 2);
let scratchLinks = new Float64Array(1024 * 4);

function ensureScratch(rects: number, ticks: number, links: number): void {
  if (scratchState.length < rects) {
    const size = Math.max(rects, scratchState.length * 2);
    const r = new Float64Array(size * 4);
    r.set(scratchRects);
    scratchRects = r;
    const st = new Int32Array(size);
    st.set(scratchState);
    scratchState = st;
  }
  if (scratchTicks.length < ticks * 2) {
    const t = new Float64Array(Math.max(ticks * 2, scratchTicks.length * 2));
    t.set(scratchTicks);
    scratchTicks = t;
  }
  if (scratchLinks.length < links * 4) {
    const l = new Float64Array(Math.max(links * 4, scratchLinks.length * 2));
    l.set(scratchLinks);
    scratchLinks = l;
  }
}

function pushRect(count: number, state: number, x0: number, x1: number, y: number, h: number): number {
  const j = count * 4;
  scratchRects[j] = x0;
  scratchRects[j + 1] = y;
  scratchRects[j + 2] = x1 - x0;
  scratchRects[j + 3] = h;
  scratchState[count] = state;
  return count + 1;
}

/**
 * Draws a decimated window of timeline slices: one row per track, slices coloured by state and
 * batched by colour (one path and one fill per colour), CPU samples as ticks on top of their row,
 * wakeup links as arrows from the waker's row to the woken slice, then labels, the time axis, the
 * selection and the live edge. Cost follows what is in view.
 */
export function renderTimeline(ctx: TimelineCanvas, input: TimelineRenderInput): TimelineDrawStats {
  const { data, width, height, labelWidth, axisHeight, rowHeight, viewport, rows, rowIndex, scrollY } = input;
  const stats: TimelineDrawStats = { slices: 0, rects: 0, instants: 0, links: 0, labels: 0 };
  const plotX = labelWidth;
  const plotW = Math.max(width - labelWidth, 1);
  const plotH = Math.max(height - axisHeight, 1);
  const span = Math.max(viewport.t1 - viewport.t0, 1);
  const k = plotW / span;
  const xOf = (t: number): number => plotX + (t - viewport.t0) * k;
  const [firstRow, lastRow] = visibleRows(scrollY, plotH, rowHeight, rows.length);
  const rowTop = (r: number): number => axisHeight + r * rowHeight - scrollY;

  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  // Alternate row backgrounds.
  ctx.fillStyle = '#f7f7f4';
  ctx.beginPath();
  for (let r = firstRow; r <= lastRow; r++) if (r % 2 === 1) ctx.rect(plotX, rowTop(r), plotW, rowHeight);
  ctx.fill();
  if (input.highlightTrack !== null) {
    const r = rowIndex.get(input.highlightTrack);
    if (r !== undefined && r >= firstRow && r <= lastRow) {
      ctx.fillStyle = '#fff1c2';
      ctx.fillRect(0, rowTop(r), width, rowHeight);
    }
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(plotX, axisHeight, plotW, plotH);
  ctx.clip();

  if (data) {
    const strings = data.strings;
    const colorOf = strings.map((str) => stateColor(str));
    const sliceH = rowHeight - 6;
    const labels: { text: string; x: number; y: number; w: number }[] = [];
    let rects = 0;
    let ticks = 0;
    let links = 0;
    const left = plotX - 1;
    const right = plotX + plotW + 1;
    for (const track of data.tracks) {
      const r = rowIndex.get(track.id);
      if (r === undefined || r < firstRow || r > lastRow) continue;
      const y = rowTop(r) + 3;
      const s = track.slices;
      const starts = s.starts;
      const durations = s.durations;
      const states = s.states;
      const n = starts.length;
      ensureScratch(rects + n, ticks + (track.instants?.times.length ?? 0), links + n);
      // Slices are in time order: skip to the first that ends after the view starts.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! + durations[mid]! < viewport.t0) lo = mid + 1;
        else hi = mid;
      }
      // Neighbours of one state that touch within half a pixel are drawn as one rectangle.
      let runState = -1;
      let runX0 = 0;
      let runX1 = 0;
      for (let i = lo; i < n; i++) {
        const start = starts[i]!;
        if (start > viewport.t1) break;
        let x0 = plotX + (start - viewport.t0) * k;
        let x1 = x0 + durations[i]! * k;
        if (x0 < left) x0 = left;
        if (x1 > right) x1 = right;
        if (x1 - x0 < 0.75) x1 = x0 + 0.75;
        const state = states[i]!;
        stats.slices++;
        if (state === runState && x0 <= runX1 + 0.5) {
          if (x1 > runX1) runX1 = x1;
        } else {
          if (runState >= 0) rects = pushRect(rects, runState, runX0, runX1, y, sliceH);
          runState = state;
          runX0 = x0;
          runX1 = x1;
        }
        const label = s.labels[i]!;
        if (label >= 0 && x1 - x0 > 40) labels.push({ text: strings[label] ?? '', x: x0, y: y + sliceH / 2, w: x1 - x0 });
        const link = s.links[i];
        if (link) {
          const from = rowIndex.get(link.track);
          if (from !== undefined && from >= firstRow - 50 && from <= lastRow + 50) {
            const at = links * 4;
            scratchLinks[at] = xOf(link.time);
            scratchLinks[at + 1] = rowTop(from) + rowHeight / 2;
            scratchLinks[at + 2] = x0;
            scratchLinks[at + 3] = y + sliceH / 2;
            links++;
          }
        }
      }
      if (runState >= 0) rects = pushRect(rects, runState, runX0, runX1, y, sliceH);
      const inst = track.instants;
      if (inst) {
        const times = inst.times;
        const top = rowTop(r) + 0.5;
        for (let i = 0; i < times.length; i++) {
          const t = times[i]!;
          if (t < viewport.t0 || t > viewport.t1) continue;
          scratchTicks[ticks * 2] = xOf(t);
          scratchTicks[ticks * 2 + 1] = top;
          ticks++;
        }
      }
    }
    stats.instants = ticks;

    // Counting sort of the rectangles by state: one path and one fill per state.
    const stateCount = strings.length + 1;
    const counts = new Int32Array(stateCount + 1);
    for (let i = 0; i < rects; i++) counts[Math.min(scratchState[i]!, stateCount - 1) + 1]!++;
    for (let c = 0; c < stateCount; c++) counts[c + 1]! += counts[c]!;
    const order = new Int32Array(rects);
    const fill = counts.slice(0, stateCount);
    for (let i = 0; i < rects; i++) order[fill[Math.min(scratchState[i]!, stateCount - 1)]!++] = i;
    for (let c = 0; c < stateCount; c++) {
      const from = counts[c]!;
      const to = counts[c + 1]!;
      if (from === to) continue;
      ctx.fillStyle = colorOf[c] ?? '#999';
      ctx.beginPath();
      for (let k2 = from; k2 < to; k2++) {
        const j = order[k2]! * 4;
        const w = scratchRects[j + 2]!;
        ctx.rect(scratchRects[j]!, scratchRects[j + 1]!, w > 2.5 ? w - 0.5 : w, scratchRects[j + 3]!);
      }
      ctx.fill();
    }
    stats.rects = rects;
    if (ticks > 0) {
      ctx.fillStyle = '#1d3f6e';
      ctx.beginPath();
      for (let i = 0; i < ticks; i++) ctx.rect(scratchTicks[i * 2]! - 0.5, scratchTicks[i * 2 + 1]!, 1, INSTANT_H);
      ctx.fill();
    }
    if (labels.length) {
      ctx.fillStyle = '#1b1b1b';
      ctx.font = '10px ui-monospace, "DejaVu Sans Mono", monospace';
      ctx.textBaseline = 'middle';
      for (const l of labels) {
        const fit = Math.floor((l.w - 6) / 6.1);
        if (fit < 3) continue;
        ctx.fillText(l.text.length > fit ? `${l.text.slice(0, fit - 1)}…` : l.text, Math.max(l.x, plotX) + 3, l.y);
        stats.labels++;
      }
    }
    if (links > 0) {
      ctx.strokeStyle = 'rgb(120 40 160 / 0.85)';
      ctx.fillStyle = 'rgb(120 40 160 / 0.85)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let i = 0; i < links * 4; i += 4) {
        ctx.moveTo(scratchLinks[i]!, scratchLinks[i + 1]!);
        ctx.lineTo(scratchLinks[i + 2]!, scratchLinks[i + 3]!);
      }
      ctx.stroke();
      ctx.beginPath();
      for (let i = 0; i < links * 4; i += 4) arrowHead(ctx, scratchLinks[i]!, scratchLinks[i + 1]!, scratchLinks[i + 2]!, scratchLinks[i + 3]!);
      ctx.fill();
      stats.links = links;
    }
  }

  if (input.highlight) {
    const r = rowIndex.get(input.highlight.track);
    if (r !== undefined && r >= firstRow && r <= lastRow) {
      const x = xOf(input.highlight.start);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, rowTop(r) + 1);
      ctx.lineTo(x, rowTop(r) + rowHeight - 1);
      ctx.stroke();
    }
  }
  if (input.selection) {
    const x0 = Math.max(xOf(input.selection.t0), plotX);
    const x1 = Math.min(xOf(input.selection.t1), plotX + plotW);
    if (x1 > x0) {
      ctx.fillStyle = 'rgb(179 64 15 / 0.14)';
      ctx.fillRect(x0, axisHeight, x1 - x0, plotH);
      ctx.strokeStyle = 'rgb(179 64 15 / 0.8)';
      ctx.lineWidth = 1;
      ctx.strokeRect(x0 + 0.5, axisHeight + 0.5, x1 - x0 - 1, plotH - 1);
    }
  }
  if (input.end !== null && input.end >= viewport.t0 && input.end <= viewport.t1) {
    const x = xOf(input.end);
    ctx.strokeStyle = '#b3400f';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x + 0.5, axisHeight);
    ctx.lineTo(x + 0.5, height);
    ctx.stroke();
  }
  ctx.restore();

  // Track labels.
  ctx.fillStyle = '#fafaf8';
  ctx.fillRect(0, axisHeight, labelWidth, plotH);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (let r = firstRow; r <= lastRow; r++) {
    const row = rows[r]!;
    const y = rowTop(r) + rowHeight / 2;
    ctx.fillStyle = '#1d1f21';
    ctx.fillText(fitText(row.label, labelWidth - 8, 6.2), 4, y - 5);
    ctx.fillStyle = '#6a6f75';
    ctx.fillText(fitText(row.detail, labelWidth - 8, 6.2), 4, y + 6);
  }
  ctx.strokeStyle = '#dcdcd8';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(labelWidth - 0.5, axisHeight);
  ctx.lineTo(labelWidth - 0.5, height);
  ctx.stroke();

  // Time axis.
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, axisHeight);
  const step = tickStep(span, plotW);
  ctx.strokeStyle = '#c9c9c4';
  ctx.fillStyle = '#4a4f55';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.beginPath();
  for (let t = Math.ceil(viewport.t0 / step) * step; t <= viewport.t1; t += step) {
    const x = xOf(t);
    ctx.moveTo(x + 0.5, axisHeight - 6);
    ctx.lineTo(x + 0.5, axisHeight);
    ctx.fillText(formatTime(t, span), x + 3, axisHeight / 2 - 2);
  }
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(0, axisHeight - 0.5);
  ctx.lineTo(width, axisHeight - 0.5);
  ctx.stroke();
  return stats;
}

function arrowHead(ctx: TimelineCanvas, x0: number, y0: number, x1: number, y1: number): void {
  const a = Math.atan2(y1 - y0, x1 - x0);
  const size = 5;
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - size * Math.cos(a - 0.45), y1 - size * Math.sin(a - 0.45));
  ctx.lineTo(x1 - size * Math.cos(a + 0.45), y1 - size * Math.sin(a + 0.45));
  ctx.lineTo(x1, y1);
}

function fitText(text: string, width: number, charW: number): string {
  const fit = Math.floor(width / charW);
  return text.length > fit ? `${text.slice(0, Math.max(fit - 1, 0))}…` : text;
}

/** The slice of `trackId` under time t within `tolerance` ns, as an index, or -1. */
export function sliceAt(data: TimelineWindow | null, trackId: string, t: number, tolerance: number): number {
  const track = data?.tracks.find((tr) => tr.id === trackId);
  if (!track) return -1;
  const s = track.slices;
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < s.starts.length; i++) {
    const a = s.starts[i]!;
    const b = a + s.durations[i]!;
    const d = t < a ? a - t : t > b ? t - b : 0;
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
    if (a > t + tolerance) break;
  }
  return bestDist <= tolerance ? best : -1;
}
