import type { TimeRange } from '../../api/types';
import type { WindowSeries } from '../../model/windows';
import { h } from '../../ui/dom';
import { formatTime } from '../../ui/format';

const HEIGHT = 44;
const AXIS = 12;

/** Maps times (ns since the session started) to x (CSS px) over the span of the windows. */
export function stripScale(span: TimeRange | null, width: number): { x: (t: number) => number; t: (x: number) => number } {
  if (!span || width <= 0 || span.t1 <= span.t0) return { x: () => 0, t: () => 0 };
  const k = width / (span.t1 - span.t0);
  return { x: (t) => (t - span.t0) * k, t: (x) => span.t0 + x / k };
}

/**
 * Samples over time above a flame graph: one bar per collection window (from the model's
 * `windows`). Dragging selects a time range (shared by every panel), Shift+drag a baseline to
 * compare against; a click selects one window. Keyboard: arrows move a one-window selection,
 * Shift+arrows extend it, Escape clears.
 */
export class TimeStrip {
  private readonly resizes = new ResizeObserver(() => this.invalidate());
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private windows: WindowSeries | null = null;
  private selection: TimeRange | null = null;
  private baseline: TimeRange | null = null;
  private drag: { from: number; to: number; baseline: boolean; pointer: number } | null = null;
  private pending = 0;
  private visible = true;

  constructor(
    private readonly onSelect: (range: TimeRange | null) => void,
    private readonly onBaseline: (range: TimeRange | null) => void,
    label: string,
  ) {
    this.canvas = h('canvas', { class: 'strip-canvas', 'data-testid': 'time-strip' });
    this.element = h('div', {
      class: 'strip', tabindex: 0, role: 'slider', 'aria-label': `${label}: drag to select a time range, Shift+drag to choose a baseline; arrows move, Escape clears`,
    }, this.canvas);
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    this.canvas.addEventListener('pointerup', (e) => this.up(e));
    this.canvas.addEventListener('pointercancel', () => {
      this.drag = null;
      this.invalidate();
    });
    this.element.addEventListener('keydown', (e) => this.key(e));
    this.resizes.observe(this.element);
  }

  dispose(): void {
    this.resizes.disconnect();
    if (this.pending) cancelAnimationFrame(this.pending);
    this.pending = 0;
  }

  setWindows(windows: WindowSeries): void {
    this.windows = windows;
    this.invalidate();
  }

  setSelection(range: TimeRange | null, baseline: TimeRange | null): void {
    this.selection = range;
    this.baseline = baseline;
    this.invalidate();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.invalidate();
  }

  /** Client x of time t (for tests and hooks). */
  clientX(t: number): number {
    const r = this.canvas.getBoundingClientRect();
    return r.left + stripScale(this.windows?.span ?? null, r.width).x(t);
  }

