/**
 * The visible time window of a timeline, in ns since the session started, and the maths of moving
 * it: zoom about a point, pan, clamp to the history, follow the live edge, and which window to ask
 * the agent for so that small pans and zooms reuse the last answer.
 */
export interface Viewport {
  t0: number;
  t1: number;
}

/** The narrowest view: 1 µs across the whole width. */
export const MIN_SPAN_NS = 1_000;

export interface Bounds {
  /** Earliest time with data (usually 0). */
  start: number;
  /** Latest time with data (the model's `end`). */
  end: number;
}

/** Keeps the view within the history (a little past the live edge is allowed) and at least MIN_SPAN wide. */
export function clampViewport(v: Viewport, bounds: Bounds): Viewport {
  const history = Math.max(bounds.end - bounds.start, MIN_SPAN_NS);
  let span = Math.min(Math.max(v.t1 - v.t0, MIN_SPAN_NS), history * 1.05);
  if (!Number.isFinite(span)) span = history;
  let t0 = v.t0;
  const maxT1 = bounds.end + history * 0.05;
  if (t0 + span > maxT1) t0 = maxT1 - span;
  if (t0 < bounds.start) t0 = bounds.start;
  return { t0, t1: t0 + span };
}

/** Zooms by `factor` (< 1 zooms in) keeping time `anchor` under the same pixel. */
export function zoomAt(v: Viewport, factor: number, anchor: number, bounds: Bounds): Viewport {
  const span = v.t1 - v.t0;
  const next = Math.max(span * factor, MIN_SPAN_NS);
  const k = span > 0 ? (anchor - v.t0) / span : 0.5;
  return clampViewport({ t0: anchor - k * next, t1: anchor - k * next + next }, bounds);
}

/** Moves the view by `dt` ns (positive: later). */
export function panBy(v: Viewport, dt: number, bounds: Bounds): Viewport {
  return clampViewport({ t0: v.t0 + dt, t1: v.t1 + dt }, bounds);
}

/** The view of the same width whose right edge is the live edge. */
export function followLive(v: Viewport, bounds: Bounds): Viewport {
  const span = v.t1 - v.t0;
  return clampViewport({ t0: bounds.end - span, t1: bounds.end }, bounds);
}

/** Whether the right edge is at the live edge (within 2% of the view). */
export function atLiveEdge(v: Viewport, bounds: Bounds): boolean {
  return v.t1 >= bounds.end - (v.t1 - v.t0) * 0.02;
}

export interface FetchWindow {
  t0: number;
  t1: number;
  px: number;
}

/**
 * What to ask the agent for to draw `v` at `widthPx`: the view plus one view's width on each side,
 * with edges snapped to a power-of-two grid of about an eighth of the view, at the same resolution.
 * Pans within a view's width and zooms within a factor of two reuse the answer.
 */
export function fetchWindow(v: Viewport, widthPx: number, bounds: Bounds): FetchWindow {
  const span = Math.max(v.t1 - v.t0, 1);
  const grid = 2 ** Math.ceil(Math.log2(Math.max(span / 8, 1)));
  const t0 = Math.max(bounds.start, Math.floor((v.t0 - span) / grid) * grid);
  const t1 = Math.max(t0 + grid, Math.ceil((v.t1 + span) / grid) * grid);
  const nsPerPx = span / Math.max(widthPx, 1);
  const px = Math.max(1, Math.min(16384, Math.round((t1 - t0) / nsPerPx)));
  return { t0, t1, px };
}

/** Whether an answer for `held` still serves `v` at `widthPx` (covers it, resolution within 2×). */
export function windowServes(held: FetchWindow, v: Viewport, widthPx: number): boolean {
  if (v.t0 < held.t0 || v.t1 > held.t1) return false;
  const heldNsPerPx = (held.t1 - held.t0) / held.px;
  const nsPerPx = (v.t1 - v.t0) / Math.max(widthPx, 1);
  return heldNsPerPx <= nsPerPx * 2 && heldNsPerPx >= nsPerPx / 2;
}

/** Tick spacing for an axis: 1, 2 or 5 × 10^k ns, about `targetPx` apart. */
export function tickStep(span: number, widthPx: number, targetPx = 100): number {
  const raw = (span / Math.max(widthPx, 1)) * targetPx;
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
