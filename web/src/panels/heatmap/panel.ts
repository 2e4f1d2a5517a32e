import type { HeatmapView } from '../../api/types';
import { columnsOf, HeatmapLive, heatmapMax, type HeatmapColumns } from '../../model/heatmap-live';
import { heatmapBuckets, heatmapCellAt, renderHeatmap, HEAT, type HeatmapLayout } from '../../render/heatmap-renderer';
import { h, setText } from '../../ui/dom';
import { formatBound, formatCount, formatTime, normalizeUnit } from '../../ui/format';
import { RangeChip } from '../../ui/range-chip';
import { QueryRunner } from '../query-runner';
import type { Panel, PanelContext, PanelDefinition } from '../registry';

export const heatmapPanel: PanelDefinition<HeatmapLive> = {
  modelType: 'heatmap',
  title: 'Heatmap',
  createModel: () => new HeatmapLive(),
  create: (host, ctx) => new HeatmapPanel(host, ctx),
};

const AXIS_LEFT = 56;
const AXIS_BOTTOM = 16;

/**
 * Time × log2 latency: one column per window, cells coloured by how many events fell in that bucket
 * (log scale, so rare slow ones show). Dragging across it selects a time range for every panel.
 */
class HeatmapPanel implements Panel {
  private readonly resizes = new ResizeObserver(() => this.invalidate());
  private readonly canvas: HTMLCanvasElement;
  private readonly wrap: HTMLElement;
  private readonly status: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly chip: RangeChip;
  private readonly runner: QueryRunner<HeatmapView>;
  private ranged: HeatmapColumns | null = null;
  private error: string | null = null;
  private layout: HeatmapLayout | null = null;
  private drag: { x0: number; x1: number } | null = null;
  private visible = true;
  private pending = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(host: HTMLElement, private readonly ctx: PanelContext<HeatmapLive>) {
    this.chip = new RangeChip(ctx.selection);
    this.status = h('span', { class: 'muted', 'data-testid': 'heatmap-status', 'aria-live': 'polite' });
    this.canvas = h('canvas', { class: 'heat-canvas', 'data-testid': 'heatmap-canvas', role: 'img', 'aria-label': `${ctx.info().title}: time across, latency up` });
    this.tooltip = h('div', { class: 'fg-tooltip', role: 'tooltip', hidden: true, 'data-testid': 'heatmap-tooltip' });
    this.wrap = h('div', { class: 'heat-wrap' }, this.canvas, this.tooltip);
    const scale = h('span', { class: 'heat-scale', 'aria-hidden': 'true', style: `background:linear-gradient(90deg, ${HEAT.slice(1).join(', ')})` });
    host.append(
      h('div', { class: 'panel-toolbar' }, this.chip.element, h('span', { class: 'spacer' }),
        h('span', { class: 'muted' }, 'few'), scale, h('span', { class: 'muted' }, 'many'), this.status),
      this.wrap);
    this.runner = new QueryRunner((params, signal) => ctx.query<HeatmapView>(params, signal), (result, error) => {
      this.ranged = result ? columnsOf(result) : null;
      this.error = error;
      this.invalidate();
    });
    this.unsubscribe.push(
      ctx.onModelChange(() => this.invalidate()),
      ctx.selection.subscribe((r) => this.runner.request(r ? { t0: r.t0, t1: r.t1 } : null)),
    );
    const r = ctx.selection.range;
    if (r) this.runner.request({ t0: r.t0, t1: r.t1 });
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    this.canvas.addEventListener('pointerup', (e) => this.up(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.tooltip.hidden = true;
    });
    this.resizes.observe(this.wrap);
    ctx.expose({ state: () => ({ columns: this.columns()?.starts.length ?? 0, queries: this.runner.count, error: this.error }) });
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

  private columns(): HeatmapColumns | null {
    if (this.ctx.selection.range) return this.ranged;
    const m = this.ctx.model;
    return m.starts.length > 0 ? m : null;
  }

  private invalidate(): void {
    if (this.pending || !this.visible) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  private draw(): void {
    const cols = this.columns();
    const width = Math.max(this.wrap.clientWidth, 100);
    const height = Math.max(this.wrap.clientHeight, 160);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d');
    this.canvas.dataset['columns'] = String(cols?.starts.length ?? 0);
    setText(this.status, this.error ? `The agent could not answer for this range: ${this.error}` : cols ? '' : 'Waiting for data…');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!cols || cols.starts.length === 0) {
      this.layout = null;
      return;
    }
    const [lo, hi] = heatmapBuckets(cols);
    const t0 = cols.starts[0]!;
    const t1 = cols.ends[cols.ends.length - 1]!;
    const plotW = width - AXIS_LEFT;
    const plotH = height - AXIS_BOTTOM;
    this.layout = { width: plotW, height: plotH, t0, t1, lo, hi };
    ctx.save();
    ctx.translate(AXIS_LEFT, 0);
    const max = cols === this.ctx.model ? this.ctx.model.max : heatmapMax(cols);
    const cells = renderHeatmap(ctx, cols, this.layout, max);
    if (this.drag) {
      ctx.fillStyle = 'rgb(179 64 15 / 0.2)';
      ctx.fillRect(Math.min(this.drag.x0, this.drag.x1), 0, Math.abs(this.drag.x1 - this.drag.x0), plotH);
    }
    ctx.restore();
    this.canvas.dataset['cells'] = String(cells);
    // Axes: bucket bounds on the left, times below.
    const unit = normalizeUnit(cols.unit);
    ctx.fillStyle = '#6a6f75';
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const rows = hi - lo + 1;
    const rowH = plotH / rows;
    const every = Math.max(1, Math.ceil(14 / rowH));
    for (let b = lo; b <= hi; b += every) ctx.fillText(formatBound(cols.bounds[b] ?? 0, unit), 2, plotH - (b - lo + 0.5) * rowH);
    ctx.textBaseline = 'bottom';
    ctx.fillText(formatTime(t0, t1 - t0), AXIS_LEFT, height);
    const end = formatTime(t1, t1 - t0);
    ctx.fillText(end, width - ctx.measureText(end).width - 2, height);
  }

  private plotX(e: PointerEvent | MouseEvent): number {
    return e.clientX - this.canvas.getBoundingClientRect().left - AXIS_LEFT;
  }

  private down(e: PointerEvent): void {
    if (!this.layout || e.button !== 0) return;
    const x = this.plotX(e);
    this.drag = { x0: x, x1: x };
    this.canvas.setPointerCapture?.(e.pointerId);
  }

  private move(e: PointerEvent): void {
    if (this.drag) {
      this.drag.x1 = this.plotX(e);
      this.invalidate();
      return;
    }
    const cols = this.columns();
    const layout = this.layout;
    if (!cols || !layout) return;
    const r = this.canvas.getBoundingClientRect();
    const cell = heatmapCellAt(cols, layout, this.plotX(e), e.clientY - r.top);
    if (!cell) {
      this.tooltip.hidden = true;
      return;
    }
    const unit = normalizeUnit(cols.unit);
    const lo = cols.bounds[cell.bucket] ?? 0;
    const hi = cols.bounds[cell.bucket + 1];
    this.tooltip.replaceChildren(
      h('div', { class: 'fg-tooltip-name' }, `${formatBound(lo, unit)} – ${hi === undefined ? '∞' : formatBound(hi, unit)}`),
      h('dl', {},
        h('dt', {}, 'events'), h('dd', {}, formatCount(cols.counts[cell.column]?.[cell.bucket] ?? 0)),
        h('dt', {}, 'window'), h('dd', {}, `${formatTime(cols.starts[cell.column]!)} – ${formatTime(cols.ends[cell.column]!)}`)));
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${e.clientX + 14}px`;
    this.tooltip.style.top = `${e.clientY + 14}px`;
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = null;
    const layout = this.layout;
    if (!d || !layout) return;
    d.x1 = this.plotX(e);
    this.invalidate();
    if (Math.abs(d.x1 - d.x0) < 3) return;
    const t = (x: number): number => layout.t0 + (Math.min(Math.max(x, 0), layout.width) / layout.width) * (layout.t1 - layout.t0);
    this.ctx.selection.set({ t0: t(Math.min(d.x0, d.x1)), t1: t(Math.max(d.x0, d.x1)) });
  }
}
