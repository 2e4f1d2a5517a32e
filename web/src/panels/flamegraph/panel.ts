import type { FlameGraphQueryResult, FlameGraphUpdate, TimeRange } from '../../api/types';
import { diffChanges, functionStats, sandwich, type Sandwich } from '../../model/flame-analysis';
import { FlameGraphLive } from '../../model/flamegraph-live';
import { FlameGraphModel } from '../../model/flamegraph-model';
import { computeLayout } from '../../model/layout';
import { buildMatcher } from '../../model/search';
import { DIFF_LEGEND, LEGEND, legendFor, type LegendEntry } from '../../render/colors';
import { h, setText } from '../../ui/dom';
import { formatDuration, formatTime, formatValue, normalizeUnit, unitLabel } from '../../ui/format';
import type { Panel, PanelContext, PanelDefinition } from '../registry';
import { emptyStateMessage } from './empty-state';
import { FlameView, type DiffValues, type FlameGraphTimings, type Rect } from './flame-view';
import { TimeStrip } from './time-strip';
import { TopFunctions } from './top-functions';
import { formatCount, formatPercent } from './view';

export const flameGraphPanel: PanelDefinition<FlameGraphLive> = {
  modelType: 'flamegraph',
  title: 'Flame graph',
  createModel: () => new FlameGraphLive(),
  create: (host, ctx) => new FlameGraphPanel(host, ctx),
};

type CompareMode = 'off' | 'range' | 'session';

interface Shown {
  model: FlameGraphModel;
  key: string;
  mode: 'live' | 'range' | 'diff';
  range: (TimeRange & { windows: number }) | null;
  baseline: (TimeRange & { windows: number }) | null;
  diff: DiffValues | null;
}

/**
 * The flame graph of one model instance: live (the stream's call tree), for the selected time range
 * (`?t0&t1`), or as a diff against a baseline range or another session's graph (red grew, blue
 * shrank). Above it a strip of samples over time to brush a range on; beside it the top functions;
 * flame or icicle orientation; a sandwich view of one function's callers and callees.
 */
class FlameGraphPanel implements Panel {
  private readonly live: FlameGraphLive;
  private readonly main: FlameView;
  private readonly callers: FlameView;
  private readonly callees: FlameView;
  private readonly strip: TimeStrip;
  private readonly top: TopFunctions;
  private readonly searchInput: HTMLInputElement;
  private readonly searchResult: HTMLSpanElement;
  private readonly breadcrumb: HTMLElement;
  private readonly resetZoom: HTMLButtonElement;
  private readonly rangeLabel: HTMLElement;
  private readonly clearRange: HTMLButtonElement;
  private readonly compareSelect: HTMLSelectElement;
  private readonly sessionSelect: HTMLSelectElement;
  private readonly compareNote: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly orientationButton: HTMLButtonElement;
  private readonly sandwichButton: HTMLButtonElement;
  private readonly topButton: HTMLButtonElement;
  private readonly graphArea: HTMLElement;
  private readonly sandwichArea: HTMLElement;
  private readonly sandwichTitle: HTMLElement;
  private readonly body: HTMLElement;

