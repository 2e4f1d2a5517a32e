import type { ProcessFilterRequest, Session } from '../api/types';
import { CounterRates, type SourceView } from '../model/rates';
import { confirmAction } from './confirm';
import { h, setText } from './dom';
import { formatBytes, formatCount, formatElapsed, formatRate } from './format';
import { ProcessPicker, type ProcessSource } from './process-picker';
import { describeLease } from './sessions-list';

export interface SessionActions {
  pause(): Promise<void>;
  resume(): Promise<void>;
  reset(): Promise<void>;
  stop(): Promise<void>;
  leave(): void;
  setFilter(filter: ProcessFilterRequest): Promise<void>;
}

/** The state word shown: the target's exit shows even while the session still runs. */
export function stateLabel(s: Session | null): string {
  if (!s) return 'idle';
  if (s.state !== 'stopped' && s.targetExited) return 'target exited';
  return s.state;
}

/** A counter's value as shown: bpf.ns_per_run as a cost per event, the rest as counts. */
export function counterText(name: string, value: number): string {
  if (name === 'bpf.ns_per_run' || name.endsWith('.ns_per_run')) return `${formatCount(value)} ns/event`;
  if (name.endsWith('_bytes') || name.endsWith('.bytes')) return formatBytes(value);
  return formatCount(value);
}

/**
 * The shown session: its state (with "target exited"), what it observes, elapsed running time as
 * the agent counts it (a pause does not count), its lease and memory, why it ended, the controls,
 * and per source what it attached with and its counters — events and losses with rates measured
 * from consecutive snapshots, losses in the warning colour, the BPF cost per event.
 */
export class SessionBar {
  readonly element: HTMLElement;
  private readonly state: HTMLElement;
  private readonly target: HTMLElement;
  private readonly elapsed: HTMLElement;
  private readonly lease: HTMLElement;
  private readonly memory: HTMLElement;
  private readonly sources: HTMLElement;
  private readonly sourcesBox: HTMLDetailsElement;
  private readonly sourcesSummary: HTMLElement;
  private sourcesToggled = false;
  private readonly exited: HTMLElement;
  private readonly ended: HTMLElement;
  private readonly loop: HTMLElement;
  private readonly buttons: Record<'pause' | 'resume' | 'reset' | 'stop' | 'leave' | 'filter', HTMLButtonElement>;
  private readonly editor: FilterEditor;
  private readonly rates = new CounterRates();
  private session: Session | null = null;
  private busy = false;

  constructor(private readonly actions: SessionActions, processes: ProcessSource, private readonly onError: (e: unknown) => void) {
    const value = (id: string): HTMLElement => h('span', { class: 'stat-value', 'data-testid': `stat-${id}` }, '–');
    this.state = value('state');
    this.target = value('target');
    this.elapsed = value('elapsed');
    this.lease = value('lease');
    this.memory = value('memory');
    const item = (label: string, el: HTMLElement, title: string): HTMLElement =>
      h('div', { class: 'stat', title }, h('span', { class: 'stat-label' }, label), el);
    const button = (id: string, label: string, action: () => Promise<void> | void, title: string, cls = ''): HTMLButtonElement =>
      h('button', { type: 'button', class: cls, 'data-testid': id, title, onclick: () => void this.run(action) }, label);
    this.buttons = {
      pause: button('pause', 'Pause', () => actions.pause(), 'Stop observing without detaching'),
      resume: button('resume', 'Resume', () => actions.resume(), 'Observe again'),
      reset: button('reset', 'Reset', () => actions.reset(), 'Empty every model'),
      filter: button('change-filter', 'Change processes…', () => this.editor.toggle(), 'Change which processes the session observes'),
      leave: button('leave', 'Leave', () => actions.leave(), 'Stop viewing; a viewed session then stops after its grace period'),
      stop: button('stop', 'Stop', () => actions.stop(), 'Stop the session and detach its sources', 'danger'),
    };
    this.sources = h('div', { class: 'source-stats', 'data-testid': 'source-stats' });
    // Many sources' counters take much room: folded to one line (with any loss said) beyond two.
    this.sourcesSummary = h('summary', { 'data-testid': 'source-stats-toggle' });
    this.sourcesBox = h('details', { class: 'source-stats-box', open: true }, this.sourcesSummary, this.sources);
    // Once the person opens or closes it, it stays as they left it.
    this.sourcesSummary.addEventListener('click', () => {
      this.sourcesToggled = true;
    });
    this.exited = h('div', { class: 'notice', role: 'status', 'data-testid': 'target-exited', hidden: true },
      'The target exited: nothing more is recorded for it. The models are kept; change the processes or start another session to continue.');
    this.ended = h('div', { class: 'notice ended', role: 'status', 'data-testid': 'session-ended', hidden: true });
    this.loop = h('div', { class: 'notice warn', role: 'status', 'data-testid': 'loop-errors', hidden: true });
    this.editor = new FilterEditor(processes, async (filter) => {
      const ok = await confirmAction('Change the processes?',
        'The session’s models start afresh for the new processes: what it has recorded so far is discarded.', 'Change and discard');
      if (!ok) return false;
      await actions.setFilter(filter);
      return true;
    }, onError);
    this.element = h('section', { class: 'session-bar', 'aria-label': 'Session', 'data-testid': 'session-bar' },
      h('div', { class: 'stats' },
        item('State', this.state, 'Session state'),
        item('Processes', this.target, 'What the session observes'),
        item('Elapsed', this.elapsed, 'Running time as the agent counts it (paused time left out)'),
        item('Lease', this.lease, 'Who keeps the session running'),
        item('Memory', this.memory, 'History kept by the models / the session’s budget'),
        h('div', { class: 'controls' }, ...Object.values(this.buttons))),
      this.editor.element,
      this.exited, this.ended, this.loop,
      this.sourcesBox);
  }

