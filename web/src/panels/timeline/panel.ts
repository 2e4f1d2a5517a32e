import type { TimelineLink, TimelineRelated, TimelineSliceDetail, TimelineSummary, TimelineTrack, TimelineWaker, TimelineWindow } from '../../api/types';
import { isObject, ReplaceModel } from '../../live/live-model';
import {
  atLiveEdge, clampViewport, fetchWindow, followLive, panBy, windowServes, zoomAt,
  type Bounds, type FetchWindow, type Viewport,
} from '../../model/timeline-viewport';
import { hasSpans, LANE_ROW_H, orderCategories, partAt, readSpan, ROW_H, rowBands, spanAt, spanCategories, type SpanRecord } from '../../model/timeline-spans';
import { ACTIVITY_COLORS, activityColor } from '../../render/colors';
import { renderTimeline, sliceAt, stateColor, visibleRows, type TimelineDrawStats, type TimelineRow } from '../../render/timeline-renderer';
import { h, setText } from '../../ui/dom';
import { formatCount, formatDuration, formatTime } from '../../ui/format';
import { spanDetail } from './span-details';
import { stackList } from './stack-list';
import type { Panel, PanelContext, PanelDefinition } from '../registry';

export function isTimelineSummary(v: unknown): v is TimelineSummary {
  return isObject(v) && Array.isArray(v['tracks']) && typeof v['end'] === 'number';
}

export const timelinePanel: PanelDefinition<ReplaceModel<TimelineSummary>> = {
  modelType: 'timeline',
  title: 'Timeline',
  createModel: () => new ReplaceModel(isTimelineSummary),
  create: (host, ctx) => new TimelinePanel(host, ctx),
};

const LABEL_W = 170;
const AXIS_H = 24;
const QUERY_DELAY_MS = 90;
/** In live mode the view follows the stream (about ten changes a second): at most this often. */
const LIVE_REFRESH_MS = 300;
/** The first view: the last 10 s (or everything when shorter). */
const INITIAL_SPAN_NS = 10e9;

/** Tracks in a stable order: by process, then thread id; filtered by a text. */
export function orderTracks(tracks: readonly TimelineTrack[], filter: string): TimelineTrack[] {
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? tracks.filter((t) => t.name.toLowerCase().includes(needle) || (t.process ?? '').toLowerCase().includes(needle)
      || String(t.tid ?? '').includes(needle) || String(t.pid ?? '').includes(needle) || t.id === needle)
    : tracks.slice();
  // Threads by process and thread id, then the CPUs by number, then the devices by category and name.
  const group = (t: TimelineTrack): number => (t.kind === 'cpu' ? 1 : t.kind === 'device' ? 2 : 0);
  const cpuOf = (t: TimelineTrack): number => (t.kind === 'cpu' ? Number(/\d+/.exec(t.id)?.[0] ?? 0) : -1);
  const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return shown.sort((a, b) => group(a) - group(b) || cpuOf(a) - cpuOf(b)
    || (a.pid ?? 0) - (b.pid ?? 0) || (a.tid ?? 0) - (b.tid ?? 0)
    || (a.kind === 'device' ? text(a.process ?? '', b.process ?? '') || text(a.name, b.name) : 0) || (a.id < b.id ? -1 : 1));
}

/**
 * When the waker woke the thread: its `time` when it falls within the slice (an agent that did not
 * see the wakeup itself sends no time or one before the session), else the slice's end.
 */
export function wakeTime(slice: { start: number; duration: number }, waker: TimelineWaker): number {
  const t = waker.time;
  const end = slice.start + slice.duration;
  return typeof t === 'number' && t >= slice.start && t <= end + 1e9 ? t : end;
}

/** An interrupt (pid 0, named `interrupt: …`) woke the thread, not another thread. */
export function wokenByInterrupt(waker: TimelineWaker): boolean {
  return waker.tid === 0 || waker.name.startsWith('interrupt');
}

/**
 * Threads over time: one row per track, slices coloured by state, CPU samples as ticks, wakeups as
 * arrows from the waker. Wheel zooms about the pointer (from the whole history down to a microsecond),
 * drag pans, Shift+wheel scrolls the tracks, Shift+drag selects a time range for every panel. In
 * live mode the right edge follows the newest data; scrolling back pauses it. The panel asks the
 * binding for the visible window (`?t0&t1&px&tracks`) decimated to its width, and for a clicked
 * slice's details (`?track&at`): its stack and its waker.
 */
class TimelinePanel implements Panel {
  private readonly resizes = new ResizeObserver(() => this.invalidate(true));
  private readonly canvas: HTMLCanvasElement;
  private readonly wrap: HTMLElement;
  private readonly details: HTMLElement;
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly liveButton: HTMLButtonElement;
  private readonly filterInput: HTMLInputElement;
  private readonly tooltip: HTMLElement;
  /** One entry per activity category in the held answer. */
  private readonly categoryLegend: HTMLElement;
  /** Rows have activity lanes (taller): set once a device track or a span is seen, and kept. */
  private lanes = false;
  private categories: string[] = [];

