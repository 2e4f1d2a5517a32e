import type { Session } from '../api/types';
import { h, setText } from './dom';

export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(secs)}s`;
  if (minutes > 0) return `${minutes}m ${pad(secs)}s`;
  return `${secs}s`;
}

/** Session state and counters, with a notice when the profiled process has exited. */
export class StatsBar {
  readonly element: HTMLElement;
  private readonly values: Record<'state' | 'samples' | 'rate' | 'lost' | 'elapsed', HTMLElement>;
  private readonly exited: HTMLElement;

  constructor() {
    const value = (id: string): HTMLElement => h('span', { class: 'stat-value', 'data-testid': `stat-${id}` }, '–');
    this.values = { state: value('state'), samples: value('samples'), rate: value('rate'), lost: value('lost'), elapsed: value('elapsed') };
    const item = (label: string, el: HTMLElement, title: string): HTMLElement =>
      h('div', { class: 'stat', title }, h('span', { class: 'stat-label' }, label), el);
    this.exited = h('div', { class: 'notice', role: 'status', 'data-testid': 'target-exited', hidden: true },
      'The profiled process has exited. The profile is kept; pick another process to continue.');
    this.element = h('div', { class: 'stats-wrap' },
      h('div', { class: 'stats', 'data-testid': 'stats' },
        item('State', this.values.state, 'Session state'),
        item('Samples', this.values.samples, 'Samples in the profile (since start, reset or retarget)'),
        item('Rate', this.values.rate, 'Sampling frequency per CPU'),
        item('Lost', this.values.lost, 'Samples dropped before they reached the profile'),
        item('Elapsed', this.values.elapsed, 'Time since the session started')),
      this.exited);
  }

  update(session: Session | null): void {
    const v = this.values;
    if (!session) {
      for (const el of Object.values(v)) setText(el, '–');
      setText(v.state, 'idle');
      this.exited.hidden = true;
      return;
    }
    setText(v.state, session.state);
    setText(v.samples, session.profileSamples.toLocaleString('en-US'));
    v.samples.title = `${session.collectedSamples.toLocaleString('en-US')} collected since the session started`;
    setText(v.rate, `${session.frequencyHz} Hz`);
    setText(v.lost, session.lostSamples.toLocaleString('en-US'));
    v.lost.classList.toggle('warn', session.lostSamples > 0);
    setText(v.elapsed, formatElapsed(session.elapsedSeconds));
    this.exited.hidden = !session.targetExited;
  }
}
