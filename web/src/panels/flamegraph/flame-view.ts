import { FrameKind } from '../../api/types';
import type { FlameGraphModel } from '../../model/flamegraph-model';
import { computeLayout, type FlameLayout } from '../../model/layout';
import { searchFlameGraph, type SearchResult } from '../../model/search';
import { colorIndex, diffColorIndex } from '../../render/colors';
import { DEFAULT_STYLE, renderFlameGraph, rowAt, rowTop } from '../../render/flamegraph-renderer';
import { formatValue, unitLabel } from '../../ui/format';
import { h } from '../../ui/dom';
import {
  collectVisible,
  emptyVisible,
  formatPercent,
  hitTest,
  MIN_FRAME_WIDTH_PX,
  pathTo,
  widestMatch,
  type VisibleFrames,
} from './view';

export const KIND_LABELS: Readonly<Record<number, string>> = {
  [FrameKind.Root]: 'root',
  [FrameKind.Process]: 'process',
  [FrameKind.Kernel]: 'kernel',
  [FrameKind.Native]: 'native (user)',
  [FrameKind.Jit]: 'JIT (user)',
  [FrameKind.Unknown]: 'unresolved address',
  [FrameKind.State]: 'thread state',
  [FrameKind.Gpu]: 'GPU work (kernel, copy, wait)',
};

/** Milliseconds spent on the last frame drawn, by step (exposed for measurements). */
export interface FlameGraphTimings {
  nodes: number;
  visible: number;
  layoutMs: number;
  searchMs: number;
  visibleMs: number;
  drawMs: number;
  /** Only from the inspection hooks: time to get the drawn pixels back (rasterisation). */
  rasterMs?: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Values of a differential flame graph, per node of the model it is drawn with. */
export interface DiffValues {
  baselineTotals: Float64Array;
  baselineTotal: number;
  change: Float64Array;
  maxChange: number;
}

export interface FlameViewOptions {
  testid: string;
  label: string;
  /** Shift+click (or Shift+Enter on the zoomed frame): the frame's function. */
  onFunction?: (frame: number) => void;
  /** The zoom path changed (for a breadcrumb). */
  onZoom?: (path: number[]) => void;
}

const ROW = DEFAULT_STYLE.rowHeight;

/**
 * One drawn call tree: a canvas in a scroller, with zoom (click), hover tooltip, search and focus
 * highlighting, flame (root at the bottom) or icicle (root at the top) orientation, and kind or
 * diff colouring. Drawing happens in requestAnimationFrame only when something changed.
 */
export class FlameView {
  private readonly resizes = new ResizeObserver(() => this.invalidate());
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLDivElement;
  private readonly empty: HTMLDivElement;

  private model: FlameGraphModel | null = null;
  private modelKey = '';
  private unit = 'samples';
  private diff: DiffValues | null = null;
  private icicle = false;
  private layout: FlameLayout | null = null;
  private layoutRevision = -1;
  private frameColors = new Int16Array(0);
  private colouredFrames = 0;

  private zoom = 0;
  private hoverNode = -1;
  private lastMouse: { clientX: number; clientY: number } | null = null;
  private vis: VisibleFrames = emptyVisible();
  private matcher: ((name: string) => boolean) | null = null;
  private matcherKey = '';
  private focusFrame = -1;
  private search: SearchResult | null = null;
  private searchKey = '';
  private emptyMessage: string | null = null;
  private visible = true;

  private drawPending = 0;
  private width = 0;
  private height = 0;
  timings: FlameGraphTimings = { nodes: 0, visible: 0, layoutMs: 0, searchMs: 0, visibleMs: 0, drawMs: 0 };
  /** Called after every draw (the panel refreshes its search result text). */
  onDraw: () => void = () => {};