  private viewport: Viewport | null = null;
  private live = true;
  /**
   * In live mode, how wide the view is: the last 10 s (`initial`, until the person zooms), the
   * span the person chose (`chosen`), or everything, growing with the history (`all`).
   */
  private spanMode: 'initial' | 'chosen' | 'all' = 'initial';
  private scrollY = 0;
  private rows: TimelineRow[] = [];
  private tracks: TimelineTrack[] = [];
  private rowIndex = new Map<string, number>();
  private data: TimelineWindow | null = null;
  private held: (FetchWindow & { tracks: string }) | null = null;
  private inflight: AbortController | null = null;
  private queryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastQueryAt = 0;
  /** A query was wanted while the page was hidden: ask when it shows again. */
  private staleWhileHidden = false;
  private readonly onVisibility = (): void => {
    if (!document.hidden && this.staleWhileHidden) {
      this.staleWhileHidden = false;
      this.invalidate(true);
    }
  };
  private queries = 0;
  private lastQuery: Record<string, string | number> | null = null;
  /** The clicked slice (lane `states`) or span (lane `spans`: `span` is what the window showed). */
  private detail: {
    track: string; at: number; lane: 'states' | 'spans'; span: SpanRecord | null;
    slice: TimelineSliceDetail | null; link: TimelineLink | null; error: string | null;
  } | null = null;
  private detailAbort: AbortController | null = null;
  private highlightTrack: string | null = null;
  private drag: { x: number; y: number; t: number; scrollY: number; viewport: Viewport; select: boolean; moved: boolean; pointer: number } | null = null;
  private dragSelection: Viewport | null = null;
  private stats: TimelineDrawStats & { drawMs: number } = { slices: 0, rects: 0, instants: 0, links: 0, labels: 0, spans: 0, drawMs: 0 };
  /** Answers applied to the canvas (a test waits for a new one after a query). */
  private answers = 0;
  private visible = true;
  private pending = 0;
  private width = 0;
  private height = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(host: HTMLElement, private readonly ctx: PanelContext<ReplaceModel<TimelineSummary>>) {
    this.canvas = h('canvas', { class: 'tl-canvas', 'data-testid': 'timeline-canvas', role: 'img', 'aria-label': `${ctx.info().title}: threads over time` });
    this.tooltip = h('div', { class: 'fg-tooltip', role: 'tooltip', hidden: true, 'data-testid': 'timeline-tooltip' });
    this.wrap = h('div', {
      class: 'tl-wrap', tabindex: 0,
      'aria-label': 'Timeline: wheel or +/- zoom, drag or arrows pan, Shift+wheel or up/down scroll tracks, Shift+drag selects a range, L follows live, Home shows everything',
    }, this.canvas, this.tooltip);
    this.details = h('aside', { class: 'tl-details', 'data-testid': 'timeline-details', hidden: true, 'aria-live': 'polite' });
    this.status = h('span', { class: 'muted', 'data-testid': 'timeline-status', 'aria-live': 'polite' });
    this.notice = h('div', { class: 'fg-notice', 'data-testid': 'timeline-notice', hidden: true, role: 'status' });
    this.liveButton = h('button', { type: 'button', 'data-testid': 'timeline-live', 'aria-pressed': 'true', onclick: () => this.setLive(!this.live) }, 'Live');
    this.filterInput = h('input', { type: 'search', placeholder: 'Filter tracks…', 'aria-label': 'Filter tracks by thread, process or id', 'data-testid': 'timeline-filter', oninput: () => this.onTracks() });
    const zoomButton = (label: string, factor: number, testid: string): HTMLButtonElement =>
      h('button', { type: 'button', 'data-testid': testid, 'aria-label': factor < 1 ? 'Zoom in' : 'Zoom out', onclick: () => this.zoomCentre(factor) }, label);
    const legend = h('span', { class: 'legend-inline' },
      ...['running', 'runnable', 'sleeping', 'blocked'].flatMap((s) => [h('span', { class: 'swatch', style: `background:${stateColor(s)}` }), s]),
      h('span', { class: 'swatch tick' }), 'CPU sample', h('span', { class: 'swatch arrow' }), 'wakeup (from the waker)');
    this.categoryLegend = h('span', { class: 'legend-inline', 'data-testid': 'timeline-activity-legend', hidden: true });
    host.append(
      h('div', { class: 'panel-toolbar' }, this.filterInput, zoomButton('−', 2, 'timeline-zoom-out'), zoomButton('+', 0.5, 'timeline-zoom-in'),
        h('button', { type: 'button', 'data-testid': 'timeline-all', onclick: () => this.showAll() }, 'All'),
        this.liveButton, h('span', { class: 'spacer' }), legend, this.categoryLegend, this.status),
      this.notice,
      h('div', { class: 'tl-body' }, this.wrap, this.details));

    this.wrap.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    this.canvas.addEventListener('pointerdown', (e) => this.down(e));
    this.canvas.addEventListener('pointermove', (e) => this.move(e));
    this.canvas.addEventListener('pointerup', (e) => this.up(e));
    this.canvas.addEventListener('pointerleave', () => {
      this.tooltip.hidden = true;
    });
    this.wrap.addEventListener('keydown', (e) => this.key(e));
    document.addEventListener('visibilitychange', this.onVisibility);
    this.resizes.observe(this.wrap);
    this.unsubscribe.push(
      ctx.onSessionChange((session) => {
        if (session.state === 'stopped' && this.liveButton.textContent?.startsWith('Live')) this.setLive(this.live);
      }),
      ctx.onModelChange(() => this.onTracks(true)),
      ctx.selection.subscribe(() => this.invalidate(false)),
    );
    ctx.expose({
      state: () => ({
        viewport: this.viewport, live: this.live, tracks: this.rows.length, queries: this.queries, lastQuery: this.lastQuery, answers: this.answers,
        lanes: this.lanes, categories: this.categories,
        detail: this.detail ? {
          track: this.detail.track, at: this.detail.at, lane: this.detail.lane, label: this.detail.slice?.label ?? null,
          related: this.detail.slice?.related ?? null, error: this.detail.error,
          state: this.detail.slice?.state ?? null, start: this.detail.slice?.start ?? null,
          duration: this.detail.slice?.duration ?? null, stack: this.detail.slice?.stack?.map((f) => f.name) ?? null,
          waker: this.detail.slice?.waker ?? null, wakerTrack: this.detail.slice?.waker ? this.wakerTrack(this.detail.link, this.detail.slice.waker) : null,
        } : null,
        highlightTrack: this.highlightTrack, drawn: this.stats, capped: this.summary()?.capped ?? 0, dropped: this.summary()?.dropped ?? 0,
        end: this.summary()?.end ?? null, held: this.held ? { t0: this.held.t0, t1: this.held.t1, px: this.held.px } : null,
      }),
      /** The tracks in row order: id, kind, name, pid, tid. */
      tracks: () => this.tracks.map((t) => ({ id: t.id, kind: t.kind, name: t.name, process: t.process ?? '', pid: t.pid ?? -1, tid: t.tid ?? -1 })),
      /** The slices of the held answer for a track that overlap the view: what the canvas shows. */
      slices: (track: string) => {
        const d = this.data;
        const tr = d?.tracks.find((t) => t.id === track);
        const v = this.viewport;
        if (!d || !tr || !v) return [];
        const s = tr.slices;
        const out: { start: number; duration: number; state: string; label: string | null; merged: number; link: TimelineLink | null }[] = [];
        for (let i = 0; i < s.starts.length; i++) {
          if (s.starts[i]! + s.durations[i]! < v.t0 || s.starts[i]! > v.t1) continue;
          out.push({ start: s.starts[i]!, duration: s.durations[i]!, state: d.strings[s.states[i]!] ?? '', label: s.labels[i]! >= 0 ? d.strings[s.labels[i]!] ?? null : null, merged: s.merged[i]!, link: s.links[i] ?? null });
        }
        return out;
      },
      /** The activity-lane spans of the held answer for a track that overlap the view. */
      spans: (track: string): SpanRecord[] => {
        const d = this.data;
        const v = this.viewport;
        const spans = d?.tracks.find((t) => t.id === track)?.spans;
        if (!d || !v || !spans) return [];
        return spans.filter((s) => s[0] + s[1] >= v.t0 && s[0] <= v.t1).map((s) => readSpan(d.strings, s));
      },
      /** Client coordinates of time t in a track's activity lane at `depth` (for clicking a span). */
      spanPointAt: (track: string, t: number, depth = 0): { x: number; y: number } | null => this.clientPoint(track, t, depth),
      /** Opens the details of the span of `track` at time t and depth, as a click does; resolves with them. */
      spanDetailAt: (track: string, t: number, depth = 0): Promise<TimelineSliceDetail | null> => {
        const v = this.viewport;
        const i = v ? spanAt(this.data?.tracks.find((tr) => tr.id === track), t, depth, (3 * (v.t1 - v.t0)) / this.plotWidth()) : -1;
        return i < 0 ? Promise.resolve(null) : this.openSpanDetail(track, i);
      },
      /** Times of the held answer's instants (CPU samples) of a track within the view. */
      instants: (track: string): number[] => {
        const v = this.viewport;
        const times = this.data?.tracks.find((t) => t.id === track)?.instants?.times ?? [];
        return v ? times.filter((t) => t >= v.t0 && t <= v.t1) : [];
      },
      setViewport: (t0: number, t1: number) => {
        this.spanMode = 'chosen';
        this.setViewport({ t0, t1 }, false);
      },
      /** Opens the details of the slice of `track` at time t, as a click does; resolves with them. */
      detailAt: (track: string, t: number): Promise<TimelineSliceDetail | null> => this.openDetail(track, Math.round(t)),
      /** Filters the tracks as the filter box does. */
      filter: (text: string) => {
        this.filterInput.value = text;
        this.onTracks(false);
      },
      /** Client coordinates of time t on a track's row (for clicking a slice). */
      pointAt: (track: string, t: number): { x: number; y: number } | null => this.clientPoint(track, t, -1),
      /** Draws a window (for measurements) and returns what was drawn and how long it took. */
      drawWindow: (window: TimelineWindow, viewport: Viewport) => {
        this.data = window;
        this.onAnswer();
        this.held = { t0: window.t0, t1: window.t1, px: window.px, tracks: '' };
        this.live = false;
        this.viewport = viewport;
        this.draw();
        const t0 = performance.now();
        this.canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
        return { ...this.stats, rasterMs: performance.now() - t0 };
      },
    });
    this.onTracks();
    if (ctx.session()?.state === 'stopped') this.setLive(this.live);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.invalidate(true);
  }

