import type { TimelineWindow } from '../api/types';
import { rowBands } from '../model/timeline-spans';
import type { Viewport } from '../model/timeline-viewport';
import { tickStep } from '../model/timeline-viewport';
import { formatTime } from '../ui/format';
import { activityColor, hashName, hslToHex } from './colors';
import { paintLanes } from './timeline-lanes';

/** Pixels the timeline writes directly (the slices): what createImageData gives. */
export interface PixelImage {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

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
  createImageData(width: number, height: number): PixelImage;
  putImageData(image: PixelImage, dx: number, dy: number): void;
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
  return STATE_COLORS[name] ?? hslToHex(hashName(name) % 360, 55, 62);
}

/** A thread's colour on a CPU track (from its name and tid: `worker (1234)`), green-free and mid-light. */
export function threadColor(label: string): string {
  const hue = (hashName(label) % 280 + 170) % 360;
  return hslToHex(hue, 50, 60);
}

/** `#rrggbb` as a pixel of a little-endian Uint32 view of ImageData (0xAABBGGRR), opaque. */
export function pixelOf(hex: string): number {
  const v = Number.parseInt(hex.slice(1, 7), 16) || 0;
  return (0xff000000 | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
}

const WHITE = pixelOf('#ffffff');
const ALT_ROW = pixelOf('#f7f7f4');
const HIGHLIGHT_ROW = pixelOf('#fff1c2');
const TICK = pixelOf('#1d3f6e');

export interface TimelineRow {
  id: string;
  label: string;
  detail: string;
  /** `cpu` tracks colour their slices by the thread that ran (the slice's label). */
  kind?: string;
}

export interface TimelineRenderInput {
  data: TimelineWindow | null;
  /** Canvas size in CSS pixels and the device pixel ratio. */
  width: number;
  height: number;
  dpr?: number;
  labelWidth: number;
  axisHeight: number;
  rowHeight: number;
  viewport: Viewport;
  rows: readonly TimelineRow[];
  rowIndex: ReadonlyMap<string, number>;
  /** Vertical scroll of the rows, in px. */
  scrollY: number;
  selection: Viewport | null;
  /** The slice shown in the details (marked). */
  highlight: { track: string; start: number } | null;
  /** The span shown in the details (outlined in its lane). */
  highlightSpan?: { track: string; start: number; duration: number; depth: number } | null;
  /** A track to point at (after jumping to a waker). */
  highlightTrack: string | null;
  /** Live edge (ns), drawn as a line when in view. */
  end: number | null;
  /** Wakeup arrows to draw in any case (the clicked slice's waker), emphasised. */
  extraLinks?: readonly { fromTrack: string; time: number; toTrack: string; at: number }[];
  /** Counts time per state of what is drawn, per track (for inspection; costs a little). */
  totals?: boolean;
  /** Rows have activity lanes under their state bar (spans drawn); `rowHeight` leaves room for them. */
  lanes?: boolean;
}

export interface TimelineDrawStats {
  /** Slices in view. */
  slices: number;
  /** Rectangles drawn for them (touching neighbours of one state, and a pixel's worth of slices, are one). */
  rects: number;
  instants: number;
  links: number;
  labels: number;
  /** Activity-lane spans in view (a merged one counts once). */
  spans: number;
  /** Per track in view: ns of each state within the viewport (merged slices count for their state). */
  totals?: Record<string, Record<string, number>>;
}

/** The first and last row (indices) at least partly visible. */
export function visibleRows(scrollY: number, plotHeight: number, rowHeight: number, rowCount: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollY / rowHeight));
  const last = Math.min(rowCount - 1, Math.floor((scrollY + plotHeight - 1) / rowHeight));
  return [first, last];
}

const INSTANT_H = 4;
const MAX_LINKS = 4000;

let image: PixelImage | null = null;
let pixels: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
let line = new Uint32Array(0);
let linkBuffer = new Float64Array(MAX_LINKS * 4);

/**
 * Draws a decimated window of timeline slices: one row per track, slices coloured by state and CPU
 * samples as ticks written straight into pixels (axis-aligned, opaque, snapped to device pixels: a
 * row of pixels is one typed-array fill, far cheaper than the rasteriser's paths), then wakeup links
 * as arrows from the waker's row to the woken slice, labels, the time axis, the selection and the
 * live edge through the canvas API. A pixel shows one state: slices that end inside the pixel a run
 * of slices ends in join that run. Cost follows what is in view.
 */