  constructor(private readonly options: FlameViewOptions) {
    this.canvas = h('canvas', { class: 'fg-canvas', 'data-testid': options.testid, role: 'img', 'aria-label': options.label });
    const base = options.testid.replace(/-canvas$/, '');
    this.tooltip = h('div', { class: 'fg-tooltip', 'data-testid': `${base}-tooltip`, role: 'tooltip', hidden: true });
    this.empty = h('div', { class: 'fg-empty', 'data-testid': `${base}-empty`, role: 'status' });
    this.element = h('div', {
      class: 'fg-scroll', tabindex: 0, 'aria-label': `${options.label} (click a frame to zoom, Escape resets the zoom)`,
    }, this.canvas, this.empty, this.tooltip);

    this.canvas.addEventListener('mousemove', (e) => this.setHover(this.frameAt(e), e));
    this.canvas.addEventListener('mouseleave', () => this.setHover(-1, null));
    this.canvas.addEventListener('click', (e) => {
      const i = this.frameAt(e);
      if (i < 0) return;
      const node = this.vis.nodes[i]!;
      if (e.shiftKey && this.options.onFunction && this.model) this.options.onFunction(this.model.frames[node]!);
      else this.zoomTo(node);
    });
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.zoomTo(0);
      else if (e.key === 'Enter' && e.shiftKey && this.model && this.zoom > 0) this.options.onFunction?.(this.model.frames[this.zoom]!);
    });
    this.resizes.observe(this.element);
  }

  dispose(): void {
    this.resizes.disconnect();
    if (this.drawPending) cancelAnimationFrame(this.drawPending);
    this.drawPending = 0;
  }

  get currentModel(): FlameGraphModel | null {
    return this.model;
  }

  get zoomNode(): number {
    return this.zoom;
  }

  get searchResult(): SearchResult | null {
    return this.search;
  }

  get isIcicle(): boolean {
    return this.icicle;
  }

  /**
   * Shows `model` (the same object again after it changed: the view keeps its zoom within an epoch).
   * `key` names what is shown (live, a range, a diff): a new key resets the zoom.
   */
  setModel(model: FlameGraphModel | null, key: string, unit: string, diff: DiffValues | null = null): void {
    const fresh = model !== this.model || key !== this.modelKey;
    this.model = model;
    this.unit = unit;
    this.diff = diff;
    if (fresh) {
      this.modelKey = key;
      this.resetView();
    }
    this.invalidate();
  }

  /** After the model's epoch changed (node ids belong to an epoch). */
  resetView(): void {
    this.zoom = 0;
    this.hoverNode = -1;
    this.colouredFrames = 0;
    this.layout = null;
    this.layoutRevision = -1;
    this.tooltip.hidden = true;
    this.options.onZoom?.([]);
  }

  setIcicle(icicle: boolean): void {
    if (icicle === this.icicle) return;
    this.icicle = icicle;
    this.invalidate();
    // Root at the top starts at the top; root at the bottom starts at the bottom.
    requestAnimationFrame(() => {
      this.element.scrollTop = icicle ? 0 : this.element.scrollHeight;
    });
  }

  /** Highlights frames whose name matches (null: none) and the frames of `focusFrame` (-1: none). */
  setHighlight(matcher: ((name: string) => boolean) | null, key: string, focusFrame: number): void {
    this.matcher = matcher;
    this.matcherKey = key;
    this.focusFrame = focusFrame;
    this.invalidate();
  }

  setEmptyMessage(message: string | null): void {
    this.emptyMessage = message;
    this.invalidate();
  }

  /** Hidden views (an inactive tab) do not draw. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.invalidate();
  }

  zoomTo(node: number): void {
    const m = this.model;
    if (!m || node < 0 || node >= m.nodeCount) node = 0;
    this.zoom = node;
    this.hoverNode = -1;
    this.tooltip.hidden = true;
    this.options.onZoom?.(m && node > 0 ? pathTo(m, node) : []);
    this.invalidate();
  }

  invalidate(): void {
    if (this.drawPending || !this.visible) return;
    this.drawPending = requestAnimationFrame(() => {
      this.drawPending = 0;
      this.draw();
    });
  }

  /** Draws at once and waits for the pixels (reading one back), for measurements. */
  drawNow(): FlameGraphTimings {
    this.draw();
    const t0 = performance.now();
    this.canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
    return { ...this.timings, rasterMs: performance.now() - t0 };
  }

  /** The widest visible search match, in canvas CSS pixels or (viewport) in client coordinates. */
  widestMatchRect(viewport: boolean): Rect | null {
    if (!this.search) return null;
    const i = widestMatch(this.vis, this.search.matched);
    if (i < 0) return null;
    const rect: Rect = { x: this.vis.x[i]!, y: rowTop(this.vis.depth[i]!, this.height, ROW, this.icicle), width: this.vis.w[i]!, height: ROW - 1 };
    if (viewport) {
      const r = this.canvas.getBoundingClientRect();
      rect.x += r.left;
      rect.y += r.top;
    }
    return rect;
  }

  /** Layout (when the model changed), search (when it or the query changed), visible frames, paint. */
  draw(): void {
    if (this.drawPending) {
      cancelAnimationFrame(this.drawPending);
      this.drawPending = 0;
    }
    const model = this.model;
    const t0 = performance.now();
    if (model && (!this.layout || this.layoutRevision !== model.revision)) {
      this.layout = computeLayout(model);
      this.layoutRevision = model.revision;
      this.colourNewFrames(model);
      if (this.zoom >= model.nodeCount) this.zoom = 0;
    }
    const t1 = performance.now();
    this.runSearch();
    const t2 = performance.now();

    const width = Math.max(this.element.clientWidth, 1);
    if (model && this.layout) {
      this.vis = collectVisible(model, this.layout, this.zoom, width, MIN_FRAME_WIDTH_PX, this.vis);
    } else {
      this.vis.count = 0;
      this.vis.maxDepth = 0;
    }
    const height = Math.max(this.element.clientHeight, (this.vis.maxDepth + 1) * ROW + 4);
    this.resize(width, height);
    const t3 = performance.now();

    const ctx = this.canvas.getContext('2d');
    if (ctx && model) {
      const diff = this.diff;
      renderFlameGraph(ctx, {
        vis: this.vis,
        width,
        height,
        dpr: window.devicePixelRatio || 1,
        colorOfNode: diff
          ? (node) => diffColorIndex(diff.change[node] ?? 0, diff.maxChange)
          : (node) => this.frameColors[model.frames[node]!]!,
        labelOfNode: (node) => model.name(node),
        matched: this.search ? this.search.matched : null,
        hover: this.hoverIndex(),
        icicle: this.icicle,
      });
    } else if (ctx) {
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    }
    const t4 = performance.now();
    this.timings = {
      nodes: model?.nodeCount ?? 0,
      visible: this.vis.count,
      layoutMs: t1 - t0,
      searchMs: t2 - t1,
      visibleMs: t3 - t2,
      drawMs: t4 - t3,
    };

    const total = model?.totalSamples ?? 0;
    const message = this.emptyMessage;
    this.empty.hidden = message === null;
    if (message !== null && this.empty.textContent !== message) this.empty.textContent = message;
    const data = this.canvas.dataset;
    data['nodes'] = String(model?.nodeCount ?? 0);
    data['visible'] = String(this.vis.count);
    data['totalSamples'] = String(total);
    data['epoch'] = String(model?.epoch ?? -1);
    data['orientation'] = this.icicle ? 'icicle' : 'flame';
    data['colouring'] = this.diff ? 'diff' : 'kind';
    data['view'] = this.modelKey;
    const match = this.widestMatchRect(false);
    if (match) data['matchRect'] = [match.x, match.y, match.width, match.height].map((v) => v.toFixed(1)).join(',');
    else delete data['matchRect'];
    // Live updates change the numbers under a resting pointer.
    if (!this.tooltip.hidden && this.lastMouse) {
      if (this.hoverIndex() >= 0) this.showTooltip(this.hoverNode, this.lastMouse);
      else this.tooltip.hidden = true;
    }
    this.onDraw();
  }

  private colourNewFrames(model: FlameGraphModel): void {
    if (this.frameColors.length < model.frameCount) {
      const next = new Int16Array(Math.max(model.frameCount, this.frameColors.length * 2, 256));
      next.set(this.frameColors.subarray(0, this.colouredFrames));
      this.frameColors = next;
    }
    if (this.colouredFrames > model.frameCount) this.colouredFrames = 0;
    for (let f = this.colouredFrames; f < model.frameCount; f++) {
      this.frameColors[f] = colorIndex(model.frameKinds[f]!, model.frameNames[f]!);
    }
    this.colouredFrames = model.frameCount;
  }

  private runSearch(): void {
    const model = this.model;
    const key = `${this.matcherKey}|${this.focusFrame}|${this.layoutRevision}|${this.modelKey}`;
    if (key === this.searchKey) return;
    this.searchKey = key;
    if (!model || (!this.matcher && this.focusFrame < 0)) {
      this.search = null;
      return;
    }
    const matcher = this.matcher;
    const focusName = this.focusFrame >= 0 && this.focusFrame < model.frameCount ? model.frameNames[this.focusFrame] : undefined;
    // The focused function is matched by its frame (name, module and kind), not only by name.
    this.search = searchFlameGraph(model, (name) => (matcher ? matcher(name) : false) || name === focusName);
    if (focusName !== undefined && !matcher) {
      const frames = model.frames;
      const matched = this.search.matched;
      for (let i = 1; i < model.nodeCount; i++) if (matched[i] && frames[i] !== this.focusFrame) matched[i] = 0;
    }
  }

  private resize(width: number, height: number): void {
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.round(width * dpr);
    const ph = Math.round(height * dpr);
    if (this.canvas.width === pw && this.canvas.height === ph && this.width === width && this.height === height) return;
    // Root at the bottom: when the graph grows taller, keep the bottom in view if it was.
    const s = this.element;
    const atBottom = s.scrollTop + s.clientHeight >= s.scrollHeight - 2;
    this.canvas.width = pw;
    this.canvas.height = ph;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.width = width;
    this.height = height;
    if (atBottom && !this.icicle) s.scrollTop = s.scrollHeight;
  }

  private frameAt(e: MouseEvent): number {
    const r = this.canvas.getBoundingClientRect();
    return hitTest(this.vis, e.clientX - r.left, rowAt(e.clientY - r.top, this.height, ROW, this.icicle));
  }

  private setHover(index: number, e: MouseEvent | null): void {
    const node = index >= 0 ? this.vis.nodes[index]! : -1;
    if (node !== this.hoverNode) {
      this.hoverNode = node;
      this.invalidate();
    }
    this.lastMouse = e ? { clientX: e.clientX, clientY: e.clientY } : null;
    if (node < 0 || !this.lastMouse) {
      this.tooltip.hidden = true;
      return;
    }
    this.showTooltip(node, this.lastMouse);
  }

  private hoverIndex(): number {
    if (this.hoverNode < 0) return -1;
    for (let i = 0; i < this.vis.count; i++) if (this.vis.nodes[i] === this.hoverNode) return i;
    return -1;
  }

  private showTooltip(node: number, e: { clientX: number; clientY: number }): void {
    const m = this.model;
    if (!m || node >= m.nodeCount) return;
    const total = m.totals[node]!;
    const root = m.totals[0]! || 1;
    const zoomTotal = m.totals[this.zoom]! || 1;
    const module = m.module(node);
    const unit = this.unit;
    const rows: [string, string][] = [
      ['kind', KIND_LABELS[m.kind(node)] ?? `kind ${m.kind(node)}`],
      [unitLabel(unit), `${formatValue(total, unit)} (self ${formatValue(m.selfs[node]!, unit)})`],
      ['of total', formatPercent(total / root)],
    ];
    if (module) rows.unshift(['module', module]);
    if (this.zoom !== 0) rows.push(['of zoomed frame', formatPercent(total / zoomTotal)]);
    const diff = this.diff;
    if (diff) {
      const base = diff.baselineTotals[node] ?? 0;
      const change = diff.change[node] ?? 0;
      rows.push(['baseline', `${formatValue(base, unit)} (${formatPercent(diff.baselineTotal > 0 ? base / diff.baselineTotal : 0)})`]);
      rows.push(['change', `${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(2)} points of share`]);
    }
    this.tooltip.replaceChildren(
      h('div', { class: 'fg-tooltip-name', 'data-testid': 'tooltip-name' }, m.name(node)),
      h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      ...(this.options.onFunction ? [h('div', { class: 'fg-tooltip-hint' }, 'Click: zoom · Shift+click: callers and callees')] : []),
    );
    this.tooltip.hidden = false;
    // Keep the tooltip inside the window (it is position: fixed).
    const pad = 14;
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    let left = e.clientX + pad;
    let top = e.clientY + pad;
    if (left + tw > window.innerWidth - 4) left = Math.max(4, e.clientX - tw - pad);
    if (top + th > window.innerHeight - 4) top = Math.max(4, e.clientY - th - pad);
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
  }
}
