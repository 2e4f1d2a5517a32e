import type { BreakdownThread, BreakdownView } from '../../api/types';
import { isObject, ReplaceModel } from '../../live/live-model';
import { activityColor } from '../../render/colors';
import { h, setText } from '../../ui/dom';
import { formatDuration, formatValue, normalizeUnit } from '../../ui/format';
import { RangeChip } from '../../ui/range-chip';
import { QueryRunner } from '../query-runner';
import type { Panel, PanelContext, PanelDefinition } from '../registry';

export function isBreakdownView(v: unknown): v is BreakdownView {
  return isObject(v) && Array.isArray(v['threads']);
}

/** The live view of a breakdown may be a summary without threads: any object is kept. */
export const breakdownPanel: PanelDefinition<ReplaceModel<Record<string, unknown>>> = {
  modelType: 'breakdown',
  title: 'Breakdown',
  createModel: () => new ReplaceModel((v: unknown): v is Record<string, unknown> => isObject(v)),
  create: (host, ctx) => new BreakdownPanel(host, ctx),
};

export const STATES = ['running', 'runnable', 'sleeping', 'blocked', 'other', 'unknown'] as const;
export const STATE_COLORS: Readonly<Record<string, string>> = {
  running: '#3f9d57',
  runnable: '#e0a030',
  sleeping: '#9fb8d8',
  blocked: '#c8463c',
  other: '#b8b8b8',
  unknown: 'repeating-linear-gradient(45deg, #ececea 0 4px, #d9d9d5 4px 8px)',
};

/** Each state's share of the thread's time, adding up to 1 (0 for a thread without time). */
export function stateShares(thread: BreakdownThread): Record<string, number> {
  const known = new Set<string>(STATES);
  let sum = 0;
  for (const [state, v] of Object.entries(thread.states)) if (v > 0) sum += v;
  const out: Record<string, number> = {};
  for (const s of STATES) out[s] = 0;
  if (sum <= 0) return out;
  for (const [state, v] of Object.entries(thread.states)) {
    if (!(v > 0)) continue;
    const key = known.has(state) ? state : 'other';
    out[key] = (out[key] ?? 0) + v / sum;
  }
  return out;
}

export interface WaitReason {
  /** `waiting in read fd 3 pipe:[1234]` */
  text: string;
  category: string;
  value: number;
  /** Of the thread's wall time in the range, 0..1. */
  share: number;
}

/** What a thread waited in (the agent's `topReasons`, longest first), worded and with its share of the thread's time. */
export function waitReasons(thread: BreakdownThread): WaitReason[] {
  return (thread.topReasons ?? []).filter((r) => r.value > 0).sort((a, b) => b.value - a.value).map((r) => ({
    // A thread in a synchronisation call waits on the device, not on a plain sleep: say so.
    text: `waiting ${r.category === 'gpu' ? 'on GPU ' : ''}${r.reason.startsWith('in ') ? r.reason : `in ${r.reason}`}`,
    category: r.category,
    value: r.value,
    share: thread.wall > 0 ? Math.min(1, r.value / thread.wall) : 0,
  }));
}

const REQUERY_MS = 2000;
const MAX_THREADS = 200;

/**
 * Where the time went, per thread, for the selected range (or everything retained): a stacked bar
 * of running / runnable / sleeping / blocked adding to 100%, and for each thread its top functions
 * and its top blocking stacks.
 */
