import type { TimelineSpanTuple } from '../api/types';
import { SPAN_DEPTHS, type Band } from '../model/timeline-spans';
import type { Viewport } from '../model/timeline-viewport';

/** Where a track's lanes go in the pixel layer, and how time maps to it. */
export interface LanePaint {
  /** The plot's pixels (0xAABBGGRR), `pw` wide and `ph` high. */
  px: Uint32Array;
  pw: number;
  ph: number;
  dpr: number;
  viewport: Viewport;
  /** CSS px per ns. */
  k: number;
  /** The row's top, relative to the plot's top, in CSS px. */
  rowTop: number;
  lanes: readonly Band[];
  /** The row's background pixel. */
  background: number;
  /** A pixel per string index (the category's colour). */
  colorOf: (category: number) => number;
  /** Receives the outermost spans wide enough for their label (CSS px, plot-relative x). */
  label: (text: number, category: number, x: number, y: number, w: number) => void;
}

let lines = new Uint32Array(0);

/**
 * Writes a track's spans into the pixel layer: one scanline per lane (depth; deeper spans share the
 * last), filled in one pass over the spans in view, then copied to the lane's pixel rows. A span
 * narrower than a pixel still takes one; a wider one leaves a gap at its end so that neighbours read
 * apart. Returns how many spans were in view. The cost follows the width and the spans in view.
 */
export function paintLanes(spans: readonly TimelineSpanTuple[], p: LanePaint): number {
  const { px, pw, ph, dpr, viewport, k } = p;
  const depths = Math.min(p.lanes.length, SPAN_DEPTHS);
  if (depths === 0 || spans.length === 0) return 0;
  if (lines.length < pw * depths) lines = new Uint32Array(pw * depths);
  const ln = lines;
  ln.fill(p.background, 0, pw * depths);
  const used = new Array<boolean>(depths).fill(false);
  const gap = Math.max(1, Math.round(dpr));
  let inView = 0;
  // Spans come in start order: stop at the first that starts after the view.
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    const start = s[0];
    if (start > viewport.t1) break;
    const end = start + s[1];
    if (end < viewport.t0) continue;
    inView++;
    const d = Math.min(s[4], depths - 1);
    const x0 = Math.max(-1, (start - viewport.t0) * k);
    const x1 = Math.min(pw / dpr + 1, (end - viewport.t0) * k);
    const a = Math.max(0, Math.round(x0 * dpr));
    let b = Math.min(pw, Math.round(x1 * dpr));
    if (b - a > 3 * dpr) b -= gap;
    if (b <= a) b = Math.min(pw, a + 1);
    if (b > a) ln.fill(p.colorOf(s[2]), d * pw + a, d * pw + b);
    used[d] = true;
    const lane = p.lanes[d]!;
    if (d === 0 && x1 - x0 > 40) p.label(s[3] >= 0 ? s[3] : s[2], s[2], x0, p.rowTop + lane.top + lane.height / 2, x1 - x0);
  }
  for (let d = 0; d < depths; d++) {
    if (!used[d]) continue;
    const lane = p.lanes[d]!;
    const y0 = Math.max(0, Math.round((p.rowTop + lane.top) * dpr));
    const y1 = Math.min(ph, Math.round((p.rowTop + lane.top + lane.height) * dpr));
    const src = ln.subarray(d * pw, d * pw + pw);
    for (let y = y0; y < y1; y++) px.set(src, y * pw);
  }
  return inView;
}