  invalidate(): void {
    if (this.pending || !this.visible) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  draw(): void {
    const width = Math.max(this.element.clientWidth, 1);
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(HEIGHT * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(HEIGHT * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${HEIGHT}px`;
    }
    const ctx = this.canvas.getContext('2d');
    const w = this.windows;
    const span = w?.span ?? null;
    this.canvas.dataset['windows'] = String(w?.count ?? 0);
    this.canvas.dataset['span'] = span ? `${span.t0},${span.t1}` : '';
    this.canvas.dataset['selection'] = this.selection ? `${this.selection.t0},${this.selection.t1}` : '';
    this.canvas.dataset['baseline'] = this.baseline ? `${this.baseline.t0},${this.baseline.t1}` : '';
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const barsH = HEIGHT - AXIS;
    ctx.fillStyle = '#f4f3ef';
    ctx.fillRect(0, 0, width, barsH);
    if (!w || !span) {
      ctx.fillStyle = '#8a8f95';
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      ctx.fillText('Nothing recorded yet', 6, barsH / 2);
      return;
    }
    const scale = stripScale(span, width);
    const max = w.max || 1;
    ctx.fillStyle = '#c0703a';
    ctx.beginPath();
    for (let i = 0; i < w.count; i++) {
      const x0 = scale.x(w.starts[i]!);
      const x1 = scale.x(w.ends[i]!);
      const bh = (w.totals[i]! / max) * (barsH - 3);
      if (bh > 0) ctx.rect(x0, barsH - bh, Math.max(x1 - x0 - (x1 - x0 > 3 ? 1 : 0), 0.5), bh);
    }
    ctx.fill();

    const overlay = (r: TimeRange | null, fill: string, stroke: string): void => {
      if (!r) return;
      const x0 = Math.max(0, scale.x(r.t0));
      const x1 = Math.min(width, scale.x(r.t1));
      if (x1 <= x0) return;
      ctx.fillStyle = fill;
      ctx.fillRect(x0, 0, x1 - x0, barsH);
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      ctx.strokeRect(x0 + 0.5, 0.5, Math.max(x1 - x0 - 1, 0), barsH - 1);
    };
    overlay(this.baseline, 'rgb(40 100 200 / 0.18)', 'rgb(40 100 200 / 0.8)');
    const d = this.drag;
    if (d) {
      const r = { t0: Math.min(d.from, d.to), t1: Math.max(d.from, d.to) };
      overlay(r, d.baseline ? 'rgb(40 100 200 / 0.25)' : 'rgb(179 64 15 / 0.22)', d.baseline ? 'rgb(40 100 200)' : 'rgb(179 64 15)');
    } else {
      overlay(this.selection, 'rgb(179 64 15 / 0.18)', 'rgb(179 64 15 / 0.9)');
    }

    ctx.fillStyle = '#6a6f75';
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    const spanNs = span.t1 - span.t0;
    ctx.fillText(formatTime(span.t0, spanNs), 2, HEIGHT);
    const end = formatTime(span.t1, spanNs);
    ctx.fillText(end, Math.max(2, width - ctx.measureText(end).width - 2), HEIGHT);
  }

  private timeAt(e: PointerEvent): number {
    const r = this.canvas.getBoundingClientRect();
    const span = this.windows?.span ?? null;
    const x = Math.min(Math.max(e.clientX - r.left, 0), r.width);
    return stripScale(span, r.width).t(x);
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 || !this.windows?.span) return;
    const t = this.timeAt(e);
    this.drag = { from: t, to: t, baseline: e.shiftKey, pointer: e.clientX };
    this.canvas.setPointerCapture?.(e.pointerId);
    e.preventDefault();
  }

  private move(e: PointerEvent): void {
    if (!this.drag) return;
    this.drag.to = this.timeAt(e);
    this.invalidate();
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = null;
    if (!d || !this.windows) return;
    d.to = this.timeAt(e);
    let range: TimeRange;
    if (Math.abs(e.clientX - d.pointer) < 3) {
      // A click: the window under the pointer.
      const i = this.windows.indexAt(d.to);
      if (i < 0) return;
      range = { t0: this.windows.starts[i]!, t1: this.windows.ends[i]! };
    } else {
      range = { t0: Math.min(d.from, d.to), t1: Math.max(d.from, d.to) };
    }
    if (d.baseline) this.onBaseline(range);
    else this.onSelect(range);
    this.invalidate();
  }

  private key(e: KeyboardEvent): void {
    const w = this.windows;
    if (e.key === 'Escape') {
      this.onSelect(null);
      e.preventDefault();
      return;
    }
    if (!w || w.count === 0 || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
    e.preventDefault();
    const dir = e.key === 'ArrowLeft' ? -1 : 1;
    const sel = this.selection;
    if (!sel) {
      const i = w.count - 1;
      this.onSelect({ t0: w.starts[i]!, t1: w.ends[i]! });
      return;
    }
    const first = w.indexAt(sel.t0);
    const last = w.indexAt(sel.t1 - 1);
    if (e.shiftKey) {
      const a = dir < 0 ? Math.max(0, first - 1) : first;
      const b = dir > 0 ? Math.min(w.count - 1, last + 1) : last;
      this.onSelect({ t0: w.starts[a]!, t1: w.ends[b]! });
    } else {
      const a = Math.min(Math.max(first + dir, 0), w.count - 1);
      const b = Math.min(Math.max(last + dir, 0), w.count - 1);
      this.onSelect({ t0: w.starts[a]!, t1: w.ends[b]! });
    }
  }
}
