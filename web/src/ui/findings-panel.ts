import type { AdviceReport, DryRun, EvidenceLink, Finding, Journal, JournalEntry, TuningStatus } from '../api/tuning-types';
import { beforeAfter, chartPath, describeEntry } from '../model/tuning';
import { h, setText } from './dom';

/** What the panel asks of the agent (the API client; a fake in tests). */
export interface TuningApi {
  tuningStatus(): Promise<TuningStatus>;
  advise(body: { pid?: number; durationSeconds: number }): Promise<AdviceReport>;
  lastFindings(): Promise<AdviceReport>;
  dryRun(findingId: string, action: string): Promise<DryRun>;
  apply(findingId: string, action: string): Promise<Journal>;
  tuningActions(): Promise<Journal>;
  rollback(id: string): Promise<Journal>;
}

const CHART_WIDTH = 160;
const CHART_HEIGHT = 36;

/**
 * Findings with their evidence (each number linked to the model it came from: opening it starts a
 * session on that model's source for the finding's processes), dry run, apply and rollback buttons,
 * and the journal with a before/after chart of each action's metric. Apply is offered only when
 * the agent allows tuning; otherwise the panel says how to enable it.
 */
export class FindingsPanel {
  readonly element: HTMLElement;
  private readonly status: HTMLElement;
  private readonly findings: HTMLElement;
  private readonly journal: HTMLElement;
  private readonly duration: HTMLInputElement;
  private mode = 'off';

  constructor(
    private readonly api: TuningApi,
    private readonly openEvidence: (link: EvidenceLink, pids: number[]) => void,
    private readonly showError: (e: unknown) => void,
  ) {
    this.status = h('span', { class: 'muted', 'data-testid': 'findings-status', 'aria-live': 'polite' });
    this.duration = h('input', { type: 'number', min: 1, max: 600, value: 10, 'aria-label': 'Seconds of evidence', 'data-testid': 'advise-duration' });
    this.findings = h('ul', { class: 'findings', 'data-testid': 'findings-list', 'aria-label': 'Findings' });
    this.journal = h('ul', { class: 'journal', 'data-testid': 'tuning-journal', 'aria-label': 'Tuning journal' });
    this.element = h('section', { class: 'findings-panel', 'aria-label': 'Findings' },
      h('div', { class: 'sessions-head' }, h('h2', {}, 'Findings'), this.duration,
        h('button', { type: 'button', 'data-testid': 'advise', onclick: () => void this.advise() }, 'Advise'), this.status),
      this.findings,
      h('h3', {}, 'Journal'),
      this.journal);
  }

  async load(): Promise<void> {
    try {
      this.mode = (await this.api.tuningStatus()).mode;
      this.renderFindings(await this.api.lastFindings());
      this.renderJournal(await this.api.tuningActions());
    } catch (e) {
      setText(this.status, e instanceof Error ? e.message : String(e));
    }
  }

  async advise(): Promise<void> {
    const seconds = Number(this.duration.value) || 10;
    setText(this.status, `watching for ${seconds} s …`);
    try {
      this.renderFindings(await this.api.advise({ durationSeconds: seconds }));
    } catch (e) {
      setText(this.status, '');
      this.showError(e);
    }
  }

  renderFindings(report: AdviceReport): void {
    const hint = this.mode === 'apply' ? '' : this.mode === 'recommendOnly' ? ' (recommend only: nothing is applied)' : ' (tuning is off: start the agent with --allow-tuning to apply)';
    setText(this.status, `${report.findings.length} finding(s) in ${report.seconds.toFixed(0)} s${hint}`);
    this.findings.replaceChildren(...report.findings.map((f) => this.finding(f)),
      ...report.notes.map((n) => h('li', { class: 'muted note' }, `${n.advisor}: ${n.text}`)));
  }

  renderJournal(journal: Journal): void {
    this.journal.replaceChildren(...[...journal.actions].reverse().map((e) => this.entry(e)));
  }

