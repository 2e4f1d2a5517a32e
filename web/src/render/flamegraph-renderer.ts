import type { VisibleFrames } from '../panels/flamegraph/view';
import { MATCH_COLOR, PALETTE } from './colors';

/** The part of CanvasRenderingContext2D the renderer uses (so tests can count what it draws). */
export interface Canvas2D {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  font: string;
  textBaseline: CanvasTextBaseline;
  globalAlpha: number;
  lineWidth: number;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  fill(): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
}

export interface FlameGraphStyle {
  rowHeight: number;
  font: string;
  textColor: string;
  hoverColor: string;
}

export const DEFAULT_STYLE: FlameGraphStyle = {
  rowHeight: 18,
  font: '11px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
  textColor: '#1b1b1b',
  hoverColor: '#111',
};

export interface RenderInput {
  vis: VisibleFrames;
  /** Canvas size in CSS pixels and the device pixel ratio. */
  width: number;
  height: number;
  dpr: number;
  /** Palette index per node (see colors.ts). */
  colorOfNode: (node: number) => number;
  labelOfNode: (node: number) => string;
  /** Per node, 1 for search matches (drawn in the match colour); null without a search. */
  matched: Uint8Array | null;
  /** Index into `vis` of the hovered frame, or -1. */
  hover: number;
  /** Root at the top (icicle) instead of the bottom (flame graph). */
  icicle?: boolean;
  style?: FlameGraphStyle;
}

/** Top edge (CSS px) of a row: flame graph (root at the bottom) or icicle (root at the top). */
export function rowTop(depth: number, height: number, rowHeight: number, icicle = false): number {
  return icicle ? depth * rowHeight : height - (depth + 1) * rowHeight;
}

/** Row under a y coordinate (CSS px); may be out of range. */
export function rowAt(y: number, height: number, rowHeight: number, icicle = false): number {
  return icicle ? Math.floor(y / rowHeight) : Math.floor((height - y) / rowHeight);
}

const LABEL_PAD = 3;
const charWidthCache = new Map<string, number>();
let colorCounts = new Int32Array(PALETTE.length);
let colorOrder = new Int32Array(0);

/**
 * Draws visible frames. Rectangles are batched by colour (one path and one fill per colour rather
 * than a fillStyle change per frame), labels are drawn only where at least a few characters fit,
 * truncated with an ellipsis, in a monospace font so that fitting needs no per-label measuring.
 */
export function renderFlameGraph(ctx: Canvas2D, input: RenderInput): void {
  const { vis, width, height, dpr, matched } = input;
  const style = input.style ?? DEFAULT_STYLE;
  const rowH = style.rowHeight;
  const icicle = input.icicle ?? false;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const n = vis.count;
  if (n === 0) return;

  // Bucket the visible frames by colour.
  if (colorOrder.length < n) colorOrder = new Int32Array(Math.max(n, colorOrder.length * 2));
  const colorOf = new Int32Array(n);
  colorCounts.fill(0);
  for (let i = 0; i < n; i++) {
    const node = vis.nodes[i]!;
    const c = matched && matched[node] ? MATCH_COLOR : input.colorOfNode(node);
    colorOf[i] = c;
    colorCounts[c]!++;
  }
  const starts = new Int32Array(colorCounts.length + 1);
  for (let c = 0; c < colorCounts.length; c++) starts[c + 1] = starts[c]! + colorCounts[c]!;
  const fillAt = starts.slice(0, colorCounts.length);
  for (let i = 0; i < n; i++) colorOrder[fillAt[colorOf[i]!]!++] = i;

  for (let c = 0; c < PALETTE.length; c++) {
    const from = starts[c]!;
    const to = starts[c + 1]!;
    if (from === to) continue;
    drawBatch(ctx, vis, from, to, PALETTE[c]!, height, rowH, icicle);
  }

  // Ancestors of the zoomed frame: a translucent veil over their full-width bars.
  if (vis.ancestorCount > 0) {
    ctx.globalAlpha = 0.45;
    ctx.fillStyle = '#ffffff';
    ctx.beginPath();
    for (let i = 0; i < vis.ancestorCount; i++) {
      ctx.rect(0, rowTop(vis.depth[i]!, height, rowH, icicle), width, rowH - 1);
    }
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  // Labels.
  ctx.font = style.font;
  ctx.textBaseline = 'middle';
  ctx.fillStyle = style.textColor;
  const charW = charWidth(ctx, style.font);
  const minLabelWidth = charW * 3 + LABEL_PAD * 2;
  for (let i = 0; i < n; i++) {
    const w = vis.w[i]!;
    if (w < minLabelWidth) continue;
    const fit = Math.floor((w - LABEL_PAD * 2) / charW);
    const label = fitLabel(input.labelOfNode(vis.nodes[i]!), fit);
    if (label === '') continue;
    ctx.fillText(label, vis.x[i]! + LABEL_PAD, rowTop(vis.depth[i]!, height, rowH, icicle) + rowH / 2);
  }

  if (input.hover >= 0 && input.hover < n) {
    const i = input.hover;
    ctx.strokeStyle = style.hoverColor;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(vis.x[i]! + 0.75, rowTop(vis.depth[i]!, height, rowH, icicle) + 0.75, Math.max(vis.w[i]! - 1.5, 1), rowH - 2.5);
  }
}

function drawBatch(
  ctx: Canvas2D,
  vis: VisibleFrames,
  from: number,
  to: number,
  color: string,
  height: number,
  rowH: number,
  icicle: boolean,
): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  for (let k = from; k < to; k++) {
    const i = colorOrder[k]!;
    const w = vis.w[i]!;
    // A one-pixel gap between neighbours once frames are wide enough to show it.
    ctx.rect(vis.x[i]!, rowTop(vis.depth[i]!, height, rowH, icicle), w > 3 ? w - 1 : w, rowH - 1);
  }
  ctx.fill();
}

/** The label cut to `fit` characters, with an ellipsis when cut; '' when not even 3 fit. */
export function fitLabel(name: string, fit: number): string {
  if (fit < 3) return '';
  if (name.length <= fit) return name;
  return name.slice(0, fit - 1) + '…';
}

function charWidth(ctx: Canvas2D, font: string): number {
  let w = charWidthCache.get(font);
  if (w === undefined) {
    w = ctx.measureText('MMMMMMMMMM').width / 10 || 7;
    charWidthCache.set(font, w);
  }
  return w;
}

/** For tests: forget measured fonts (a recording context measures differently). */
export function resetRendererCaches(): void {
  charWidthCache.clear();
  colorCounts = new Int32Array(PALETTE.length);
}