  dispose(): void {
    this.resizes.disconnect();
    if (this.pending) cancelAnimationFrame(this.pending);
    for (const u of this.unsubscribe) u();
    this.inflight?.abort();
    this.detailAbort?.abort();
    if (this.queryTimer) clearTimeout(this.queryTimer);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  // --- model and viewport ---------------------------------------------------------------------

  private summary(): TimelineSummary | null {
    return this.ctx.model.value;
  }

  private bounds(): Bounds {
    return { start: 0, end: Math.max(this.summary()?.end ?? 0, 1) };
  }

  /** The summary changed (from the stream: `fromModel`), or the filter. */
  private onTracks(fromModel = false): void {
    const s = this.summary();
    this.tracks = orderTracks(s?.tracks ?? [], this.filterInput.value);
    this.rows = this.tracks.map((t) => ({
      id: t.id,
      label: t.name,
      detail: t.kind === 'thread' ? `${t.process ?? ''} ${t.pid ?? ''}/${t.tid ?? ''}${t.end !== null ? ' · exited' : ''}`
        : t.kind === 'cpu' ? 'CPU: who ran' : t.kind === 'device' ? `device · ${t.process ?? ''}` : t.kind,
      kind: t.kind,
    }));
    this.rowIndex = new Map(this.rows.map((r, i) => [r.id, i]));
    if (!this.lanes && (s?.tracks ?? []).some((t) => t.kind === 'device')) this.lanes = true;
    this.sizeToRows();
    if (s) {
      const b = this.bounds();
      if (!this.viewport) this.viewport = clampViewport({ t0: b.end - INITIAL_SPAN_NS, t1: b.end }, b);
      else if (this.live && this.spanMode !== 'chosen') this.viewport = clampViewport({ t0: this.spanMode === 'all' ? b.start : b.end - INITIAL_SPAN_NS, t1: b.end }, b);
      else if (this.live) this.viewport = followLive(this.viewport, b);
    }
    const notes: string[] = [];
    if (s && s.capped > 0) {
      notes.push(`${formatCount(s.capped)} events over the cap of ${formatCount(s.capPerSecond)} per second were counted but not recorded: `
        + 'parts of the tracks are missing (the breakdown counts them as unknown). Raise the sources\' timeline cap, or observe fewer threads.');
    }
    if (s && s.dropped > 0) notes.push(`${formatCount(s.dropped)} oldest slices were dropped to stay within the memory budget.`);
    this.notice.hidden = notes.length === 0;
    this.notice.dataset['capped'] = String(s?.capped ?? 0);
    setText(this.notice, notes.join(' '));
    this.renderStatus();
    this.invalidate(true, fromModel);
  }

  private get rowH(): number {
    return this.lanes ? LANE_ROW_H : ROW_H;
  }

  /** Where the panel sizes itself (the overview's top area), it is as tall as its tracks. */
  private sizeToRows(): void {
    this.wrap.style.setProperty('--tl-content', `${AXIS_H + Math.max(this.rows.length, 3) * this.rowH + 4}px`);
  }

  /** A new window to draw: rows grow activity lanes once it has spans; the legend names their categories. */
  private onAnswer(): void {
    const d = this.detail;
    if (d?.span && d.slice) d.span.depth = this.depthOf(d.track, d.slice, d.span.depth);
    if (!this.lanes && hasSpans(this.data)) {
      this.lanes = true;
      this.sizeToRows();
    }
    // Categories seen stay in the legend while the view moves through quieter parts.
    const order = Object.keys(ACTIVITY_COLORS);
    const merged = orderCategories([...this.categories, ...spanCategories(this.data, order)], order);
    if (merged.length === this.categories.length) return;
    this.categories = merged;
    this.categoryLegend.hidden = false;
    this.categoryLegend.replaceChildren(h('span', { class: 'muted' }, 'activity:'), ...this.categories.flatMap((c) => [
      h('span', { class: 'swatch lane', style: `background:${activityColor(c)}` }),
      h('span', { 'data-testid': 'timeline-legend-category', 'data-category': c }, c)]));
  }

  /** Client coordinates of time t on a track's row: in its state bar (`part` -1) or activity lane `part`. */
  private clientPoint(track: string, t: number, part: number): { x: number; y: number } | null {
    const r = this.rowIndex.get(track);
    const v = this.viewport;
    if (r === undefined || !v) return null;
    const bands = rowBands(this.rows[r]!.kind, this.rowH, this.lanes);
    const band = part < 0 ? bands.state : bands.lanes[Math.min(part, bands.lanes.length - 1)];
    if (!band) return null;
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: rect.left + LABEL_W + ((t - v.t0) / (v.t1 - v.t0)) * (this.width - LABEL_W),
      y: rect.top + AXIS_H + r * this.rowH - this.scrollY + band.top + band.height / 2,
    };
  }