  update(session: Session | null): void {
    this.session = session;
    if (!session) {
      setText(this.state, 'idle');
      return;
    }
    setText(this.state, stateLabel(session));
    this.state.dataset['state'] = session.state;
    this.state.classList.toggle('warn', session.targetExited || session.state === 'stopped');
    setText(this.target, session.filter?.description ?? '');
    setText(this.elapsed, formatElapsed(session.elapsedSeconds));
    setText(this.lease, session.state === 'stopped' ? 'ended' : describeLease(session));
    setText(this.memory, `${formatBytes(session.memory.retainedBytes)} / ${formatBytes(session.memory.budgetBytes)}${session.memory.droppedHistory > 0 ? ` · ${formatCount(session.memory.droppedHistory)} windows dropped` : ''}`);
    this.memory.classList.toggle('warn', session.memory.droppedHistory > 0);
    this.exited.hidden = !(session.targetExited && session.state !== 'stopped');
    this.ended.hidden = session.state !== 'stopped';
    setText(this.ended, session.state === 'stopped' ? `The session has stopped${session.endReason ? `: ${session.endReason}` : ''}. What it recorded stays readable here for a while; start a new session to continue.` : '');
    const loop = session.loop;
    this.loop.hidden = !loop || (loop.analysisErrors === 0 && loop.lateBatches === 0);
    if (loop) setText(this.loop, `${loop.analysisErrors > 0 ? `${loop.analysisErrors} analysis errors${loop.lastError ? ` (last: ${loop.lastError})` : ''}. ` : ''}${loop.lateBatches > 0 ? `${loop.lateBatches} batches arrived late (a source fell behind).` : ''}`);
    this.renderSources(this.rates.update(session));
    this.refreshControls();
  }

  private refreshControls(): void {
    const s = this.session;
    const active = !!s && s.state !== 'stopped';
    const b = this.buttons;
    b.pause.hidden = s?.state === 'paused';
    b.resume.hidden = !b.pause.hidden;
    b.pause.disabled = this.busy || s?.state !== 'running';
    b.resume.disabled = this.busy || s?.state !== 'paused';
    b.reset.disabled = this.busy || !active;
    b.stop.disabled = this.busy || !active;
    b.filter.disabled = this.busy || !active;
    b.leave.disabled = this.busy;
    setText(b.leave, active ? 'Leave' : 'Close');
    if (!active) this.editor.close();
    document.body.dataset['sessionState'] = s?.state ?? 'idle';
  }