class BreakdownPanel implements Panel {
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private readonly note: HTMLElement;
  private readonly chip: RangeChip;
  private readonly sortSelect: HTMLSelectElement;
  private readonly runner: QueryRunner<BreakdownView>;
  private answer: BreakdownView | null = null;
  private error: string | null = null;
  private sortBy: string = 'running';
  private visible = true;
  private pending = 0;
  private lastQuery = 0;
  private requery: ReturnType<typeof setTimeout> | null = null;
  private readonly open = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(host: HTMLElement, private readonly ctx: PanelContext<ReplaceModel<Record<string, unknown>>>) {
    this.chip = new RangeChip(ctx.selection, 'Everything retained');
    this.status = h('span', { class: 'muted', 'data-testid': 'breakdown-status', 'aria-live': 'polite' });
    this.sortSelect = h('select', { 'aria-label': 'Sort threads by', 'data-testid': 'breakdown-sort', onchange: () => {
      this.sortBy = this.sortSelect.value;
      this.invalidate();
    } }, ...STATES.map((s) => h('option', { value: s }, `most ${s}`)));
    this.list = h('div', { class: 'bd-list', 'data-testid': 'breakdown' });
    const legend = h('span', { class: 'legend-inline' }, ...STATES.flatMap((s) => [h('span', { class: 'swatch', style: `background:${STATE_COLORS[s]}` }), s]));
    this.note = h('div', { class: 'fg-notice', 'data-testid': 'breakdown-notice', hidden: true, role: 'status' });
    host.append(h('div', { class: 'panel-toolbar' }, this.chip.element, h('span', { class: 'spacer' }), legend, this.sortSelect, this.status), this.note, this.list);
    this.runner = new QueryRunner((params, signal) => ctx.query<BreakdownView>(params, signal), (result, error) => {
      this.lastQuery = Date.now();
      if (result || error) {
        this.answer = result;
        this.error = error;
      }
      this.invalidate();
    });
    this.unsubscribe.push(
      ctx.onModelChange(() => this.onModel()),
      ctx.selection.subscribe(() => this.refresh(false)),
    );
    ctx.expose({ state: () => ({ threads: this.view()?.threads.length ?? 0, queries: this.runner.count, error: this.error }) });
    this.refresh(false);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) {
      this.refresh(false);
      this.invalidate();
    }
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.runner.dispose();
    this.chip.dispose();
    if (this.requery) clearTimeout(this.requery);
  }

  private liveView(): BreakdownView | null {
    const v = this.ctx.model.value;
    return isBreakdownView(v) ? v : null;
  }

  private view(): BreakdownView | null {
    if (!this.ctx.selection.range) return this.liveView() ?? this.answer;
    return this.answer;
  }

  private refresh(force: boolean): void {
    const r = this.ctx.selection.range;
    if (r) this.runner.request({ t0: r.t0, t1: r.t1 }, force);
    else if (!this.liveView()) this.runner.request({ t0: 0 }, force);
    else this.invalidate();
  }

  private onModel(): void {
    if (!this.ctx.selection.range && !this.liveView() && this.visible && !document.hidden && !this.requery) {
      // Everything retained grows with the session: ask again, at most every few seconds.
      this.requery = setTimeout(() => {
        this.requery = null;
        this.refresh(true);
      }, Math.max(0, REQUERY_MS - (Date.now() - this.lastQuery)));
    }
    this.invalidate();
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
    if (this.error) setText(this.status, `The agent could not answer: ${this.error}`);
    else setText(this.status, view ? `${view.threads.length} threads` : 'Waiting for data…');
    if (!view) return;
    const unit = normalizeUnit(view.unit) || 'ns';
    // Wall time no event covers: before a thread's first event, or events over the timeline cap.
    const unknown = view.threads.reduce((a, t) => a + (t.states['unknown'] ?? 0), 0);
    const wall = view.threads.reduce((a, t) => a + t.wall, 0);
    this.note.hidden = !(wall > 0 && unknown / wall >= 0.05);
    // Without the scheduler (e.g. syscalls alone) every thread's time is unknown by state, yet what
    // it waited in is known from its activity lane: say that rather than blame a cap.
    const noStates = view.threads.length > 0 && view.threads.every((t) => Object.entries(t.states).every(([k, v]) => k === 'unknown' || !(v > 0)));
    const reasons = view.threads.some((t) => (t.topReasons?.length ?? 0) > 0);
    setText(this.note, this.note.hidden ? '' : noStates && reasons
      ? 'No thread states in this session (they come from the sched source): the bars are unknown; what each thread waited in comes from its activity (slow calls, requests).'
      : `${((unknown / wall) * 100).toFixed(0)}% of the threads' time is unknown: before a thread's first event, `
        + 'or events over the timeline\'s per-second cap (not streamed, see the timeline).');
    const threads = view.threads
      .map((t) => ({ t, shares: stateShares(t) }))
      .sort((a, b) => (b.shares[this.sortBy] ?? 0) - (a.shares[this.sortBy] ?? 0) || b.t.wall - a.t.wall)
      .slice(0, MAX_THREADS);
    if (threads.length === 0) {
      this.list.replaceChildren(h('div', { class: 'panel-empty' }, 'No thread in this range.'));
      return;
    }
    this.list.replaceChildren(...threads.map(({ t, shares }) => {
      const key = `${t.pid}/${t.tid}`;
      const segments = STATES.filter((s) => (shares[s] ?? 0) > 0).map((s) => h('span', {
        class: 'bd-seg', 'data-state': s,
        style: `width:${((shares[s] ?? 0) * 100).toFixed(3)}%;background:${STATE_COLORS[s]}`,
        title: `${s}: ${((shares[s] ?? 0) * 100).toFixed(1)}% (${formatValue(t.states[s] ?? 0, unit)})`,
      }));
      const summary = STATES.filter((s) => (shares[s] ?? 0) >= 0.005).map((s) => `${s} ${((shares[s] ?? 0) * 100).toFixed(0)}%`).join(' · ');
      const details = h('details', { class: 'bd-details', ontoggle: (e: Event) => {
        if ((e.target as HTMLDetailsElement).open) this.open.add(key);
        else this.open.delete(key);
      } },
      h('summary', {}, 'Top functions and blocking stacks'),
      h('div', { class: 'bd-tops' },
        h('div', {}, h('strong', {}, 'On CPU'),
          t.topFunctions.length
            ? h('ol', {}, ...t.topFunctions.map((f) => h('li', {}, h('code', {}, f.name), ` ${formatValue(f.value, unit)}`)))
            : h('p', { class: 'muted' }, 'none')),
        h('div', {}, h('strong', {}, 'Blocked in'),
          t.topBlocking.length
            ? h('ol', {}, ...t.topBlocking.map((b) => h('li', {}, h('code', { title: b.frames.join(' → ') }, b.frames.slice(-3).join(' → ')), ` ${formatValue(b.value, unit)}`)))
            : h('p', { class: 'muted' }, 'none'))));
      details.open = this.open.has(key);
      return h('div', { class: 'bd-thread', 'data-testid': 'breakdown-thread', 'data-tid': t.tid },
        h('div', { class: 'bd-head' }, h('strong', {}, t.name),
          h('span', { class: 'muted' }, `${t.process && t.process !== t.name ? `${t.process} · ` : ''}pid ${t.pid} · tid ${t.tid} · ${formatDuration(unit === 'ns' ? t.wall : t.wall * 1000)}`),
          h('span', { class: 'bd-summary' }, summary)),
        h('div', { class: 'bd-bar', role: 'img', 'aria-label': `${t.name}: ${summary}` }, ...segments),
        reasonList(t, unit),
        details);
    }));
  }
}

/** The thread's wait reasons, one row each: what it waited in, how long, and which share of its time. */
function reasonList(thread: BreakdownThread, unit: string): HTMLElement | null {
  const reasons = waitReasons(thread);
  if (reasons.length === 0) return null;
  return h('ul', { class: 'bd-reasons', 'aria-label': `${thread.name}: what it waited in` }, ...reasons.map((r) => h('li', {
    'data-testid': 'breakdown-reason', 'data-category': r.category, title: `${r.category}: ${(r.share * 100).toFixed(1)}% of the thread's time`,
  },
  h('span', { class: 'swatch lane', style: `background:${activityColor(r.category)}` }),
  h('span', { class: 'bd-reason-text' }, r.text),
  h('span', { class: 'bd-reason-value' }, `${formatValue(r.value, unit)} · ${(r.share * 100).toFixed(r.share < 0.1 ? 1 : 0)}%`))));
}
