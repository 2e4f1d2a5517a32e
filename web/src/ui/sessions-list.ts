import type { Session } from '../api/types';
import { h, setText } from './dom';
import { formatElapsed } from './format';

const REFRESH_MS = 3000;

export interface SessionsSource {
  sessions(): Promise<Session[]>;
}

/** "2 viewers", "no viewer: ends in 25 s", "detached, ends in 9m 58s", "detached". */
export function describeLease(s: Session): string {
  const l = s.lease;
  if (!l) return '';
  const ends = l.endsInSeconds !== null && l.endsInSeconds !== undefined ? `ends in ${formatElapsed(Math.ceil(l.endsInSeconds))}` : '';
  if (l.kind === 'detached') return ends ? `background, ${ends}` : 'background, until stopped';
  if (l.kind === 'owned') return 'owned by the command that started it';
  const viewers = l.viewers === 0 ? 'no viewer' : l.viewers === 1 ? '1 viewer' : `${l.viewers} viewers`;
  return ends ? `${viewers}: ${ends}` : viewers;
}

/**
 * Every running session on the agent, with what it observes, its lease and buttons to open (join)
 * or stop it. It polls GET /api/sessions only while it is shown and the page is visible; listing
 * does not keep a session alive.
 */
export class SessionsList {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private timer = 0;
  private shown = false;
  private loading = false;
  private current: string | null = null;
  private last: Session[] = [];
  private readonly listeners = new Set<(sessions: Session[]) => void>();

  constructor(
    private readonly api: SessionsSource,
    private readonly actions: { open(s: Session): void; stop(s: Session): Promise<void> },
  ) {
    this.status = h('span', { class: 'muted', 'data-testid': 'sessions-status', 'aria-live': 'polite' });
    this.body = h('ul', { class: 'sessions', 'data-testid': 'sessions-list', 'aria-label': 'Running sessions' });
    this.element = h('section', { class: 'sessions-panel', 'aria-label': 'Sessions' },
      h('div', { class: 'sessions-head' }, h('h2', {}, 'Running sessions'),
        h('button', { type: 'button', 'data-testid': 'sessions-refresh', onclick: () => void this.refresh() }, 'Refresh'), this.status),
      this.body);
    document.addEventListener('visibilitychange', () => {
      if (this.shown && !document.hidden) void this.refresh();
    });
  }

  get sessions(): readonly Session[] {
    return this.last;
  }

  onUpdate(listener: (sessions: Session[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Shown: refresh now and every few seconds while the page is visible. Hidden: nothing runs. */
  setShown(shown: boolean): void {
    if (shown === this.shown) return;
    this.shown = shown;
    window.clearInterval(this.timer);
    this.timer = 0;
    if (shown) {
      void this.refresh();
      this.timer = window.setInterval(() => {
        if (!document.hidden) void this.refresh();
      }, REFRESH_MS);
    }
  }

  setCurrent(id: string | null): void {
    this.current = id;
    this.render();
  }

  async refresh(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      this.last = await this.api.sessions();
      setText(this.status, `updated ${new Date().toLocaleTimeString()}`);
      this.status.classList.remove('error');
    } catch (e) {
      setText(this.status, e instanceof Error ? e.message : String(e));
      this.status.classList.add('error');
    } finally {
      this.loading = false;
    }
    this.render();
    for (const l of [...this.listeners]) l(this.last);
  }

  private render(): void {
    const running = this.last.filter((s) => s.state !== 'stopped');
    if (running.length === 0) {
      this.body.replaceChildren(h('li', { class: 'muted', 'data-testid': 'sessions-empty' }, 'No session is running.'));
      return;
    }
    this.body.replaceChildren(...running.map((s) => {
      const current = s.id === this.current;
      const stop = h('button', { type: 'button', 'data-testid': `session-stop-${s.id}`, 'aria-label': `Stop session ${s.id}`, onclick: async () => {
        stop.disabled = true;
        try {
          await this.actions.stop(s);
        } finally {
          stop.disabled = false;
          void this.refresh();
        }
      } }, 'Stop');
      return h('li', { class: `session-item${current ? ' current' : ''}`, 'data-testid': `session-item-${s.id}`, 'data-session': s.id },
        h('div', { class: 'session-main' },
          h('strong', {}, s.id), ' ',
          h('span', { class: `state state-${s.state}` }, s.targetExited ? 'target exited' : s.state), ' ',
          h('span', {}, s.sources.filter((x) => !x.implicit).map((x) => x.id).join(', ')), ' · ',
          h('span', {}, s.filter?.description ?? ''), ' · ',
          h('span', { class: 'muted' }, formatElapsed(s.elapsedSeconds))),
        h('div', { class: 'session-lease muted', 'data-testid': `session-lease-${s.id}` }, describeLease(s)),
        h('div', { class: 'session-actions' },
          current
            ? h('span', { class: 'muted' }, 'shown')
            : h('button', { type: 'button', class: 'primary', 'data-testid': `session-open-${s.id}`, onclick: () => this.actions.open(s) }, 'Open'),
          stop));
    }));
  }
}
