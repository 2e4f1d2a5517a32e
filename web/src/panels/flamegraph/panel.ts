import type { FlameGraphUpdate, Session } from '../../api/types';
import { FrameKind } from '../../api/types';
import { FlameGraphModel } from '../../model/flamegraph-model';
import { computeLayout, type FlameLayout } from '../../model/layout';
import { buildMatcher, searchFlameGraph, type SearchResult } from '../../model/search';
import { colorIndex, LEGEND } from '../../render/colors';
import { DEFAULT_STYLE, renderFlameGraph, rowAt, rowTop } from '../../render/flamegraph-renderer';
import { h, setText } from '../../ui/dom';
import type { Panel, PanelContext, PanelDefinition } from '../registry';
import {
  collectVisible,
  emptyVisible,
  formatCount,
  formatPercent,
  hitTest,
  MIN_FRAME_WIDTH_PX,
  pathTo,
  widestMatch,
  type VisibleFrames,
} from './view';

export const flameGraphPanel: PanelDefinition = {
  modelType: 'flamegraph',
  title: 'CPU flame graph',
  create: (host, ctx) => new FlameGraphPanel(host, ctx),
};

const KIND_LABELS: Readonly<Record<number, string>> = {
  [FrameKind.Root]: 'root',
  [FrameKind.Process]: 'process',
  [FrameKind.Kernel]: 'kernel',
  [FrameKind.Native]: 'native (user)',
  [FrameKind.Jit]: 'JIT (user)',
  [FrameKind.Unknown]: 'unknown (unresolved address)',
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

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const ROW = DEFAULT_STYLE.rowHeight;

/**
 * The flame graph view: keeps the model current from stream updates, owns the view state (zoom,
 * search, hover) and hands the renderer a list of visible frames. Classic orientation: the root at
 * the bottom, callees above their callers, siblings in alphabetical order.
 */
class FlameGraphPanel implements Panel {
  private readonly model = new FlameGraphModel();
  private layout: FlameLayout | null = null;
  private layoutRevision = -1;
  private frameColors = new Int16Array(0);
  private colouredFrames = 0;

  private zoom = 0;
  private hoverNode = -1;
  private lastMouse: { clientX: number; clientY: number } | null = null;
  private vis: VisibleFrames = emptyVisible();
  private query = '';
  private regex = false;
  private search: SearchResult | null = null;
  private searchKey = '';
  private searchError: string | null = null;

  private drawPending = 0;
  private resyncing = false;
  private width = 0;
  private height = 0;
  private timings: FlameGraphTimings = { nodes: 0, visible: 0, layoutMs: 0, searchMs: 0, visibleMs: 0, drawMs: 0 };

  private readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly breadcrumb: HTMLElement;
  private readonly resetZoom: HTMLButtonElement;
  private readonly searchInput: HTMLInputElement;
  private readonly searchResult: HTMLSpanElement;
  private readonly empty: HTMLDivElement;

  constructor(
    host: HTMLElement,
    private readonly ctx: PanelContext,
  ) {
    this.searchInput = h('input', {
      type: 'search',
      placeholder: 'Search frames…',
      'aria-label': 'Search frames by name',
      'data-testid': 'search-input',
      oninput: () => this.setSearch(this.searchInput.value, this.regex),
    });
    const regexBox = h('input', {
      type: 'checkbox',
      'data-testid': 'search-regex',
      onchange: (e: Event) => this.setSearch(this.query, (e.target as HTMLInputElement).checked),
    });
    this.searchResult = h('span', { class: 'fg-search-result', 'data-testid': 'search-result', 'aria-live': 'polite' });
    this.breadcrumb = h('nav', { class: 'fg-breadcrumb', 'aria-label': 'Zoom path', 'data-testid': 'breadcrumb' });
    this.resetZoom = h('button', { type: 'button', 'data-testid': 'reset-zoom', disabled: true, onclick: () => this.zoomTo(0) }, 'Reset zoom');
    this.canvas = h('canvas', { class: 'fg-canvas', 'data-testid': 'flamegraph-canvas', role: 'img', 'aria-label': 'CPU flame graph' });
    this.tooltip = h('div', { class: 'fg-tooltip', 'data-testid': 'flamegraph-tooltip', role: 'tooltip', hidden: true });
    this.empty = h('div', { class: 'fg-empty', 'data-testid': 'flamegraph-empty' }, 'No samples yet. Pick a process and press Start.');
    this.scroller = h('div', { class: 'fg-scroll', tabindex: 0, 'aria-label': 'Flame graph (Escape resets the zoom)' }, this.canvas, this.empty);

    const legend = h('ul', { class: 'fg-legend', 'aria-label': 'Colours' },
      ...LEGEND.map((entry) => h('li', {}, h('span', { class: 'swatch', style: `background:${entry.color}` }), entry.label)));

    host.append(
      h('div', { class: 'fg-toolbar' },
        h('label', { class: 'fg-search' }, this.searchInput),
        h('label', { class: 'fg-regex', title: 'Regular expression' }, regexBox, '.*'),
        this.searchResult,
        h('span', { class: 'spacer' }),
        legend),
      h('div', { class: 'fg-zoombar' }, this.resetZoom, this.breadcrumb,
        h('span', { class: 'fg-layout-note', 'data-testid': 'layout-note' },
          'Flame graph: root at the bottom, callees above callers, siblings sorted by name; width = share of samples.')),
      this.scroller,
      this.tooltip,
    );

    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => this.setHover(-1, null));
    this.canvas.addEventListener('click', (e) => this.onClick(e));
    this.scroller.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.zoomTo(0);
    });
    new ResizeObserver(() => this.invalidate()).observe(this.scroller);

    ctx.expose('flamegraph', {
      stats: (): FlameGraphTimings & { totalSamples: number; zoom: number } => ({
        ...this.timings,
        totalSamples: this.model.totalSamples,
        zoom: this.zoom,
      }),
      /** Viewport rectangle of the widest visible search match, or null. */
      widestMatchRect: (): Rect | null => this.widestMatchRect(true),
      /** Replaces the model with a full update and draws it at once; returns the timings. */
      load: (update: FlameGraphUpdate): FlameGraphTimings | string => {
        const r = this.model.apply(update);
        if (r !== 'applied') return r;
        this.onNewEpoch();
        return this.drawNow();
      },
      /** Draws again now (no model change) and returns the timings. */
      redraw: (): FlameGraphTimings => this.drawNow(),
    });
    this.renderSearchResult();
    this.renderBreadcrumb();
  }

  update(model: unknown, _session: Session): void {
    const update = model as FlameGraphUpdate;
    const epoch = this.model.epoch;
    const result = this.model.apply(update);
    if (result === 'resync') {
      void this.resync();
      return;
    }
    if (result === 'stale') return;
    if (this.model.epoch !== epoch) this.onNewEpoch();
    else if (update.full) this.colouredFrames = 0;
    this.invalidate();
  }

  clear(): void {
    this.model.clear();
    this.onNewEpoch();
    this.invalidate();
  }

  /** Brings the model up to date with GET …/flamegraph (only what changed since the model's cursor). */
  private async resync(): Promise<void> {
    const id = this.ctx.sessionId();
    if (this.resyncing || !id) return;
    this.resyncing = true;
    try {
      const epoch = this.model.epoch;
      let update = await this.ctx.api.flameGraph(id, this.model.isEmpty ? undefined : this.model.cursor);
      if (this.model.apply(update) === 'resync') {
        update = await this.ctx.api.flameGraph(id);
        this.model.apply(update);
      }
      if (this.model.epoch !== epoch) this.onNewEpoch();
      else if (update.full) this.colouredFrames = 0;
      this.invalidate();
    } catch (e) {
      this.ctx.showError(e);
    } finally {
      this.resyncing = false;
    }
  }

  private onNewEpoch(): void {
    // Node ids belong to an epoch: a reset or retarget starts a new tree.
    this.zoom = 0;
    this.hoverNode = -1;
    this.colouredFrames = 0;
    this.layout = null;
    this.layoutRevision = -1;
    this.tooltip.hidden = true;
    this.renderBreadcrumb();
  }

  private setSearch(query: string, regex: boolean): void {
    this.query = query;
    this.regex = regex;
    this.invalidate();
  }

  private zoomTo(node: number): void {
    if (node < 0 || node >= this.model.nodeCount) node = 0;
    this.zoom = node;
    this.hoverNode = -1;
    this.tooltip.hidden = true;
    this.renderBreadcrumb();
    this.invalidate();
  }

  private invalidate(): void {
    if (this.drawPending) return;
    this.drawPending = requestAnimationFrame(() => {
      this.drawPending = 0;
      this.draw();
    });
  }

  /** Draws at once and waits for the pixels (reading one back), for measurements. */
  private drawNow(): FlameGraphTimings {
    this.draw();
    const t0 = performance.now();
    this.canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
    return { ...this.timings, rasterMs: performance.now() - t0 };
  }

  /** Layout (when the model changed), search (when it or the query changed), visible frames, paint. */
  private draw(): void {
    if (this.drawPending) {
      cancelAnimationFrame(this.drawPending);
      this.drawPending = 0;
    }
    const model = this.model;
    const t0 = performance.now();
    if (!this.layout || this.layoutRevision !== model.revision) {
      this.layout = computeLayout(model);
      this.layoutRevision = model.revision;
      this.colourNewFrames();
      if (this.zoom >= model.nodeCount) this.zoom = 0;
    }
    const t1 = performance.now();
    this.runSearch();
    const t2 = performance.now();

    const width = Math.max(this.scroller.clientWidth, 1);
    this.vis = collectVisible(model, this.layout, this.zoom, width, MIN_FRAME_WIDTH_PX, this.vis);
    const height = Math.max(this.scroller.clientHeight, (this.vis.maxDepth + 1) * ROW + 4);
    this.resize(width, height);
    const t3 = performance.now();

    const ctx = this.canvas.getContext('2d');
    if (ctx) {
      renderFlameGraph(ctx, {
        vis: this.vis,
        width,
        height,
        dpr: window.devicePixelRatio || 1,
        colorOfNode: (node) => this.frameColors[model.frames[node]!]!,
        labelOfNode: (node) => model.name(node),
        matched: this.search ? this.search.matched : null,
        hover: this.hoverIndex(),
      });
    }
    const t4 = performance.now();
    this.timings = {
      nodes: model.nodeCount,
      visible: this.vis.count,
      layoutMs: t1 - t0,
      searchMs: t2 - t1,
      visibleMs: t3 - t2,
      drawMs: t4 - t3,
    };

    this.empty.hidden = model.totalSamples > 0;
    this.canvas.dataset['nodes'] = String(model.nodeCount);
    this.canvas.dataset['visible'] = String(this.vis.count);
    this.canvas.dataset['totalSamples'] = String(model.totalSamples);
    this.canvas.dataset['epoch'] = String(model.epoch);
    const match = this.widestMatchRect(false);
    if (match) {
      this.canvas.dataset['matchRect'] = [match.x, match.y, match.width, match.height].map((v) => v.toFixed(1)).join(',');
    } else {
      delete this.canvas.dataset['matchRect'];
    }
    this.renderSearchResult();
    this.renderBreadcrumb();
    // Live updates change the numbers under a resting pointer.
    if (!this.tooltip.hidden && this.lastMouse) {
      if (this.hoverIndex() >= 0) this.showTooltip(this.hoverNode, this.lastMouse);
      else this.tooltip.hidden = true;
    }
  }

  private colourNewFrames(): void {
    const model = this.model;
    if (this.frameColors.length < model.frameCount) {
      const next = new Int16Array(Math.max(model.frameCount, this.frameColors.length * 2, 256));
      next.set(this.frameColors.subarray(0, this.colouredFrames));
      this.frameColors = next;
    }
    for (let f = this.colouredFrames; f < model.frameCount; f++) {
      this.frameColors[f] = colorIndex(model.frameKinds[f]!, model.frameNames[f]!);
    }
    this.colouredFrames = model.frameCount;
  }

  private runSearch(): void {
    const key = `${this.regex ? 'r' : 's'}:${this.query}:${this.layoutRevision}`;
    if (key === this.searchKey) return;
    this.searchKey = key;
    const matcher = buildMatcher(this.query, this.regex);
    this.searchError = matcher instanceof Error ? matcher.message : null;
    this.search = typeof matcher === 'function' ? searchFlameGraph(this.model, matcher) : null;
  }

  private renderSearchResult(): void {
    let text = '';
    if (this.searchError) {
      text = `Invalid expression: ${this.searchError}`;
    } else if (this.search) {
      const s = this.search;
      text = s.matchedNodes === 0
        ? 'No match'
        : `${formatCount(s.matchedNodes)} ${s.matchedNodes === 1 ? 'frame' : 'frames'}, ${formatPercent(s.share)} of samples`;
    }
    setText(this.searchResult, text);
    this.searchResult.classList.toggle('error', this.searchError !== null);
  }

  private renderBreadcrumb(): void {
    const path = this.zoom > 0 && this.zoom < this.model.nodeCount ? pathTo(this.model, this.zoom) : [];
    const key = path.join(',');
    if (this.breadcrumb.dataset['path'] === key) return;
    this.breadcrumb.dataset['path'] = key;
    this.breadcrumb.replaceChildren(
      ...path.flatMap((node, i) => {
        const label = node === 0 ? 'all' : this.model.name(node);
        const item = i === path.length - 1
          ? h('span', { class: 'current', 'aria-current': 'true' }, label)
          : h('button', { type: 'button', class: 'link', onclick: () => this.zoomTo(node) }, label);
        return i === 0 ? [item] : [h('span', { class: 'sep', 'aria-hidden': 'true' }, '›'), item];
      }),
    );
    this.resetZoom.disabled = path.length === 0;
  }

  private resize(width: number, height: number): void {
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.round(width * dpr);
    const ph = Math.round(height * dpr);
    if (this.canvas.width === pw && this.canvas.height === ph && this.width === width && this.height === height) return;
    // Root at the bottom: when the graph grows taller, keep the bottom in view if it was.
    const s = this.scroller;
    const atBottom = s.scrollTop + s.clientHeight >= s.scrollHeight - 2;
    this.canvas.width = pw;
    this.canvas.height = ph;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.width = width;
    this.height = height;
    if (atBottom) s.scrollTop = s.scrollHeight;
  }

  private frameAt(e: MouseEvent): number {
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    return hitTest(this.vis, x, rowAt(y, this.height, ROW));
  }

  private onMove(e: MouseEvent): void {
    this.setHover(this.frameAt(e), e);
  }

  private onClick(e: MouseEvent): void {
    const i = this.frameAt(e);
    if (i >= 0) this.zoomTo(this.vis.nodes[i]!);
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
    const total = m.totals[node]!;
    const root = m.totals[0]! || 1;
    const zoomTotal = m.totals[this.zoom]! || 1;
    const module = m.module(node);
    const rows: [string, string][] = [
      ['kind', KIND_LABELS[m.kind(node)] ?? `kind ${m.kind(node)}`],
      ['samples', `${formatCount(total)} (self ${formatCount(m.selfs[node]!)})`],
      ['of total', formatPercent(total / root)],
    ];
    if (module) rows.unshift(['module', module]);
    if (this.zoom !== 0) rows.push(['of zoomed frame', formatPercent(total / zoomTotal)]);
    this.tooltip.replaceChildren(
      h('div', { class: 'fg-tooltip-name', 'data-testid': 'tooltip-name' }, m.name(node)),
      h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    );
    this.tooltip.hidden = false;
    // Keep the tooltip inside the window.
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

  /** The widest visible search match, in canvas CSS pixels or (viewport) in client coordinates. */
  private widestMatchRect(viewport: boolean): Rect | null {
    if (!this.search) return null;
    const i = widestMatch(this.vis, this.search.matched);
    if (i < 0) return null;
    const rect: Rect = { x: this.vis.x[i]!, y: rowTop(this.vis.depth[i]!, this.height, ROW), width: this.vis.w[i]!, height: ROW - 1 };
    if (viewport) {
      const r = this.canvas.getBoundingClientRect();
      rect.x += r.left;
      rect.y += r.top;
    }
    return rect;
  }
}
