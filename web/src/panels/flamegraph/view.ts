import type { FlameGraphModel } from '../../model/flamegraph-model';
import type { FlameLayout } from '../../model/layout';

/**
 * The frames of a zoomed flame graph that are wide enough to draw, in CSS pixels. The first
 * `ancestorCount` entries are the ancestors of the zoomed frame, drawn across the full width so that
 * one sees where the zoomed frame sits; then the zoomed frame and its descendants scaled so the
 * zoomed frame fills the width.
 */
export interface VisibleFrames {
  count: number;
  ancestorCount: number;
  nodes: Int32Array;
  x: Float64Array;
  w: Float64Array;
  depth: Int32Array;
  /** Deepest row drawn. */
  maxDepth: number;
}

export function emptyVisible(): VisibleFrames {
  return { count: 0, ancestorCount: 0, nodes: new Int32Array(0), x: new Float64Array(0), w: new Float64Array(0), depth: new Int32Array(0), maxDepth: 0 };
}

/** Frames narrower than this many CSS pixels are not drawn, nor is anything below them. */
export const MIN_FRAME_WIDTH_PX = 0.5;

/** Path from the root to `node`, both included. */
export function pathTo(model: FlameGraphModel, node: number): number[] {
  const path: number[] = [];
  for (let n = node; n >= 0; n = model.parents[n]!) path.push(n);
  return path.reverse();
}

/**
 * Collects what is visible with `zoom` filling `widthPx`. Subtrees narrower than `minWidthPx` are
 * pruned whole (a child is never wider than its parent), so the cost follows what is drawn, not the
 * size of the tree. `reuse` is filled in place when large enough.
 */
export function collectVisible(
  model: FlameGraphModel,
  layout: FlameLayout,
  zoom: number,
  widthPx: number,
  minWidthPx: number = MIN_FRAME_WIDTH_PX,
  reuse?: VisibleFrames,
): VisibleFrames {
  const n = layout.nodeCount;
  const out = reuse && reuse.nodes.length >= n ? reuse : {
    ...emptyVisible(),
    nodes: new Int32Array(n),
    x: new Float64Array(n),
    w: new Float64Array(n),
    depth: new Int32Array(n),
  };
  out.count = 0;
  out.ancestorCount = 0;
  out.maxDepth = 0;
  if (n === 0 || zoom < 0 || zoom >= n) return out;

  const totals = model.totals;
  const zoomTotal = totals[zoom]!;
  if (!(zoomTotal > 0) || widthPx <= 0) return out;

  let count = 0;
  // Ancestors of the zoomed frame, full width.
  for (let a = model.parents[zoom]!; a >= 0; a = model.parents[a]!) {
    out.nodes[count] = a;
    out.x[count] = 0;
    out.w[count] = widthPx;
    out.depth[count] = layout.depth[a]!;
    count++;
  }
  out.ancestorCount = count;

  const scale = widthPx / zoomTotal;
  const origin = layout.x[zoom]!;
  const { childStart, children, x, depth } = layout;
  const stack = scratchStack(n);
  let top = 0;
  stack[top++] = zoom;
  let maxDepth = count > 0 ? layout.depth[zoom]! : 0;
  while (top > 0) {
    const node = stack[--top]!;
    const w = totals[node]! * scale;
    if (w < minWidthPx) continue;
    const d = depth[node]!;
    out.nodes[count] = node;
    out.x[count] = (x[node]! - origin) * scale;
    out.w[count] = w;
    out.depth[count] = d;
    count++;
    if (d > maxDepth) maxDepth = d;
    for (let k = childStart[node + 1]! - 1; k >= childStart[node]!; k--) stack[top++] = children[k]!;
  }
  out.count = count;
  out.maxDepth = maxDepth;
  return out;
}

let stackBuffer = new Int32Array(0);
function scratchStack(n: number): Int32Array {
  if (stackBuffer.length < n) stackBuffer = new Int32Array(Math.max(n, stackBuffer.length * 2));
  return stackBuffer;
}

/** Index (into `vis`) of the frame at (`xPx`, row `depth`), or -1. */
export function hitTest(vis: VisibleFrames, xPx: number, depth: number): number {
  for (let i = 0; i < vis.count; i++) {
    if (vis.depth[i] === depth && xPx >= vis.x[i]! && xPx < vis.x[i]! + vis.w[i]!) return i;
  }
  return -1;
}

/** Index (into `vis`) of the widest visible frame with `matched[node]`, or -1. */
export function widestMatch(vis: VisibleFrames, matched: Uint8Array): number {
  let best = -1;
  let bestWidth = -1;
  for (let i = 0; i < vis.count; i++) {
    if (matched[vis.nodes[i]!] && vis.w[i]! > bestWidth) {
      best = i;
      bestWidth = vis.w[i]!;
    }
  }
  return best;
}

export function formatPercent(fraction: number): string {
  if (!(fraction > 0)) return '0%';
  const p = fraction * 100;
  if (p < 0.1) return '<0.1%';
  if (p >= 99.95 && fraction < 1) return '>99.9%';
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(2)}%`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