  private async run(action: () => Promise<void> | void): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.refreshControls();
    try {
      await action();
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = false;
      this.refreshControls();
    }
  }

  private renderSources(views: SourceView[]): void {
    const open = views.filter((v) => !v.implicit).length <= 2;
    if (!this.sourcesToggled && this.sourcesBox.open !== open) this.sourcesBox.open = open;
    const lossy = views.filter((v) => v.counters.some((c) => c.kind === 'lost' && c.value > 0)).map((v) => v.id);
    this.sourcesSummary.replaceChildren(
      h('span', { class: 'muted' }, 'Sources and counters: '),
      ...views.filter((v) => !v.implicit).flatMap((v, i) => {
        const main = v.counters.find((c) => c.kind === 'events');
        return [i > 0 ? ' · ' : '', h('strong', {}, v.id), main ? ` ${counterText(main.name, main.value)} ${main.name}${main.rate !== null ? ` (${formatRate(main.rate)})` : ''}` : ''];
      }),
      lossy.length ? h('span', { class: 'warn' }, ` · losses in ${lossy.join(', ')}`) : '');
    this.sources.replaceChildren(...views.map((v) => {
      const options = Object.entries(v.options ?? {}).map(([k, val]) => `${k}=${Array.isArray(val) ? val.join('+') : String(val)}`).join(' ');
      return h('div', { class: 'source-stat', 'data-testid': `source-stat-${v.id}` },
        h('div', { class: 'source-stat-head' }, h('strong', {}, v.title), h('span', { class: 'muted' }, ` ${v.id}${options ? ` · ${options}` : ''}`),
          v.mechanisms.length ? h('span', { class: 'muted mech', title: v.mechanisms.join(', ') }, ` · ${v.mechanisms[0]}${v.mechanisms.length > 1 ? ` +${v.mechanisms.length - 1}` : ''}`) : null),
        h('ul', { class: 'counters' }, ...v.counters.map((c) => {
          const lost = c.kind === 'lost' && c.value > 0;
          const rate = (c.kind === 'events' || (c.kind === 'lost' && c.value > 0)) && c.rate !== null ? formatRate(c.rate) : null;
          return h('li', { class: `counter kind-${c.kind}${lost ? ' warn' : ''}`, title: c.description, 'data-testid': `counter-${v.id}-${c.name}` },
            h('span', { class: 'counter-name' }, c.name),
            h('span', { class: 'counter-value', 'data-testid': `counter-value-${v.id}-${c.name}` }, counterText(c.name, c.value)),
            rate ? h('span', { class: 'counter-rate', 'data-testid': `counter-rate-${v.id}-${c.name}` }, rate) : null);
        })));
    }));
  }
}

/** Chooses new processes for a running session (asks before discarding what it recorded). */
class FilterEditor {
  readonly element: HTMLElement;
  private readonly picker: ProcessPicker;
  private readonly comm: HTMLInputElement;
  private readonly cgroup: HTMLInputElement;

  constructor(processes: ProcessSource, private readonly apply: (f: ProcessFilterRequest) => Promise<boolean>, private readonly onError: (e: unknown) => void) {
    this.picker = new ProcessPicker(processes, () => {}, 'edit-');
    this.comm = h('input', { type: 'text', 'aria-label': 'Process name starts with', placeholder: 'name prefix', 'data-testid': 'edit-comm' });
    this.cgroup = h('input', { type: 'text', 'aria-label': 'In cgroup', placeholder: 'cgroup path', 'data-testid': 'edit-cgroup' });
    this.element = h('div', { class: 'filter-editor', hidden: true, 'data-testid': 'filter-editor' },
      this.picker.element,
      h('div', { class: 'filter-fields inline' }, this.comm, this.cgroup,
        h('button', { type: 'button', class: 'primary', 'data-testid': 'filter-apply', onclick: () => void this.submit() }, 'Apply'),
        h('button', { type: 'button', onclick: () => this.close() }, 'Cancel')));
  }

  toggle(): void {
    if (this.element.hidden) this.openEditor();
    else this.close();
  }

  close(): void {
    this.element.hidden = true;
    this.picker.setOpen(false);
  }

  private openEditor(): void {
    this.element.hidden = false;
    this.picker.setOpen(true);
    this.picker.focusFilter();
  }

  private async submit(): Promise<void> {
    const filter: ProcessFilterRequest = {};
    if (this.picker.pids.length) filter.pids = this.picker.pids;
    if (this.comm.value.trim()) filter.comm = this.comm.value.trim();
    if (this.cgroup.value.trim()) filter.cgroup = this.cgroup.value.trim();
    try {
      if (await this.apply(filter)) this.close();
    } catch (e) {
      this.onError(e);
    }
  }
}
