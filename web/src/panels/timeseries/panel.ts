import { seriesStats, TimeseriesLive, type TimeseriesData } from '../../model/timeseries-live';
import {
  renderTimeseries, renderTimeseriesHover, seriesColor, windowAt, type TimeseriesDrawStats, type TimeseriesLayout,
} from '../../render/timeseries-renderer';
import { h, setText } from '../../ui/dom';
import { formatCount, formatMeasure, formatTime, normalizeUnit } from '../../ui/format';
import { RangeChip } from '../../ui/range-chip';
import type { Panel, PanelContext, PanelDefinition } from '../registry';

export const timeseriesPanel: PanelDefinition<TimeseriesLive> = {
  modelType: 'timeseries',
  title: 'Time series',
  createModel: () => new TimeseriesLive(),
  create: (host, ctx) => new TimeseriesPanel(host, ctx),
};

/**
 * Values per window over time: one line per series (per-CPU run-queue length, throughput …) with
 * a legend that shows each series' mean and peak — over the selected range when there is one — and
 * hides or shows a series on a click. Dragging across the chart selects a time range for every
 * panel; a click selects the window under the pointer; Escape goes back to live. The chart always
 * shows the whole retained history (the live model holds it), with the selection shaded.
 */
class TimeseriesPanel implements Panel {
  private readonly resizes = new ResizeObserver(() => this.invalidate());
  private readonly canvas: HTMLCanvasElement;
  private readonly wrap: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly chip: RangeChip;
  private readonly hidden = new Set<string>();
  private layout: TimeseriesLayout | null = null;
  private drawn: TimeseriesDrawStats | null = null;
  private drawMs = 0;
  private drag: { x0: number; x1: number; moved: boolean } | null = null;
  private hover: number | null = null;
  private legendKey = '';
  /** The chart without the hover marks, to put back under them (hovering draws no line again). */
  private readonly base = document.createElement('canvas');
  private baseKey = '';
  private visible = true;
  private pending = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(host: HTMLElement, private readonly ctx: PanelContext<TimeseriesLive>) {
    this.chip = new RangeChip(ctx.selection);
    this.status = h('span', { class: 'muted', 'data-testid': 'timeseries-status', 'aria-live': 'polite' });
    this.legend = h('div', { class: 'ts-legend', role: 'group', 'aria-label': 'Series: click to hide or show', 'data-testid': 'timeseries-legend' });
    this.notice = h('div', { class: 'fg-notice', 'data-testid': 'timeseries-notice', hidden: true, role: 'status' });
    this.canvas = h('canvas', {
      class: 'ts-canvas', 'data-testid': 'timeseries-canvas', role: 'img',
      'aria-label': `${ctx.info().title}: one line per series over time; drag to select a range`,
    });
    this.tooltip = h('div', { class: 'fg-tooltip', role: 'tooltip', hidden: true, 'data-testid': 'timeseries-tooltip' });
    this.wrap = h('div', { class: 'ts-wrap', tabindex: 0, 'aria-label': 'Time series: drag to select a range, Escape for live' }, this.canvas, this.tooltip);
    host.append(
      h('div', { class: 'panel-toolbar' }, this.chip.element, h('span', { class: 'spacer' }), this.status),
      this.legend,
      this.notice,
      this.wrap);
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    this.canvas.addEventListener('pointerup', (e) => this.up(e));
    this.canvas.addEventListener('pointerleave', () => {
      this.tooltip.hidden = true;
      if (this.hover !== null) {
        this.hover = null;
        this.invalidate();
      }
    });
    this.wrap.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        ctx.selection.set(null);
        e.preventDefault();
      }
    });
    this.resizes.observe(this.wrap);
    this.unsubscribe.push(
      ctx.onModelChange(() => this.invalidate()),
      ctx.selection.subscribe(() => {
        this.legendKey = '';
        this.invalidate();
      }),
    );
    ctx.expose({
      state: () => ({
        windows: this.data().starts.length,
        unit: this.unit(),
        series: this.legendStats().map((s) => ({ ...s, hidden: this.hidden.has(s.name) })),
        selection: ctx.selection.range,
        drawn: this.drawn,
        drawMs: this.drawMs,
      }),
      /** Client x of time t on the chart (for brushing in tests). */
      clientX: (t: number): number | null => {
        const l = this.layout;
        if (!l) return null;
        return this.canvas.getBoundingClientRect().left + l.left + ((t - l.t0) / (l.t1 - l.t0)) * l.width;
      },
    });
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
    this.chip.dispose();
  }

  private data(): TimeseriesData {
    return this.ctx.model;
  }

  private unit(): string {
    return normalizeUnit(this.data().unit || this.ctx.info().unit);
  }

  private legendStats(): ReturnType<typeof seriesStats> {
    const r = this.ctx.selection.range;
    return seriesStats(this.data(), r?.t0 ?? null, r?.t1 ?? null);
  }

  private invalidate(): void {
    if (this.pending || !this.visible) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  private draw(): void {
    const data = this.data();
    this.renderLegend();
    const n = data.starts.length;
    this.notice.hidden = data.droppedWindows === 0;
    setText(this.notice, data.droppedWindows > 0
      ? `${formatCount(data.droppedWindows)} oldest windows were dropped to stay within the session's memory budget.` : '');
    const session = this.ctx.session();
    setText(this.status, n === 0
      ? session?.state === 'stopped' ? 'No window was recorded.' : `Waiting for the first window (every ${session?.windowSeconds ?? 1} s)…`
      : `${formatCount(n)} ${n === 1 ? 'window' : 'windows'} · ${data.series.length} series`);
    const width = Math.max(this.wrap.clientWidth, 120);
    const height = Math.max(this.wrap.clientHeight, 120);
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    const baseCtx = this.base.getContext('2d');
    if (!ctx || !baseCtx) return;
    const layoutNow = this.layout;
    const brush = this.drag?.moved && layoutNow ? this.timesOf(this.drag.x0, this.drag.x1, layoutNow) : null;
    const r = this.ctx.selection.range;
    const key = `${this.ctx.model.revision}:${this.canvas.width}x${this.canvas.height}:${[...this.hidden].join(',')}:${r?.t0}-${r?.t1}:${brush?.t0}-${brush?.t1}`;
    if (key !== this.baseKey) {
      this.baseKey = key;
      if (this.base.width !== this.canvas.width || this.base.height !== this.canvas.height) {
        this.base.width = this.canvas.width;
        this.base.height = this.canvas.height;
      }
      const t = performance.now();
      const { stats, layout } = renderTimeseries(baseCtx, { data, width, height, dpr, hidden: this.hidden, selection: r, brush, unit: this.unit() });
      this.drawMs = performance.now() - t;
      this.layout = n > 0 ? layout : null;
      this.drawn = stats;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.base, 0, 0);
    if (this.hover !== null && this.layout) {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      renderTimeseriesHover(ctx, data, this.layout, this.hidden, this.hover);
    }
    const stats = this.drawn!;
    const d = this.canvas.dataset;
    d['windows'] = String(n);
    d['series'] = String(stats.series);
    d['points'] = String(stats.points);
    d['drawMs'] = this.drawMs.toFixed(1);
  }

  private renderLegend(): void {
    const data = this.data();
    const stats = this.legendStats();
    const unit = this.unit();
    const r = this.ctx.selection.range;
    const key = `${this.ctx.model.revision}:${[...this.hidden].join(',')}:${r?.t0 ?? ''}-${r?.t1 ?? ''}:${unit}`;
    if (key === this.legendKey) return;
    this.legendKey = key;
    const over = r ? 'in the range' : 'over everything retained';
    this.legend.replaceChildren(
      h('span', { class: 'muted ts-unit', 'data-testid': 'timeseries-unit' }, unit ? `unit: ${unit}` : ''),
      ...data.series.map((s, i) => {
        const st = stats[i]!;
        const off = this.hidden.has(s.name);
        const values = st.mean === null ? 'no value' : `mean ${formatMeasure(st.mean, unit)} · max ${formatMeasure(st.max ?? 0, unit)}`;
        return h('button', {
          type: 'button', class: 'ts-item', 'data-series': s.name, 'data-testid': 'timeseries-series', 'aria-pressed': String(!off),
          title: `${s.label}: ${values} ${over}. Click to ${off ? 'show' : 'hide'} it.`,
          onclick: () => {
            if (this.hidden.has(s.name)) this.hidden.delete(s.name);
            else this.hidden.add(s.name);
            this.invalidate();
          },
        }, h('span', { class: 'ts-swatch', style: `background:${seriesColor(i, s.name)}` }), h('span', { class: 'ts-label' }, s.label),
        h('span', { class: 'muted ts-values' }, values));
      }));
  }

  private timesOf(x0: number, x1: number, l: TimeseriesLayout): { t0: number; t1: number } {
    const t = (x: number): number => l.t0 + (Math.min(Math.max(x, 0), l.width) / l.width) * (l.t1 - l.t0);
    return { t0: t(Math.min(x0, x1)), t1: t(Math.max(x0, x1)) };
  }

  private plotX(e: PointerEvent): number {
    return e.clientX - this.canvas.getBoundingClientRect().left - (this.layout?.left ?? 0);
  }

  private down(e: PointerEvent): void {
    if (!this.layout || e.button !== 0) return;
    const x = this.plotX(e);
    this.drag = { x0: x, x1: x, moved: false };
    this.canvas.setPointerCapture?.(e.pointerId);
    this.wrap.focus({ preventScroll: true });
  }

  private move(e: PointerEvent): void {
    const l = this.layout;
    if (this.drag) {
      this.drag.x1 = this.plotX(e);
      if (Math.abs(this.drag.x1 - this.drag.x0) > 3) this.drag.moved = true;
      this.invalidate();
      return;
    }
    if (!l) return;
    const x = this.plotX(e);
    if (x < 0 || x > l.width) {
      this.tooltip.hidden = true;
      return;
    }
    const t = l.t0 + (x / l.width) * (l.t1 - l.t0);
    const data = this.data();
    const i = windowAt(data, t);
    this.hover = t;
    this.invalidate();
    if (i < 0) {
      this.tooltip.hidden = true;
      return;
    }
    const unit = this.unit();
    const rows = data.series
      .map((s, si) => ({ s, si, v: s.values[i] }))
      .filter((r) => !this.hidden.has(r.s.name) && r.v !== null && r.v !== undefined)
      .sort((a, b) => (b.v as number) - (a.v as number))
      .slice(0, 16);
    this.tooltip.replaceChildren(
      h('div', { class: 'fg-tooltip-name' }, `${formatTime(data.starts[i]!)} – ${formatTime(data.ends[i]!)}`),
      h('dl', {}, ...rows.flatMap((r) => [
        h('dt', {}, h('span', { class: 'ts-swatch', style: `background:${seriesColor(r.si, r.s.name)}` }), ` ${r.s.label}`),
        h('dd', {}, formatMeasure(r.v as number, unit))])),
      h('div', { class: 'fg-tooltip-hint' }, 'Drag: select a range · click: this window'));
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${e.clientX + 14}px`;
    this.tooltip.style.top = `${e.clientY + 14}px`;
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = null;
    const l = this.layout;
    if (!d || !l) return;
    d.x1 = this.plotX(e);
    this.invalidate();
    if (d.moved) {
      this.ctx.selection.set(this.timesOf(d.x0, d.x1, l));
      return;
    }
    // A click selects the window under the pointer.
    const data = this.data();
    const i = windowAt(data, l.t0 + (Math.min(Math.max(d.x1, 0), l.width) / l.width) * (l.t1 - l.t0));
    if (i >= 0) this.ctx.selection.set({ t0: data.starts[i]!, t1: data.ends[i]! });
  }
}
