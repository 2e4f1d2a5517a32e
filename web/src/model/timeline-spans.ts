/**
 * The timeline's activity lane: what a thread did or waited for (slow calls, block requests, TCP
 * events, faults), as spans that may nest (a block request inside the write that issued it). Pure
 * data: where a row puts its state bar and its lanes, reading the window's span tuples, which
 * categories are present, and which span is under the pointer.
 */
import type { TimelineSpanTuple, TimelineTrackWindow, TimelineWindow } from '../api/types';

/** Nesting drawn as stacked lanes: deeper spans share the last one. */
export const SPAN_DEPTHS = 3;

/** A row's height without an activity lane, and with one. */
export const ROW_H = 26;
export const LANE_ROW_H = 38;

export interface Band {
  /** Offset from the row's top, and height, in CSS px. */
  top: number;
  height: number;
}

export interface RowBands {
  /** The state bar (height 0 where a row has none: devices). */
  state: Band;
  /** One band per depth, outermost first (empty where the row has no lane). */
  lanes: Band[];
}

/**
 * Where a row draws what. Without lanes, the state bar fills the row (as before there were
 * activity lanes). With lanes, a thread's row has a shorter state bar over a lane for the outermost
 * spans (tall enough for a label) and thin lanes for the nested ones; a device's row has no states,
 * so its lanes fill it; a CPU's row keeps its whole height for who ran.
 */
export function rowBands(kind: string | undefined, rowHeight: number, lanes: boolean): RowBands {
  const full: Band = { top: 3, height: rowHeight - 6 };
  if (!lanes || kind === 'cpu') return { state: full, lanes: [] };
  if (kind === 'device') {
    const outer = Math.round((rowHeight - 6) * 0.5);
    const rest = rowHeight - 6 - outer - 2;
    const a = Math.ceil(rest / 2);
    return { state: { top: 3, height: 0 }, lanes: [{ top: 3, height: outer }, { top: 4 + outer, height: a }, { top: 5 + outer + a, height: rest - a }] };
  }
  const thin = 3;
  const outer = 10;
  const stateH = rowHeight - 6 - outer - 2 * thin - 2;
  const laneTop = 3 + stateH + 2;
  return {
    state: { top: 3, height: stateH },
    lanes: [{ top: laneTop, height: outer }, { top: laneTop + outer + 1, height: thin }, { top: laneTop + outer + 1 + thin, height: thin }],
  };
}

/**
 * What the pointer at `y` px below a row's top is over: `-1` for the state bar, a depth for a lane
 * (the band reaches a pixel above its top, so that thin lanes can be pointed at), or null (margin).
 */
export function partAt(bands: RowBands, y: number): number | null {
  for (let d = bands.lanes.length - 1; d >= 0; d--) {
    const lane = bands.lanes[d]!;
    if (y >= lane.top - 1 && y < lane.top + lane.height + (d === bands.lanes.length - 1 ? 2 : 0)) return d;
  }
  if (bands.state.height > 0 && y >= bands.state.top - 3 && y < bands.state.top + bands.state.height + 1) return -1;
  return null;
}

export interface SpanRecord {
  start: number;
  duration: number;
  category: string;
  label: string | null;
  depth: number;
  merged: number;
}

/** A span of the window as named fields (strings resolved). */
export function readSpan(strings: readonly string[], span: TimelineSpanTuple): SpanRecord {
  const [start, duration, category, label, depth, merged] = span;
  return { start, duration, category: strings[category] ?? '', label: label >= 0 ? strings[label] ?? null : null, depth, merged };
}

/** The categories of the spans in a window, in a stable order (see `orderCategories`). */
export function spanCategories(window: TimelineWindow | null, order: readonly string[] = []): string[] {
  if (!window) return [];
  const seen = new Set<number>();
  for (const track of window.tracks) for (const s of track.spans ?? []) seen.add(s[2]);
  return orderCategories([...seen].map((i) => window.strings[i] ?? ''), order);
}

/** Distinct non-empty category names: those of `order` first, in its order, then the others by name. */
export function orderCategories(names: Iterable<string>, order: readonly string[] = []): string[] {
  const rank = (n: string): number => (order.includes(n) ? order.indexOf(n) : order.length);
  return [...new Set(names)].filter((n) => n !== '').sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether any track of a window has an activity lane. */
export function hasSpans(window: TimelineWindow | null): boolean {
  return !!window && window.tracks.some((t) => (t.spans?.length ?? 0) > 0);
}

/**
 * The span of a track's lane at `depth` (deeper spans count for the last lane) nearest to time t
 * within `tolerance` ns, as an index into `track.spans`, or -1. A span that covers t wins over
 * one merely near it; among those that cover it, the innermost.
 */
export function spanAt(track: TimelineTrackWindow | undefined, t: number, depth: number, tolerance: number): number {
  const spans = track?.spans;
  if (!spans) return -1;
  let best = -1;
  let bestDist = Infinity;
  const lane = Math.min(depth, SPAN_DEPTHS - 1);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s[0] > t + tolerance) break;
    if (Math.min(s[4], SPAN_DEPTHS - 1) !== lane) continue;
    const end = s[0] + s[1];
    const d = t < s[0] ? s[0] - t : t > end ? t - end : 0;
    if (d < bestDist || (d === 0 && bestDist === 0 && s[4] >= spans[best]![4])) {
      bestDist = d;
      best = i;
    }
  }
  return bestDist <= tolerance ? best : -1;
}
