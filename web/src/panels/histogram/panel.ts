import type { HistogramGroup, HistogramView } from '../../api/types';
import { isObject, ReplaceModel } from '../../live/live-model';
import { h, setText } from '../../ui/dom';
import { formatBound, formatCount, formatValue, normalizeUnit } from '../../ui/format';
import { RangeChip } from '../../ui/range-chip';
import { QueryRunner } from '../query-runner';
import type { Panel, PanelContext, PanelDefinition } from '../registry';

export function isHistogramView(v: unknown): v is HistogramView {
  return isObject(v) && Array.isArray(v['bounds']) && Array.isArray(v['groups']);
}

export const histogramPanel: PanelDefinition<ReplaceModel<HistogramView>> = {
  modelType: 'histogram',
  title: 'Histogram',
  createModel: () => new ReplaceModel(isHistogramView),
  create: (host, ctx) => new HistogramPanel(host, ctx),
};

const MAX_GROUPS = 12;
const BAR_HEIGHT = 72;
const AXIS = 14;

/**
 * Where value `v` sits on a log2 bucket axis, in buckets (bucket i spans [i, i+1)): linear within
 * its bucket, as the agent estimates percentiles.
 */
export function bucketPosition(bounds: readonly number[], v: number): number {
  const n = bounds.length;
  if (n === 0) return 0;
  if (v <= bounds[0]!) return 0;
  for (let i = 0; i < n; i++) {
    const lo = bounds[i]!;
    const hi = i + 1 < n ? bounds[i + 1]! : lo * 2 || 1;
    if (v < hi) return i + (hi > lo ? (v - lo) / (hi - lo) : 0);
  }
  return n;
}

/** The span of buckets worth drawing: from the first to the last non-empty bucket of any group. */
export function usedBuckets(groups: readonly HistogramGroup[], n: number): [number, number] {
  let lo = n;
  let hi = -1;
  for (const g of groups) {
    for (let i = 0; i < g.buckets.length; i++) {
      if (g.buckets[i]! > 0) {
        if (i < lo) lo = i;
        if (i > hi) hi = i;
      }
    }
  }
  return hi < 0 ? [0, Math.max(n - 1, 0)] : [lo, hi];
}

/** Latency (or size) distributions: log2 bars per group with p50, p99 and max marked. */
class HistogramPanel implements Panel {
  private readonly resizes = new ResizeObserver(() => this.invalidate());
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private readonly chip: RangeChip;
  private readonly runner: QueryRunner<HistogramView>;
  private ranged: HistogramView | null = null;
  private error: string | null = null;
  private visible = true;
  private pending = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(host: HTMLElement, private readonly ctx: PanelContext<ReplaceModel<HistogramView>>) {
    this.chip = new RangeChip(ctx.selection);
    this.status = h('span', { class: 'muted', 'data-testid': 'histogram-status', 'aria-live': 'polite' });
    this.list = h('div', { class: 'hist-list', 'data-testid': 'histogram' });
    host.append(
      h('div', { class: 'panel-toolbar' }, this.chip.element, h('span', { class: 'spacer' }),
        h('span', { class: 'legend-inline' },
          h('span', { class: 'mark p50' }), 'p50', h('span', { class: 'mark p99' }), 'p99', h('span', { class: 'mark max' }), 'max'),
        this.status),
      this.list);
    this.runner = new QueryRunner((params, signal) => ctx.query<HistogramView>(params, signal), (result, error) => {
      this.ranged = result;
      this.error = error;
      this.invalidate();
    });
    this.unsubscribe.push(
      ctx.onModelChange(() => this.invalidate()),
      ctx.selection.subscribe((r) => this.runner.request(r ? { t0: r.t0, t1: r.t1 } : null)),
    );
    const r = ctx.selection.range;
    if (r) this.runner.request({ t0: r.t0, t1: r.t1 });
    this.resizes.observe(this.list);
    ctx.expose({ state: () => ({ view: this.view(), queries: this.runner.count, error: this.error }) });
    this.invalidate();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.invalidate();
  }