  private renderStatus(): void {
    const s = this.summary();
    setText(this.status, s ? `${this.rows.length} of ${s.tracks.length} tracks · ${formatCount(s.slices)} slices held` : 'Waiting for data…');
  }

  private setViewport(v: Viewport, keepLive: boolean): void {
    const b = this.bounds();
    this.viewport = clampViewport(v, b);
    if (!keepLive) this.setLive(atLiveEdge(this.viewport, b) && this.live);
    this.invalidate(true);
  }

  private setLive(live: boolean): void {
    this.live = live;
    this.liveButton.setAttribute('aria-pressed', String(live));
    setText(this.liveButton, live ? 'Live' : 'Live ▶');
    this.liveButton.title = live ? 'Following the newest data; scroll back to pause' : 'Paused: click to follow the newest data';
    if (this.ctx.session()?.state === 'stopped') {
      // A stopped session does not grow: the button shows its end.
      setText(this.liveButton, live ? 'End' : 'End ▶');
      this.liveButton.title = 'The session has stopped: show the end of what it recorded';
    }
    if (live && this.viewport) {
      this.viewport = followLive(this.viewport, this.bounds());
      this.invalidate(true);
    }
  }

  private zoomCentre(factor: number): void {
    const v = this.viewport;
    if (!v) return;
    const anchor = this.live ? v.t1 : (v.t0 + v.t1) / 2;
    this.spanMode = 'chosen';
    this.setViewport(zoomAt(v, factor, anchor, this.bounds()), this.live);
    if (this.live) this.viewport = followLive(this.viewport!, this.bounds());
  }