  private query = '';
  private regex = false;
  private icicle = false;
  private showSandwich = false;
  private showTop = true;
  private focusFrame = -1;
  private focusName: string | null = null;
  private compare: CompareMode = 'off';
  private baseline: TimeRange | null = null;
  private otherSession = '';
  private shown: Shown;
  private rangeModel: Shown | null = null;
  private rangeKey = '';
  private inflight: AbortController | null = null;
  private queries = 0;
  private queryError: string | null = null;
  private sandwichData: Sandwich | null = null;
  private sandwichKey = '';
  private topKey = '';
  private visible = true;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    host: HTMLElement,
    private readonly ctx: PanelContext<FlameGraphLive>,
  ) {
    this.live = ctx.model;
    this.shown = { model: this.live.tree, key: 'live', mode: 'live', range: null, baseline: null, diff: null };
    const label = ctx.info().title;

    this.searchInput = h('input', {
      type: 'search', placeholder: 'Search frames…', 'aria-label': 'Search frames by name', 'data-testid': 'search-input',
      oninput: () => this.setSearch(this.searchInput.value, this.regex),
    });
    const regexBox = h('input', {
      type: 'checkbox', 'data-testid': 'search-regex', 'aria-label': 'Search with a regular expression',
      onchange: (e: Event) => this.setSearch(this.query, (e.target as HTMLInputElement).checked),
    });
    this.searchResult = h('span', { class: 'fg-search-result', 'data-testid': 'search-result', 'aria-live': 'polite' });
    this.orientationButton = h('button', {
      type: 'button', 'data-testid': 'orientation', 'aria-pressed': 'false', title: 'Root at the top (icicle) or at the bottom (flame graph)',
      onclick: () => this.setIcicle(!this.icicle),
    }, 'Icicle');
    this.sandwichButton = h('button', {
      type: 'button', 'data-testid': 'sandwich-toggle', 'aria-pressed': 'false', disabled: true,
      title: 'Callers and callees of the focused function (focus one in the table, or Shift+click a frame)',
      onclick: () => this.setSandwich(!this.showSandwich),
    }, 'Callers/callees');
    this.topButton = h('button', {
      type: 'button', 'data-testid': 'top-toggle', 'aria-pressed': 'true', onclick: () => this.setTop(!this.showTop),
    }, 'Functions');

    this.compareSelect = h('select', { 'data-testid': 'compare-mode', 'aria-label': 'Compare with', onchange: () => this.setCompare(this.compareSelect.value as CompareMode) },
      h('option', { value: 'off' }, 'No comparison'),
      h('option', { value: 'range' }, 'Diff: vs a baseline range'),
      h('option', { value: 'session' }, 'Diff: vs another session'));
    this.sessionSelect = h('select', {
      'data-testid': 'compare-session', 'aria-label': 'Session to compare with', hidden: true,
      onchange: () => {
        this.otherSession = this.sessionSelect.value;
        this.refreshQuery();
      },
    });
    this.compareNote = h('span', { class: 'muted fg-compare-note', 'data-testid': 'compare-note' });
    this.legend = h('ul', { class: 'fg-legend', 'aria-label': 'Colours', 'data-testid': 'legend' });

    this.rangeLabel = h('span', { class: 'fg-range', 'data-testid': 'range-label', 'aria-live': 'polite' }, 'Live');
    this.clearRange = h('button', {
      type: 'button', class: 'link', 'data-testid': 'range-clear', hidden: true, 'aria-label': 'Back to the live view',
      onclick: () => ctx.selection.set(null),
    }, '✕ live');
    this.strip = new TimeStrip((r) => ctx.selection.set(r), (r) => this.setBaseline(r), `${label} samples over time`);

    this.breadcrumb = h('nav', { class: 'fg-breadcrumb', 'aria-label': 'Zoom path', 'data-testid': 'breadcrumb' });
    this.resetZoom = h('button', { type: 'button', 'data-testid': 'reset-zoom', disabled: true, onclick: () => this.main.zoomTo(0) }, 'Reset zoom');
    this.notice = h('div', { class: 'fg-notice', 'data-testid': 'flamegraph-notice', hidden: true, role: 'status' });

    this.main = new FlameView({
      testid: 'flamegraph-canvas', label,
      onFunction: (frame) => this.focus(frame, true),
      onZoom: (path) => this.renderBreadcrumb(path),
    });
    this.main.onDraw = () => this.renderSearchResult();
    this.callers = new FlameView({ testid: 'sandwich-callers', label: 'Callers', onFunction: (f) => this.focusByName(this.callers, f) });
    this.callees = new FlameView({ testid: 'sandwich-callees', label: 'Callees', onFunction: (f) => this.focusByName(this.callees, f) });
    this.callees.setIcicle(true);
    this.top = new TopFunctions((frame) => this.focus(frame, false));

    this.sandwichTitle = h('div', { class: 'fg-sandwich-title', 'data-testid': 'sandwich-title' });
    this.graphArea = h('div', { class: 'fg-graph' }, this.main.element);
    this.sandwichArea = h('div', { class: 'fg-sandwich', hidden: true, 'data-testid': 'sandwich' },
      h('div', { class: 'fg-sandwich-label muted' }, 'Callers (who calls it, nearest caller next to it)'), this.callers.element,
      this.sandwichTitle,
      h('div', { class: 'fg-sandwich-label muted' }, 'Callees (what it calls)'), this.callees.element);
    this.body = h('div', { class: 'fg-body' }, h('div', { class: 'fg-main' }, this.graphArea, this.sandwichArea), this.top.element);

    host.classList.add('fg-panel');
    host.append(
      h('div', { class: 'fg-toolbar' },
        h('label', { class: 'fg-search' }, this.searchInput),
        h('label', { class: 'fg-regex', title: 'Regular expression' }, regexBox, '.*'),
        this.searchResult,
        h('span', { class: 'spacer' }),
        this.orientationButton, this.sandwichButton, this.topButton),
      h('div', { class: 'fg-toolbar fg-rangebar' },
        this.rangeLabel, this.clearRange,
        h('span', { class: 'spacer' }),
        this.compareSelect, this.sessionSelect, this.compareNote),
      this.strip.element,
      h('div', { class: 'fg-zoombar' }, this.resetZoom, this.breadcrumb, h('span', { class: 'spacer' }), this.legend),
      this.notice,
      this.body,
    );

    this.unsubscribe.push(
      ctx.onModelChange(() => this.onLive()),
      ctx.onSessionChange(() => this.refreshEmpty()),
      ctx.selection.subscribe(() => this.refreshQuery()),
    );
    this.renderLegend();
    this.strip.setWindows(this.live.windows);
    this.onLive();
    this.refreshQuery();

    ctx.expose({
      stats: (): FlameGraphTimings & { totalSamples: number; zoom: number; mode: string; queries: number } => ({
        ...this.main.timings, totalSamples: this.shown.model.totalSamples, zoom: this.main.zoomNode, mode: this.shown.mode, queries: this.queries,
      }),
      /** Viewport rectangle of the widest visible search match, or null. */
      widestMatchRect: (): Rect | null => this.main.widestMatchRect(true),
      /** Client x of a time on the strip (ns since the session started). */
      stripX: (t: number): number => this.strip.clientX(t),
      /** Replaces the live model with a full update and draws it at once; returns the timings. */
      load: (update: FlameGraphUpdate): FlameGraphTimings | string => {
        const r = this.live.tree.apply(update);
        if (r !== 'applied') return r;
        this.ctx.selection.set(null);
        this.showLive();
        this.main.resetView();
        return this.main.drawNow();
      },
      /** Draws again now (no model change) and returns the timings. */
      redraw: (): FlameGraphTimings => this.main.drawNow(),
      state: () => ({
        mode: this.shown.mode, range: this.shown.range, baseline: this.shown.baseline, compare: this.compare,
        icicle: this.icicle, sandwich: this.showSandwich, focus: this.focusName, queries: this.queries, error: this.queryError,
      }),
    });
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const v of [this.main, this.callers, this.callees]) v.setVisible(visible);
    this.strip.setVisible(visible);
    if (visible) this.refreshTop();
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.inflight?.abort();
    for (const v of [this.main, this.callers, this.callees]) v.dispose();
    this.strip.dispose();
  }

  // --- what is shown ------------------------------------------------------------------------

  private onLive(): void {
    this.strip.setWindows(this.live.windows);
    this.strip.invalidate();
    if (this.shown.mode === 'live') {
      this.showLive();
    }
    const dropped = this.live.droppedWindows;
    this.notice.hidden = dropped === 0;
    setText(this.notice, dropped > 0 ? `${formatCount(dropped)} oldest windows were dropped to stay within the session's memory budget: ranges before ${formatTime(this.live.windows.span?.t0 ?? 0)} are gone.` : '');
    this.refreshEmpty();
  }

  private showLive(): void {
    this.shown = { model: this.live.tree, key: `live:${this.live.tree.epoch}`, mode: 'live', range: null, baseline: null, diff: null };
    this.main.setModel(this.live.tree, this.shown.key, this.unit());
    this.afterShownChanged();
  }

  private unit(): string {
    return normalizeUnit(this.live.unit || this.ctx.info().unit) || 'samples';
  }

  /** The selection, the compare mode or the baseline changed: ask the agent (through the binding). */
  private refreshQuery(): void {
    const selection = this.ctx.selection.range;
    const params: Record<string, string | number | undefined> = {};
    if (selection) {
      params['t0'] = selection.t0;
      params['t1'] = selection.t1;
    }
    let diffReady = false;
    if (this.compare === 'range' && this.baseline) {
      params['baseline.t0'] = this.baseline.t0;
      params['baseline.t1'] = this.baseline.t1;
      diffReady = true;
    } else if (this.compare === 'session' && this.otherSession) {
      const [session, model] = this.otherSession.split('/');
      params['baseline.session'] = session;
      params['baseline.model'] = model;
      diffReady = true;
    }
    this.strip.setSelection(selection, this.compare === 'range' ? this.baseline : null);
    this.renderCompareNote();
    setText(this.rangeLabel, selection
      ? `Range ${formatTime(selection.t0)} – ${formatTime(selection.t1)}`
      : diffReady ? 'Everything retained' : 'Live');
    this.clearRange.hidden = !selection;
    this.renderLegend();

    const key = JSON.stringify(params);
    if (!selection && !diffReady) {
      this.inflight?.abort();
      this.inflight = null;
      this.rangeKey = '';
      this.rangeModel = null;
      this.queryError = null;
      this.showLive();
      return;
    }
    if (key === this.rangeKey && this.rangeModel) return;
    this.rangeKey = key;
    this.inflight?.abort();
    const controller = new AbortController();
    this.inflight = controller;
    this.queries++;
    this.main.element.dataset['pendingQuery'] = key;
    this.ctx.query<FlameGraphQueryResult>(params, controller.signal).then((result) => {
      if (controller.signal.aborted) return;
      this.inflight = null;
      this.queryError = null;
      this.showQueryResult(result, key);
    }, (e: unknown) => {
      if (controller.signal.aborted) return;
      this.inflight = null;
      this.queryError = e instanceof Error ? e.message : String(e);
      this.rangeModel = null;
      this.shown = { model: new FlameGraphModel(), key: `error:${key}`, mode: diffReady ? 'diff' : 'range', range: null, baseline: null, diff: null };
      this.main.setModel(this.shown.model, this.shown.key, this.unit());
      this.main.setEmptyMessage(`The agent could not answer for this range: ${this.queryError}`);
      this.afterShownChanged(false);
    });
  }

  private showQueryResult(result: FlameGraphQueryResult, key: string): void {
    const model = new FlameGraphModel();
    if (model.apply(result) !== 'applied') {
      this.queryError = 'the answer does not load';
      return;
    }
    let diff: DiffValues | null = null;
    if (result.kind === 'diff' && result.baselineTotals) {
      const baselineTotals = Float64Array.from(result.baselineTotals);
      const baselineTotal = result.baselineTotal ?? baselineTotals[0] ?? 0;
      const { change, maxChange } = diffChanges(model.totals, model.totalSamples, baselineTotals, baselineTotal, model.nodeCount);
      diff = { baselineTotals, baselineTotal, change, maxChange };
    }
    this.shown = {
      model, key: `${result.kind}:${key}`, mode: result.kind === 'diff' ? 'diff' : 'range',
      range: result.range ?? null, baseline: result.baseline ?? null, diff,
    };
    this.rangeModel = this.shown;
    this.main.setModel(model, this.shown.key, normalizeUnit(result.unit) || this.unit(), diff);
    const r = result.range;
    const canvas = this.main.canvas.dataset;
    canvas['range'] = r ? `${r.t0},${r.t1}` : '';
    canvas['rangeWindows'] = String(r?.windows ?? 0);
    if (r) {
      const what = this.ctx.selection.range ? 'Range' : 'Everything retained:';
      setText(this.rangeLabel, `${what} ${formatTime(r.t0)} – ${formatTime(r.t1)} (${r.windows} ${r.windows === 1 ? 'window' : 'windows'}, ${formatDuration(r.t1 - r.t0)})`);
    }
    this.afterShownChanged();
  }

  private afterShownChanged(updateEmpty = true): void {
    const data = this.main.canvas.dataset;
    data['mode'] = this.shown.mode;
    data['queries'] = String(this.queries);
    if (this.shown.mode === 'live') data['range'] = '';
    this.refreshTop();
    this.refreshSandwich();
    if (updateEmpty) this.refreshEmpty();
    this.renderLegend();
  }

  private refreshEmpty(): void {
    if (this.queryError && this.shown.mode !== 'live') return;
    const w = this.live.windows;
    const message = emptyStateMessage({
      session: this.ctx.session(),
      total: this.shown.model.totalSamples,
      mode: this.shown.mode,
      windows: w.count,
      trailingEmpty: w.trailingEmpty(),
      unit: this.unit(),
      processes: this.ctx.targetProcesses(),
      sources: this.ctx.info().sources,
    });
    this.main.setEmptyMessage(message);
  }

  // --- top functions and sandwich ------------------------------------------------------------

  private refreshTop(): void {
    if (!this.showTop || !this.visible) return;
    const m = this.shown.model;
    const key = `${this.shown.key}:${m.revision}`;
    if (key === this.topKey) return;
    this.topKey = key;
    const stats = m.nodeCount > 1 ? functionStats(m, computeLayout(m)) : [];
    this.top.setData(stats, m.totalSamples, this.unit());
    // The focused function keeps its focus by name when the shown tree changes.
    if (this.focusName !== null) {
      const again = stats.find((s) => s.name === this.focusName);
      this.focusFrame = again ? again.frame : -1;
      this.top.setFocused(this.focusFrame);
      this.applyHighlight();
    }
  }

  private focus(frame: number, openSandwich: boolean): void {
    const m = this.shown.model;
    if (frame < 0 || frame >= m.frameCount) return;
    if (this.focusFrame === frame && !openSandwich) {
      // A second click on the focused function opens its callers and callees.
      this.setSandwich(true);
      return;
    }
    this.focusFrame = frame;
    this.focusName = m.frameNames[frame] ?? null;
    this.top.setFocused(frame);
    this.sandwichButton.disabled = false;
    this.applyHighlight();
    if (openSandwich) this.setSandwich(true);
    else this.refreshSandwich();
  }

  private focusByName(view: FlameView, frame: number): void {
    const name = view.currentModel?.frameNames[frame];
    if (name === undefined) return;
    const m = this.shown.model;
    const f = m.frameNames.findIndex((n, i) => n === name && i < m.frameCount);
    if (f >= 0) this.focus(f, true);
  }

  private setSandwich(on: boolean): void {
    this.showSandwich = on && this.focusFrame >= 0;
    this.sandwichButton.setAttribute('aria-pressed', String(this.showSandwich));
    this.graphArea.hidden = this.showSandwich;
    this.sandwichArea.hidden = !this.showSandwich;
    this.main.setVisible(this.visible && !this.showSandwich);
    this.refreshSandwich();
  }

  private refreshSandwich(): void {
    if (!this.showSandwich || this.focusFrame < 0) {
      this.callers.setVisible(false);
      this.callees.setVisible(false);
      return;
    }
    const m = this.shown.model;
    const key = `${this.shown.key}:${m.revision}:${this.focusFrame}`;
    if (key !== this.sandwichKey) {
      this.sandwichKey = key;
      this.sandwichData = sandwich(m, this.focusFrame);
    }
    const s = this.sandwichData!;
    const unit = this.unit();
    setText(this.sandwichTitle, `${m.frameNames[this.focusFrame] ?? ''} — total ${formatValue(s.total, unit)} (${formatPercent(s.total / (m.totalSamples || 1))}), self ${formatValue(s.self, unit)}`);
    this.callers.setModel(s.callers, `callers:${key}`, unit);
    this.callees.setModel(s.callees, `callees:${key}`, unit);
    this.callers.setVisible(this.visible);
    this.callees.setVisible(this.visible);
  }

  // --- view settings --------------------------------------------------------------------------

  private setSearch(query: string, regex: boolean): void {
    this.query = query;
    this.regex = regex;
    this.applyHighlight();
  }

  private applyHighlight(): void {
    const matcher = buildMatcher(this.query, this.regex);
    const fn = typeof matcher === 'function' ? matcher : null;
    const key = `${this.regex ? 'r' : 's'}:${this.query}`;
    this.main.setHighlight(fn, key, this.focusFrame);
    this.main.canvas.dataset['searchError'] = matcher instanceof Error ? matcher.message : '';
    this.renderSearchResult();
  }

  private setIcicle(icicle: boolean): void {
    this.icicle = icicle;
    this.orientationButton.setAttribute('aria-pressed', String(icicle));
    setText(this.orientationButton, icicle ? 'Flame' : 'Icicle');
    this.orientationButton.title = icicle ? 'Root at the bottom (flame graph)' : 'Root at the top (icicle)';
    this.main.setIcicle(icicle);
  }

  private setTop(show: boolean): void {
    this.showTop = show;
    this.topButton.setAttribute('aria-pressed', String(show));
    this.top.element.hidden = !show;
    this.refreshTop();
    this.main.invalidate();
  }

  private setCompare(mode: CompareMode): void {
    this.compare = mode;
    this.sessionSelect.hidden = mode !== 'session';
    if (mode === 'session') void this.fillSessions();
    if (mode === 'range' && !this.baseline) this.baseline = this.defaultBaseline();
    this.refreshQuery();
  }

  private setBaseline(range: TimeRange | null): void {
    this.baseline = range;
    if (range && this.compare !== 'range') {
      this.compare = 'range';
      this.compareSelect.value = 'range';
      this.sessionSelect.hidden = true;
    }
    this.refreshQuery();
  }

  /** The period of the same length just before the selection (or the first half of the history). */
  private defaultBaseline(): TimeRange | null {
    const span = this.live.windows.span;
    if (!span) return null;
    const sel = this.ctx.selection.range;
    if (sel) {
      const len = sel.t1 - sel.t0;
      const t0 = Math.max(span.t0, sel.t0 - len);
      return sel.t0 > t0 ? { t0, t1: sel.t0 } : null;
    }
    const mid = span.t0 + (span.t1 - span.t0) / 2;
    return { t0: span.t0, t1: mid };
  }

  private async fillSessions(): Promise<void> {
    this.sessionSelect.replaceChildren(h('option', { value: '' }, 'Loading sessions…'));
    let others: Awaited<ReturnType<PanelContext['otherModels']>> = [];
    try {
      others = await this.ctx.otherModels();
    } catch (e) {
      this.ctx.showError(e);
    }
    const options = others.map((o) => h('option', { value: `${o.sessionId}/${o.model.id}` }, `${o.sessionId} · ${o.description} · ${o.model.title}`));
    this.sessionSelect.replaceChildren(h('option', { value: '' }, others.length ? 'Choose a session…' : 'No other session has a flame graph'), ...options);
    if (!others.some((o) => `${o.sessionId}/${o.model.id}` === this.otherSession)) this.otherSession = '';
    this.sessionSelect.value = this.otherSession;
  }

  private renderCompareNote(): void {
    let text = '';
    if (this.compare === 'range') {
      text = this.baseline
        ? `baseline ${formatTime(this.baseline.t0)} – ${formatTime(this.baseline.t1)} (Shift+drag on the strip to change)`
        : 'Shift+drag on the strip to choose the baseline';
    } else if (this.compare === 'session') {
      text = this.otherSession ? `baseline: session ${this.otherSession.split('/')[0]}` : '';
    }
    setText(this.compareNote, text);
  }

  private renderLegend(): void {
    const tree = this.shown.model;
    const entries: readonly LegendEntry[] = this.shown.mode === 'diff' ? DIFF_LEGEND : legendFor(tree.frameKinds, tree.frameCount);
    const key = this.shown.mode === 'diff' ? 'diff' : entries === LEGEND ? 'kind' : 'kind+gpu';
    if (this.legend.dataset['kind'] === key) return;
    this.legend.dataset['kind'] = key;
    this.legend.replaceChildren(...entries.map((entry) =>
      h('li', { 'data-family': entry.family }, h('span', { class: 'swatch', style: `background:${entry.swatch}` }), entry.label)));
  }

  private renderSearchResult(): void {
    const error = this.main.canvas.dataset['searchError'];
    let text = '';
    const s = this.main.searchResult;
    if (error) {
      text = `Invalid expression: ${error}`;
    } else if (s && this.query !== '') {
      const unit = this.unit();
      const of = unit === 'samples' ? 'of samples' : `of ${unitLabel(unit)}`;
      text = s.matchedNodes === 0 ? 'No match' : `${formatCount(s.matchedNodes)} ${s.matchedNodes === 1 ? 'frame' : 'frames'}, ${formatPercent(s.share)} ${of}`;
    }
    setText(this.searchResult, text);
    this.searchResult.classList.toggle('error', !!error);
  }

  private renderBreadcrumb(path: number[]): void {
    const m = this.main.currentModel;
    const key = path.join(',');
    if (this.breadcrumb.dataset['path'] === key) return;
    this.breadcrumb.dataset['path'] = key;
    this.breadcrumb.replaceChildren(
      ...(m ? path : []).flatMap((node, i) => {
        const label = node === 0 ? 'all' : m!.name(node);
        const item = i === path.length - 1
          ? h('span', { class: 'current', 'aria-current': 'true' }, label)
          : h('button', { type: 'button', class: 'link', onclick: () => this.main.zoomTo(node) }, label);
        return i === 0 ? [item] : [h('span', { class: 'sep', 'aria-hidden': 'true' }, '›'), item];
      }),
    );
    this.resetZoom.disabled = path.length === 0;
  }
}