  dispose(): void {
    this.resizes.disconnect();
    if (this.pending) cancelAnimationFrame(this.pending);
    for (const u of this.unsubscribe) u();
    this.runner.dispose();
    this.chip.dispose();
  }

  private view(): HistogramView | null {
    return this.ctx.selection.range ? this.ranged : this.ctx.model.value;
  }

  private invalidate(): void {
    if (this.pending || !this.visible) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  private render(): void {
    const view = this.view();
    if (this.error) {
      setText(this.status, `The agent could not answer for this range: ${this.error}`);
    } else if (!view) {
      setText(this.status, this.runner.busy ? 'Loading…' : 'Waiting for data…');
    } else {
      const total = view.groups.reduce((a, g) => a + g.count, 0);
      setText(this.status, `${formatCount(total)} events in ${view.groups.length} ${view.groups.length === 1 ? 'group' : 'groups'}`);
    }
    if (!view || view.groups.length === 0) {
      this.list.replaceChildren(h('div', { class: 'panel-empty', 'data-testid': 'histogram-empty' }, view ? 'No events yet.' : ''));
      return;
    }
    const unit = normalizeUnit(view.unit);
    const groups = view.groups.slice().sort((a, b) => b.count - a.count).slice(0, MAX_GROUPS);
    const [lo, hi] = usedBuckets(groups, view.bounds.length);
    const width = Math.max(this.list.clientWidth - 24, 120);
    const rows = groups.map((g) => {
      const canvas = h('canvas', { class: 'hist-canvas', 'data-testid': 'histogram-canvas', 'data-group': g.key, role: 'img',
        'aria-label': `${g.label}: p50 ${formatValue(g.p50, unit)}, p99 ${formatValue(g.p99, unit)}, max ${formatValue(g.max, unit)}` });
      drawHistogram(canvas, view.bounds, g, lo, hi, width, unit);
      return h('div', { class: 'hist-group', 'data-testid': 'histogram-group' },
        h('div', { class: 'hist-head' },
          h('strong', {}, g.label),
          h('span', { class: 'muted' }, `${formatCount(g.count)} events`),
          h('span', {}, `p50 ${formatValue(g.p50, unit)}`),
          h('span', {}, `p90 ${formatValue(g.p90, unit)}`),
          h('span', {}, `p99 ${formatValue(g.p99, unit)}`),
          h('span', {}, `max ${formatValue(g.max, unit)}`)),
        canvas);
    });
    if (view.groups.length > MAX_GROUPS) rows.push(h('div', { class: 'muted' }, `${view.groups.length - MAX_GROUPS} smaller groups not shown`));
    this.list.replaceChildren(...rows);
  }
}

function drawHistogram(canvas: HTMLCanvasElement, bounds: readonly number[], g: HistogramGroup, lo: number, hi: number, width: number, unit: string): void {
  const dpr = window.devicePixelRatio || 1;
  const height = BAR_HEIGHT + AXIS;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const n = hi - lo + 1;
  const bw = width / n;
  let max = 0;
  for (let i = lo; i <= hi; i++) max = Math.max(max, g.buckets[i] ?? 0);
  ctx.fillStyle = '#4f7fbf';
  ctx.beginPath();
  for (let i = lo; i <= hi; i++) {
    const c = g.buckets[i] ?? 0;
    if (c <= 0) continue;
    // At least a pixel for any non-empty bucket: outliers stay visible.
    const bh = Math.max(1, (c / (max || 1)) * (BAR_HEIGHT - 2));
    ctx.rect((i - lo) * bw + 0.5, BAR_HEIGHT - bh, Math.max(bw - 1, 0.5), bh);
  }
  ctx.fill();
  const mark = (v: number, color: string): void => {
    const x = (bucketPosition(bounds, v) - lo) * bw;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, BAR_HEIGHT);
    ctx.stroke();
  };
  mark(g.p50, '#2e8b57');
  mark(g.p99, '#c0392b');
  mark(g.max, '#333');
  ctx.fillStyle = '#6a6f75';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  const step = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(width / 56))));
  for (let i = lo; i <= hi; i += step) ctx.fillText(formatBound(bounds[i] ?? 0, unit), (i - lo) * bw + 1, BAR_HEIGHT + 2);
}