  private showAll(): void {
    this.spanMode = 'all';
    const b = this.bounds();
    this.setViewport({ t0: b.start, t1: b.end }, true);
    this.setLive(true);
  }

  // --- drawing and querying -------------------------------------------------------------------

  private invalidate(requery: boolean, fromModel = false): void {
    if (requery) this.scheduleQuery(fromModel);
    if (this.pending || !this.visible) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  private plotWidth(): number {
    return Math.max(this.wrap.clientWidth - LABEL_W, 1);
  }

  /** The tracks whose rows are in view (plus a screen above and below), for the query. */
  private queryTracks(): string[] {
    const plotH = Math.max(this.wrap.clientHeight - AXIS_H, this.rowH);
    const [first, last] = visibleRows(Math.max(0, this.scrollY - plotH), plotH * 3, this.rowH, this.rows.length);
    return this.rows.slice(first, last + 1).map((r) => r.id);
  }

  /**
   * Asks for the view's window soon: after a short pause in the person's moves (debounced), or, for
   * a change of the live model, at most every LIVE_REFRESH_MS (throttled). Nothing while hidden.
   */
  private scheduleQuery(fromModel = false): void {
    if (!this.visible || !this.viewport || this.rows.length === 0) return;
    if (document.hidden) {
      this.staleWhileHidden = true;
      return;
    }
    if (fromModel && this.queryTimer) return;
    if (this.queryTimer) clearTimeout(this.queryTimer);
    const delay = fromModel ? Math.max(QUERY_DELAY_MS, LIVE_REFRESH_MS - (performance.now() - this.lastQueryAt)) : QUERY_DELAY_MS;
    this.queryTimer = setTimeout(() => {
      this.queryTimer = null;
      this.query();
    }, delay);
  }

  private query(): void {
    const v = this.viewport;
    if (!v) return;
    const width = this.plotWidth();
    const tracks = this.queryTracks();
    const trackKey = tracks.join(',');
    const live = this.live;
    // In live mode the newest part changes: ask again whenever the model moved.
    const revision = this.ctx.model.revision;
    if (this.held && this.held.tracks === trackKey && windowServes(this.held, v, width) && (!live || this.heldRevision === revision)) return;
    const w = fetchWindow(v, width, this.bounds());
    const params = { t0: w.t0, t1: w.t1, px: w.px, tracks: trackKey };
    this.inflight?.abort();
    const controller = new AbortController();
    this.inflight = controller;
    this.queries++;
    this.lastQuery = params;
    this.lastQueryAt = performance.now();
    this.ctx.query<TimelineWindow>(params, controller.signal).then((data) => {
      if (controller !== this.inflight) return;
      this.inflight = null;
      this.data = data;
      this.onAnswer();
      this.answers++;
      this.renderStatus();
      this.held = { ...w, tracks: trackKey };
      this.heldRevision = revision;
      this.invalidate(false);
    }, (e: unknown) => {
      if (controller !== this.inflight) return;
      this.inflight = null;
      setText(this.status, `The agent could not answer for this window: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  private heldRevision = -1;

  private draw(): void {
    const width = Math.max(this.wrap.clientWidth, 200);
    const height = Math.max(this.wrap.clientHeight, 120);
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    this.width = width;
    this.height = height;
    const maxScroll = Math.max(0, this.rows.length * this.rowH - (height - AXIS_H));
    this.scrollY = Math.min(Math.max(this.scrollY, 0), maxScroll);
    const ctx = this.canvas.getContext('2d');
    const v = this.viewport;
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (!v) {
      ctx.clearRect(0, 0, width, height);
      return;
    }
    const t0 = performance.now();
    const stats = renderTimeline(ctx, {
      data: this.data, width, height, dpr, labelWidth: LABEL_W, axisHeight: AXIS_H, rowHeight: this.rowH, lanes: this.lanes, viewport: v,
      rows: this.rows, rowIndex: this.rowIndex, scrollY: this.scrollY,
      selection: this.dragSelection ?? this.ctx.selection.range,
      highlight: this.detail && this.detail.lane === 'states' ? { track: this.detail.track, start: this.detail.slice?.start ?? this.detail.at } : null,
      highlightSpan: this.detail?.span ? { track: this.detail.track, ...this.detail.span } : null,
      highlightTrack: this.highlightTrack,
      end: this.summary()?.end ?? null,
      extraLinks: this.detailLink(),
      totals: true,
    });
    this.stats = { ...stats, drawMs: performance.now() - t0 };
    const d = this.canvas.dataset;
    d['t0'] = String(Math.round(v.t0));
    d['t1'] = String(Math.round(v.t1));
    d['live'] = String(this.live);
    d['slices'] = String(stats.slices);
    d['links'] = String(stats.links);
    d['spans'] = String(stats.spans);
    d['lanes'] = String(this.lanes);
    d['tracks'] = String(this.rows.length);
    d['answers'] = String(this.answers);
  }

  /** The clicked slice's wakeup, as an arrow from the waker's row; a clicked span's other end (device or thread). */
  private detailLink(): { fromTrack: string; time: number; toTrack: string; at: number }[] {
    const d = this.detail;
    const related = d?.slice?.related;
    if (d && d.slice && related && this.rowIndex.has(related.track)) return [{ fromTrack: related.track, time: related.time, toTrack: d.track, at: d.slice.start }];
    const waker = d?.slice?.waker;
    if (!d || !d.slice || !waker || wokenByInterrupt(waker)) return [];
    const from = this.wakerTrack(d.link, waker);
    if (!from) return [];
    const t = wakeTime(d.slice, waker);
    return [{ fromTrack: from, time: t, toTrack: d.track, at: t }];
  }

  // --- input ----------------------------------------------------------------------------------

  private timeAtX(clientX: number): number {
    const v = this.viewport!;
    const x = clientX - this.canvas.getBoundingClientRect().left - LABEL_W;
    return v.t0 + (x / this.plotWidth()) * (v.t1 - v.t0);
  }

  private rowAtY(clientY: number): number {
    const y = clientY - this.canvas.getBoundingClientRect().top - AXIS_H + this.scrollY;
    return y < 0 ? -1 : Math.floor(y / this.rowH);
  }

  private wheel(e: WheelEvent): void {
    const v = this.viewport;
    if (!v) return;
    e.preventDefault();
    const scale = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    if (e.shiftKey) {
      this.scrollY += (e.deltaY || e.deltaX) * scale;
      this.invalidate(true);
      return;
    }
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const dt = (e.deltaX * scale / this.plotWidth()) * (v.t1 - v.t0);
      this.setViewport(panBy(v, dt, this.bounds()), false);
      return;
    }
    const factor = Math.exp(e.deltaY * scale * 0.0015);
    const anchor = this.timeAtX(e.clientX);
    const next = zoomAt(v, factor, anchor, this.bounds());
    this.spanMode = 'chosen';
    // Zooming about the live edge keeps following it; anywhere else it pauses.
    this.setViewport(next, this.live && atLiveEdge(next, this.bounds()));
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 || !this.viewport) return;
    this.drag = { x: e.clientX, y: e.clientY, t: this.timeAtX(e.clientX), scrollY: this.scrollY, viewport: this.viewport, select: e.shiftKey, moved: false, pointer: e.pointerId };
    this.canvas.setPointerCapture?.(e.pointerId);
    this.wrap.focus({ preventScroll: true });
  }

  private move(e: PointerEvent): void {
    const d = this.drag;
    if (!d) {
      this.hover(e);
      return;
    }
    if (Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) > 3) d.moved = true;
    if (!d.moved) return;
    if (d.select) {
      const t = this.timeAtX(e.clientX);
      this.dragSelection = { t0: Math.min(d.t, t), t1: Math.max(d.t, t) };
      this.invalidate(false);
      return;
    }
    const v = d.viewport;
    const dt = -((e.clientX - d.x) / this.plotWidth()) * (v.t1 - v.t0);
    this.scrollY = d.scrollY - (e.clientY - d.y);
    this.viewport = clampViewport({ t0: v.t0 + dt, t1: v.t1 + dt }, this.bounds());
    if (dt < 0) this.setLive(false);
    this.invalidate(true);
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    if (d.select && d.moved && this.dragSelection) {
      this.ctx.selection.set(this.dragSelection);
      this.dragSelection = null;
      this.invalidate(false);
      return;
    }
    this.dragSelection = null;
    if (!d.moved) this.click(e);
    else if (this.viewport && atLiveEdge(this.viewport, this.bounds()) && !this.live) this.invalidate(true);
  }

  /** What is under the pointer: the state bar (-1) or an activity lane (its depth) of a row, and a span there. */
  private pointed(e: { clientX: number; clientY: number }): { row: TimelineRow; part: number | null; t: number; span: number } | null {
    const r = this.rowAtY(e.clientY);
    const row = this.rows[r];
    const v = this.viewport;
    if (!row || !v || e.clientX - this.canvas.getBoundingClientRect().left < LABEL_W) return null;
    const inRow = e.clientY - this.canvas.getBoundingClientRect().top - AXIS_H + this.scrollY - r * this.rowH;
    const part = partAt(rowBands(row.kind, this.rowH, this.lanes), inRow);
    const t = this.timeAtX(e.clientX);
    const tolerance = (3 * (v.t1 - v.t0)) / this.plotWidth();
    const span = part !== null && part >= 0 ? spanAt(this.data?.tracks.find((tr) => tr.id === row.id), t, part, tolerance) : -1;
    return { row, part, t, span };
  }

  private hover(e: PointerEvent): void {
    const at = this.pointed(e);
    const v = this.viewport;
    if (!at || !v || at.part === null) {
      this.tooltip.hidden = true;
      return;
    }
    const { row, t } = at;
    if (at.part >= 0) {
      this.hoverSpan(e, row.id, at.span);
      return;
    }
    const tolerance = (3 * (v.t1 - v.t0)) / this.plotWidth();
    const i = sliceAt(this.data, row.id, t, tolerance);
    const track = this.data?.tracks.find((tr) => tr.id === row.id);
    if (i < 0 || !track || !this.data) {
      this.tooltip.hidden = true;
      return;
    }
    const s = track.slices;
    const strings = this.data.strings;
    const label = s.labels[i]! >= 0 ? strings[s.labels[i]!] : null;
    this.tooltip.replaceChildren(
      h('div', { class: 'fg-tooltip-name' }, `${strings[s.states[i]!] ?? 'state'}${label ? ` · ${label}` : ''}`),
      h('dl', {},
        h('dt', {}, 'start'), h('dd', {}, formatTime(s.starts[i]!, v.t1 - v.t0)),
        h('dt', {}, 'duration'), h('dd', {}, formatDuration(s.durations[i]!)),
        ...(s.cpus[i]! >= 0 ? [h('dt', {}, 'cpu'), h('dd', {}, String(s.cpus[i]))] : []),
        ...(s.merged[i]! > 1 ? [h('dt', {}, 'merged'), h('dd', {}, `${s.merged[i]} slices (zoom in to see them)`)] : [])),
      h('div', { class: 'fg-tooltip-hint' }, 'Click: stack and waker'));
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${e.clientX + 14}px`;
    this.tooltip.style.top = `${e.clientY + 14}px`;
  }

  private hoverSpan(e: PointerEvent, track: string, i: number): void {
    const tuple = this.data?.tracks.find((tr) => tr.id === track)?.spans?.[i];
    const v = this.viewport;
    if (!tuple || !this.data || !v) {
      this.tooltip.hidden = true;
      return;
    }
    const span = readSpan(this.data.strings, tuple);
    this.tooltip.replaceChildren(
      h('div', { class: 'fg-tooltip-name' }, `${span.category}${span.label ? ` · ${span.label}` : ''}`),
      h('dl', {},
        h('dt', {}, 'start'), h('dd', {}, formatTime(span.start, v.t1 - v.t0)),
        h('dt', {}, 'duration'), h('dd', {}, formatDuration(span.duration)),
        ...(span.depth > 0 ? [h('dt', {}, 'within'), h('dd', {}, `${span.depth} outer span${span.depth > 1 ? 's' : ''}`)] : []),
        ...(span.merged > 1 ? [h('dt', {}, 'merged'), h('dd', {}, `${span.merged} spans (zoom in to see them)`)] : [])),
      h('div', { class: 'fg-tooltip-hint' }, 'Click: stack and where it went'));
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${e.clientX + 14}px`;
    this.tooltip.style.top = `${e.clientY + 14}px`;
  }

  private click(e: PointerEvent): void {
    const at = this.pointed(e);
    if (!at || at.part === null) return;
    if (at.part >= 0) {
      if (at.span >= 0) void this.openSpanDetail(at.row.id, at.span);
      return;
    }
    // A device's row, or a thread's without states (a session without the scheduler): no slice to ask about.
    if (at.row.kind === 'device' || this.data?.tracks.find((tr) => tr.id === at.row.id)?.slices.starts.length === 0) return;
    void this.openDetail(at.row.id, Math.max(0, Math.round(at.t)));
  }

  /**
   * Opens the details of span `index` of a track's held window (`?track&at&lane=spans`). The agent
   * answers the innermost span covering `at` (the latest to start); a nested span starts at or
   * after its outer one, so the span's own start names it.
   */
  private openSpanDetail(track: string, index: number): Promise<TimelineSliceDetail | null> {
    const tuple = this.data?.tracks.find((t) => t.id === track)?.spans?.[index];
    if (!tuple || !this.data) return Promise.resolve(null);
    const span = readSpan(this.data.strings, tuple);
    return this.fetchDetail({ track, at: span.start, lane: 'spans', span, slice: null, link: null, error: null });
  }

  private openDetail(track: string, at: number): Promise<TimelineSliceDetail | null> {
    // The link of the slice (from the window data) names the waker's track for the jump.
    const v = this.viewport!;
    const i = sliceAt(this.data, track, at, (3 * (v.t1 - v.t0)) / this.plotWidth());
    const tr = this.data?.tracks.find((t) => t.id === track);
    const link = i >= 0 && tr ? tr.slices.links[i] ?? null : null;
    const queryAt = i >= 0 && tr ? Math.max(tr.slices.starts[i]!, Math.min(at, tr.slices.starts[i]! + tr.slices.durations[i]! - 1)) : at;
    return this.fetchDetail({ track, at: queryAt, lane: 'states', span: null, slice: null, link, error: null });
  }

  private fetchDetail(detail: NonNullable<TimelinePanel['detail']>): Promise<TimelineSliceDetail | null> {
    this.detail = detail;
    const { track, at: queryAt } = detail;
    this.detailAbort?.abort();
    const controller = new AbortController();
    this.detailAbort = controller;
    this.renderDetail();
    this.invalidate(false);
    const params = detail.lane === 'spans' ? { track, at: queryAt, lane: 'spans' } : { track, at: queryAt };
    return this.ctx.query<TimelineSliceDetail>(params, controller.signal).then((slice) => {
      if (controller !== this.detailAbort || !this.detail) return null;
      this.detail.slice = slice;
      this.renderDetail();
      this.invalidate(false);
      return slice;
    }, (err: unknown) => {
      if (controller !== this.detailAbort || !this.detail) return null;
      this.detail.error = err instanceof Error ? err.message : String(err);
      this.renderDetail();
      return null;
    });
  }

  private renderDetail(): void {
    const d = this.detail;
    this.details.hidden = d === null;
    if (!d) return;
    const track = this.tracks.find((t) => t.id === d.track);
    const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Close details', 'data-testid': 'timeline-details-close', onclick: () => {
      this.detail = null;
      this.renderDetail();
      this.invalidate(false);
    } }, '✕');
    const title = !track ? d.track : track.kind === 'device' ? `${track.name} (${track.process ?? ''} device)` : `${track.name} (${track.pid ?? ''}/${track.tid ?? ''})`;
    const parts: (Node | null)[] = [
      h('div', { class: 'tl-details-head' }, h('strong', {}, title), close),
    ];
    if (d.error) parts.push(h('p', { class: 'error-text' }, d.error));
    else if (!d.slice) parts.push(h('p', { class: 'muted' }, 'Loading…'));
    else if (d.lane === 'spans') {
      parts.push(...spanDetail(d.slice, d.span, track?.kind === 'device', (related) => this.goToRelated(related)));
    } else {
      const s = d.slice;
      parts.push(h('dl', { class: 'tl-facts' },
        h('dt', {}, 'state'), h('dd', { 'data-testid': 'slice-state' }, `${s.state}${s.label ? ` · ${s.label}` : ''}`),
        h('dt', {}, 'start'), h('dd', {}, formatTime(s.start, s.duration)),
        h('dt', {}, 'duration'), h('dd', {}, formatDuration(s.duration)),
        ...(s.cpu !== null && s.cpu !== undefined && s.cpu >= 0 ? [h('dt', {}, 'cpu'), h('dd', {}, String(s.cpu))] : [])));
      const blocked = s.state !== 'running' && s.state !== 'runnable';
      parts.push(h('h4', {}, blocked ? 'Where it blocked' : 'Stack'), stackList(s.stack, 'slice-stack',
        blocked ? 'No stack: the off-CPU source records stacks of blocks at least its timeline minimum long.' : 'No stack captured.'));
      if (s.waker) {
        const waker = s.waker;
        const interrupt = wokenByInterrupt(waker);
        const target = interrupt ? null : this.wakerTrack(d.link, waker);
        const at = wakeTime(s, waker);
        parts.push(
          h('h4', {}, 'Woken by'),
          h('p', { 'data-testid': 'slice-waker', 'data-tid': waker.tid, 'data-track': target ?? '' },
            interrupt ? waker.name : `${waker.name} (pid ${waker.pid}, tid ${waker.tid})`, h('span', { class: 'muted' }, ` at ${formatTime(at, s.duration)}`)),
          target
            ? h('button', { type: 'button', 'data-testid': 'jump-to-waker', onclick: () => this.jumpTo(target, at) }, 'Show the waker’s track')
            : h('p', { class: 'muted' }, interrupt
              ? 'An interrupt woke it (a timer or a device), not a thread: there is no waker track.'
              : 'The waker has no track here (another process, or filtered out).'),
          h('h4', {}, 'The waker’s stack'),
          stackList(waker.stack, 'waker-stack', 'The waker’s stack was not captured.'));
      } else if (blocked) {
        parts.push(h('p', { class: 'muted', 'data-testid': 'slice-waker' }, 'The waker is not known.'));
      }
    }
    this.details.replaceChildren(...parts.filter((p): p is Node => p !== null));
  }

  /** The waker's track: as the slice detail names it, else the slice's link, else the thread's by tid. */
  private wakerTrack(link: TimelineLink | null, waker: TimelineWaker): string | null {
    const tracks = this.summary()?.tracks ?? [];
    if (waker.track && tracks.some((t) => t.id === waker.track)) return waker.track;
    if (link && tracks.some((t) => t.id === link.track)) return link.track;
    if (wokenByInterrupt(waker)) return null;
    return tracks.find((t) => t.kind === 'thread' && t.tid === waker.tid)?.id ?? null;
  }

  /** Jumps to a span's other end (the device's track, or the thread that issued the request) and opens it there. */
  private goToRelated(related: TimelineRelated): void {
    this.jumpTo(related.track, related.time);
    // The window for the new view is asked for; until it comes, ask the agent by time.
    void this.fetchDetail({ track: related.track, at: related.time, lane: 'spans', span: null, slice: null, link: null, error: null }).then((slice) => {
      if (slice && this.detail?.track === related.track && !this.detail.span) {
        this.detail.span = { start: slice.start, duration: slice.duration, category: slice.state, label: slice.label ?? null, depth: this.depthOf(related.track, slice), merged: 1 };
        this.invalidate(false);
      }
    });
  }

  /** The depth a span detail has in the held window (`otherwise` when the window does not hold it). */
  private depthOf(track: string, slice: TimelineSliceDetail, otherwise = 0): number {
    const spans = this.data?.tracks.find((t) => t.id === track)?.spans ?? [];
    return spans.find((s) => s[0] === slice.start && s[1] === slice.duration)?.[4] ?? otherwise;
  }

  /** Scrolls to a track, points at it and centres the view on time t. */
  private jumpTo(track: string, t: number): void {
    if (!this.rowIndex.has(track)) {
      this.filterInput.value = '';
      this.onTracks();
    }
    const r = this.rowIndex.get(track);
    if (r === undefined) return;
    this.highlightTrack = track;
    const plotH = Math.max(this.wrap.clientHeight - AXIS_H, this.rowH);
    this.scrollY = Math.max(0, r * this.rowH - plotH / 2);
    const v = this.viewport!;
    const span = v.t1 - v.t0;
    this.setLive(false);
    this.setViewport({ t0: t - span / 2, t1: t + span / 2 }, false);
  }

  private key(e: KeyboardEvent): void {
    const v = this.viewport;
    if (!v) return;
    const b = this.bounds();
    const span = v.t1 - v.t0;
    switch (e.key) {
      case '+': case '=': this.zoomCentre(0.5); break;
      case '-': case '_': this.zoomCentre(2); break;
      case 'ArrowLeft': this.setViewport(panBy(v, -span * 0.2, b), false); this.setLive(false); break;
      case 'ArrowRight': this.setViewport(panBy(v, span * 0.2, b), false); break;
      case 'ArrowUp': this.scrollY -= this.rowH; this.invalidate(true); break;
      case 'ArrowDown': this.scrollY += this.rowH; this.invalidate(true); break;
      case 'Home': this.showAll(); break;
      case 'l': case 'L': this.setLive(true); break;
      case 'Escape':
        this.detail = null;
        this.highlightTrack = null;
        this.renderDetail();
        this.ctx.selection.set(null);
        this.invalidate(false);
        break;
      default: return;
    }
    e.preventDefault();
  }
}