export function renderTimeline(ctx: TimelineCanvas, input: TimelineRenderInput): TimelineDrawStats {
  const { data, width, height, labelWidth, axisHeight, rowHeight, viewport, rows, rowIndex, scrollY } = input;
  const dpr = input.dpr ?? 1;
  const stats: TimelineDrawStats = { slices: 0, rects: 0, instants: 0, links: 0, labels: 0, spans: 0 };
  const lanes = input.lanes ?? false;
  const plotX = labelWidth;
  const plotW = Math.max(width - labelWidth, 1);
  const plotH = Math.max(height - axisHeight, 1);
  const span = Math.max(viewport.t1 - viewport.t0, 1);
  const k = plotW / span;
  const xOf = (t: number): number => plotX + (t - viewport.t0) * k;
  const [firstRow, lastRow] = visibleRows(scrollY, plotH, rowHeight, rows.length);
  const rowTop = (r: number): number => axisHeight + r * rowHeight - scrollY;

  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);

  // --- the pixel layer: row backgrounds, slices, sample ticks ---------------------------------
  const pw = Math.max(1, Math.round(plotW * dpr));
  const ph = Math.max(1, Math.round(plotH * dpr));
  if (!image || image.width !== pw || image.height !== ph) {
    image = ctx.createImageData(pw, ph);
    pixels = new Uint32Array(image.data.buffer, image.data.byteOffset, pw * ph);
  }
  const px = pixels;
  px.fill(WHITE);
  const band = (top: number, bottom: number, color: number, x0 = 0, x1 = pw): void => {
    const y0 = Math.max(0, Math.round((top - axisHeight) * dpr));
    const y1 = Math.min(ph, Math.round((bottom - axisHeight) * dpr));
    const a = Math.max(0, x0);
    const b = Math.min(pw, x1);
    if (b <= a) return;
    for (let y = y0; y < y1; y++) px.fill(color, y * pw + a, y * pw + b);
  };
  const highlightRow = input.highlightTrack !== null ? rowIndex.get(input.highlightTrack) : undefined;
  for (let r = firstRow; r <= lastRow; r++) {
    if (r === highlightRow) band(rowTop(r), rowTop(r) + rowHeight, HIGHLIGHT_ROW);
    else if (r % 2 === 1) band(rowTop(r), rowTop(r) + rowHeight, ALT_ROW);
  }

  const labels: { text: string; x: number; y: number; w: number; small?: boolean }[] = [];
  let links = 0;
  const totals: Record<string, Record<string, number>> | undefined = input.totals ? {} : undefined;
  if (data) {
    const strings = data.strings;
    const ns = strings.length;
    // Colours by key: states first, then (for CPU tracks) the thread a slice names.
    const colorOf = [...strings.map((str) => pixelOf(stateColor(str))), ...strings.map((str) => pixelOf(threadColor(str)))];
    const perState = new Float64Array(ns);
    const spanColors = new Map<number, number>();
    const spanColor = (category: number): number => {
      let c = spanColors.get(category);
      if (c === undefined) spanColors.set(category, (c = pixelOf(activityColor(strings[category] ?? ''))));
      return c;
    };
    const left = plotX - 1;
    const right = plotX + plotW + 1;
    if (line.length < pw) line = new Uint32Array(pw);
    const ln = line;
    const gap = Math.max(1, Math.round(dpr));
    // One scanline per track: slices are filled into it, then it is copied to every pixel row of
    // the track. The cost follows the width, not the number of slices.
    const paint = (state: number, x0: number, x1: number): void => {
      const a = Math.max(0, Math.round((x0 - plotX) * dpr));
      let b = Math.min(pw, Math.round((x1 - plotX) * dpr));
      if (b - a > 3 * dpr) b -= gap;
      if (b <= a) b = Math.min(pw, a + 1);
      if (b > a) ln.fill(colorOf[state] ?? WHITE, a, b);
      stats.rects++;
    };
    for (const track of data.tracks) {
      const r = rowIndex.get(track.id);
      if (r === undefined || r < firstRow || r > lastRow) continue;
      const bands = rowBands(rows[r]!.kind, rowHeight, lanes);
      const y = rowTop(r) + bands.state.top;
      const sliceH = bands.state.height;
      const background = r === highlightRow ? HIGHLIGHT_ROW : r % 2 === 1 ? ALT_ROW : WHITE;
      ln.fill(background, 0, pw);
      const s = track.slices;
      const starts = s.starts;
      const durations = s.durations;
      const states = s.states;
      const sliceLabels = s.labels;
      const n = starts.length;
      const byThread = rows[r]!.kind === 'cpu';
      if (totals) perState.fill(0);
      // Slices are in time order: skip to the first that ends after the view starts.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! + durations[mid]! < viewport.t0) lo = mid + 1;
        else hi = mid;
      }
      let runState = -1;
      let runX0 = 0;
      let runX1 = 0;
      let lastLinkX = -Infinity;
      for (let i = lo; i < n; i++) {
        const start = starts[i]!;
        if (start > viewport.t1) break;
        // Slices of a track do not overlap (docs/api.md); one that runs past the next one's start
        // ends there, so that no state is drawn, or counted, twice.
        let duration = durations[i]!;
        if (i + 1 < n && start + duration > starts[i + 1]! && starts[i + 1]! >= start) duration = starts[i + 1]! - start;
        let x0 = plotX + (start - viewport.t0) * k;
        let x1 = x0 + duration * k;
        if (x0 < left) x0 = left;
        if (x1 > right) x1 = right;
        const st = states[i]!;
        const state = byThread && sliceLabels[i]! >= 0 ? ns + sliceLabels[i]! : st;
        stats.slices++;
        if (totals) {
          const end = start + duration;
          const covered = Math.min(end, viewport.t1) - Math.max(start, viewport.t0);
          if (covered > 0) perState[st] = perState[st]! + covered;
        }
        if (state === runState && x0 <= runX1 + 0.5) {
          if (x1 > runX1) runX1 = x1;
        } else if (runState >= 0 && x1 <= Math.floor(runX1) + 1) {
          // Ends inside the pixel the run ends in: one pixel shows one state (until the agent's
          // answer for this zoom, decimated to the width, arrives).
          if (x1 > runX1) runX1 = x1;
        } else {
          if (runState >= 0) paint(runState, runX0, runX1);
          runState = state;
          runX0 = x0;
          runX1 = x1;
        }
        const label = s.labels[i]!;
        if (label >= 0 && x1 - x0 > 40) labels.push({ text: strings[label] ?? '', x: x0, y: y + sliceH / 2, w: x1 - x0 });
        const link = s.links[i];
        // One wakeup arrow per few pixels of a row: more would be noise, and costly to stroke. It
        // goes from the waker's row at the wakeup to where the woken slice ends (it became runnable).
        if (link && x1 - lastLinkX >= 3 && links < MAX_LINKS) {
          const from = rowIndex.get(link.track);
          if (from !== undefined && from >= firstRow - 50 && from <= lastRow + 50) {
            lastLinkX = x1;
            const at = links * 4;
            const wx = link.time >= 0 ? xOf(link.time) : x1;
            linkBuffer[at] = wx;
            linkBuffer[at + 1] = rowTop(from) + rowHeight / 2;
            linkBuffer[at + 2] = Math.min(Math.max(wx, x0), x1);
            linkBuffer[at + 3] = from < r ? y : y + sliceH;
            links++;
          }
        }
      }
      if (runState >= 0) paint(runState, runX0, runX1);
      if (totals) {
        const t: Record<string, number> = {};
        for (let k = 0; k < ns; k++) if (perState[k]! > 0) t[strings[k]!] = (t[strings[k]!] ?? 0) + perState[k]!;
        totals[track.id] = t;
      }
      const y0 = Math.max(0, Math.round((y - axisHeight) * dpr));
      const y1 = Math.min(ph, Math.round((y + sliceH - axisHeight) * dpr));
      for (let yy = y0; yy < y1; yy++) px.set(ln.subarray(0, pw), yy * pw);
      if (track.spans && bands.lanes.length > 0) {
        stats.spans += paintLanes(track.spans, {
          px, pw, ph, dpr, viewport, k, rowTop: rowTop(r) - axisHeight, lanes: bands.lanes, background, colorOf: spanColor,
          label: (text, _category, x, ly, w) => labels.push({ text: strings[text] ?? '', x: plotX + x, y: axisHeight + ly, w, small: true }),
        });
      }
      const inst = track.instants;
      if (inst) {
        const times = inst.times;
        const t0 = Math.max(0, Math.round((rowTop(r) + 0.5 - axisHeight) * dpr));
        const t1 = Math.min(ph, t0 + Math.round(INSTANT_H * dpr));
        let last = -1;
        for (let i = 0; i < times.length; i++) {
          const t = times[i]!;
          if (t < viewport.t0 || t > viewport.t1) continue;
          stats.instants++;
          const x = Math.round((t - viewport.t0) * k * dpr);
          if (x === last || x < 0 || x >= pw) continue;
          last = x;
          for (let yy = t0; yy < t1; yy++) {
            const row = yy * pw + x;
            for (let g = 0; g < gap && x + g < pw; g++) px[row + g] = TICK;
          }
        }
      }
    }
  }
  ctx.putImageData(image, Math.round(plotX * dpr), Math.round(axisHeight * dpr));

  // --- vector layer: links, labels, marks ------------------------------------------------------
  ctx.save();
  ctx.beginPath();
  ctx.rect(plotX, axisHeight, plotW, plotH);
  ctx.clip();
  if (labels.length) {
    ctx.fillStyle = '#1b1b1b';
    ctx.textBaseline = 'middle';
    let font = '';
    for (const l of labels) {
      const charW = l.small ? 5.5 : 6.1;
      const fit = Math.floor((l.w - 6) / charW);
      if (fit < 3) continue;
      const want = l.small ? '9px ui-monospace, "DejaVu Sans Mono", monospace' : '10px ui-monospace, "DejaVu Sans Mono", monospace';
      if (want !== font) ctx.font = font = want;
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
      ctx.moveTo(linkBuffer[i]!, linkBuffer[i + 1]!);
      ctx.lineTo(linkBuffer[i + 2]!, linkBuffer[i + 3]!);
    }
    ctx.stroke();
    ctx.beginPath();
    for (let i = 0; i < links * 4; i += 4) arrowHead(ctx, linkBuffer[i]!, linkBuffer[i + 1]!, linkBuffer[i + 2]!, linkBuffer[i + 3]!);
    ctx.fill();
    stats.links = links;
  }
  for (const l of input.extraLinks ?? []) {
    const from = rowIndex.get(l.fromTrack);
    const to = rowIndex.get(l.toTrack);
    if (from === undefined || to === undefined || from === to) continue;
    const x0 = xOf(l.time);
    const x1 = xOf(l.at);
    const y0 = rowTop(from) + rowHeight / 2;
    const y1 = from < to ? rowTop(to) + 3 : rowTop(to) + rowHeight - 3;
    ctx.strokeStyle = '#7a1fa2';
    ctx.fillStyle = '#7a1fa2';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    ctx.beginPath();
    ctx.rect(x0 - 3, y0 - 3, 6, 6);
    arrowHead(ctx, x0, y0, x1, y1, 8);
    ctx.fill();
    stats.links++;
  }
  if (highlightRow !== undefined && highlightRow >= firstRow && highlightRow <= lastRow) {
    ctx.strokeStyle = '#c98a00';
    ctx.lineWidth = 2;
    ctx.strokeRect(plotX + 1, rowTop(highlightRow) + 1, plotW - 2, rowHeight - 2);
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
  const hs = input.highlightSpan;
  const hsRow = hs ? rowIndex.get(hs.track) : undefined;
  if (hs && hsRow !== undefined && hsRow >= firstRow && hsRow <= lastRow) {
    const lanesOf = rowBands(rows[hsRow]!.kind, rowHeight, lanes).lanes;
    const lane = lanesOf[Math.min(hs.depth, lanesOf.length - 1)];
    if (lane) {
      const x0 = xOf(hs.start);
      const w = Math.max(hs.duration * k, 2);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 1, rowTop(hsRow) + lane.top - 1, w + 2, lane.height + 2);
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
      ctx.strokeRect(x0 + 0.5, axisHeight + 0.5, Math.max(x1 - x0 - 1, 0), plotH - 1);
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
    if (y < axisHeight) continue;
    ctx.fillStyle = r === highlightRow ? '#8a4b00' : '#1d1f21';
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
  if (totals) stats.totals = totals;
  return stats;
}

function arrowHead(ctx: TimelineCanvas, x0: number, y0: number, x1: number, y1: number, size = 5): void {
  const a = Math.atan2(y1 - y0, x1 - x0);
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