  private finding(f: Finding): HTMLElement {
    const result = h('div', { class: 'finding-result', 'data-testid': 'finding-result', 'aria-live': 'polite' });
    const evidence = h('ul', { class: 'evidence' }, ...f.evidence.map((e) => h('li', {},
      `${e.label}: ${e.value} ${e.unit} `,
      e.link ? h('button', { type: 'button', class: 'link', 'data-testid': 'evidence-link', onclick: () => this.openEvidence(e.link!, f.pids) }, `open ${e.link.model}`) : null,
      e.source ? h('span', { class: 'muted' }, ` (${e.source})`) : null)));
    const actions = f.actions.map((a) => h('li', {}, `${a.id}: ${a.summary} `,
      h('button', { type: 'button', 'data-testid': 'dry-run', onclick: () => void this.run(result, () => this.dryRun(f.id, a.id)) }, 'Dry run'),
      this.mode === 'apply' ? h('button', { type: 'button', 'data-testid': 'apply', onclick: () => void this.run(result, () => this.apply(f.id, a.id)) }, 'Apply') : null));
    return h('li', { class: 'finding', 'data-testid': 'finding', 'data-id': f.id },
      h('strong', {}, f.title), h('span', { class: 'muted' }, ` [${f.layer.toLowerCase()}] ${f.id}`),
      evidence,
      h('div', {}, `Expected: ${f.expectedEffect}`),
      h('div', {}, `Risk: ${f.risk}`),
      f.advice ? h('div', { 'data-testid': 'advice' }, `Advice: ${f.advice}`) : null,
      h('ul', { class: 'actions' }, ...actions),
      result);
  }

  private async run(result: HTMLElement, work: () => Promise<string>): Promise<void> {
    setText(result, 'working …');
    try {
      setText(result, await work());
    } catch (e) {
      setText(result, '');
      this.showError(e);
    }
  }

  private async dryRun(finding: string, action: string): Promise<string> {
    const dry = await this.api.dryRun(finding, action);
    return `Would write: ${dry.changes.map((c) => `${c.tunable} ${c.target.key} ${c.before} → ${c.after}`).join('; ')}; judged by ${dry.metric.label}`;
  }

  private async apply(finding: string, action: string): Promise<string> {
    const journal = await this.api.apply(finding, action);
    this.renderJournal(await this.api.tuningActions());
    const entry = journal.actions[0];
    return entry ? describeEntry(entry) : 'no journal entry came back';
  }

  private entry(e: JournalEntry): HTMLElement {
    const chart = beforeAfter(e);
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('width', String(CHART_WIDTH));
    svg.setAttribute('height', String(CHART_HEIGHT));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${e.metric.label}: before ${chart.baselineMean?.toFixed(1) ?? '–'}, after ${chart.afterMean?.toFixed(1) ?? '–'} ${e.metric.unit}`);
    for (const after of [false, true]) {
      const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
      path.setAttribute('d', chartPath(chart, after, CHART_WIDTH, CHART_HEIGHT));
      path.setAttribute('class', after ? 'after' : 'before');
      svg.appendChild(path);
    }
    const rollback = e.state === 'Kept'
      ? h('button', { type: 'button', 'data-testid': 'rollback', onclick: () => void this.rollback(e.id) }, 'Roll back')
      : null;
    return h('li', { class: 'journal-entry', 'data-testid': 'journal-entry', 'data-state': e.state },
      h('strong', {}, `${e.state} `), `${e.findingId} / ${e.actionId} by ${e.who} `, rollback,
      h('div', {}, e.changes.map((c) => `${c.tunable} ${c.target.key}: ${c.before} → ${c.after}${c.restored ? ` (restored ${c.restored})` : ''}`).join('; ')),
      h('div', { class: 'muted' }, describeEntry(e)),
      svg);
  }

  private async rollback(id: string): Promise<void> {
    try {
      await this.api.rollback(id);
      this.renderJournal(await this.api.tuningActions());
    } catch (e) {
      this.showError(e);
    }
  }
}
