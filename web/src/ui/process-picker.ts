import type { ApiClient } from '../api/client';
import type { ProcessInfo } from '../api/types';
import { h, setText } from './dom';

const REFRESH_MS = 3000;
const MAX_ROWS = 400;

/** A chosen target: one process, or every process (pid null). */
export interface Target {
  pid: number | null;
  label: string;
}

export const ALL_PROCESSES: Target = { pid: null, label: 'All processes' };

/** Case-insensitive match of the filter against pid, name and command line. */
export function filterProcesses(processes: readonly ProcessInfo[], filter: string): ProcessInfo[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return [...processes];
  return processes.filter(
    (p) => String(p.pid).includes(needle) || p.name.toLowerCase().includes(needle) || p.commandLine.toLowerCase().includes(needle),
  );
}

export function describeProcess(p: ProcessInfo): string {
  return `${p.name} (pid ${p.pid})`;
}

/**
 * The searchable process list. It polls GET /api/processes only while it is open and the page is
 * visible, so a closed picker or a background tab costs the agent nothing.
 */
export class ProcessPicker {
  readonly element: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly body: HTMLTableSectionElement;
  private readonly status: HTMLElement;
  private processes: ProcessInfo[] = [];
  private rows = new Map<number | null, HTMLTableRowElement>();
  private selected: number | null = null;
  private timer = 0;
  private loading = false;
  private isOpen = false;

  constructor(
    private readonly api: ApiClient,
    private readonly onPick: (target: Target) => void,
  ) {
    this.filter = h('input', {
      type: 'search',
      placeholder: 'Filter by pid, name or command line',
      'aria-label': 'Filter processes',
      'data-testid': 'process-filter',
      oninput: () => this.render(),
    });
    this.body = h('tbody');
    this.status = h('span', { class: 'picker-status', 'data-testid': 'process-status', 'aria-live': 'polite' });
    this.element = h('section', { class: 'picker', 'data-testid': 'process-picker', hidden: true, 'aria-label': 'Processes' },
      h('div', { class: 'picker-bar' },
        this.filter,
        h('button', { type: 'button', 'data-testid': 'process-refresh', onclick: () => void this.refresh() }, 'Refresh'),
        this.status),
      h('div', { class: 'picker-table' },
        h('table', {},
          h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'PID'), h('th', { class: 'num' }, 'CPU %'), h('th', {}, 'Name'), h('th', {}, 'Command line'))),
          this.body)),
    );
    document.addEventListener('visibilitychange', () => {
      if (this.isOpen && !document.hidden) void this.refresh();
    });
    this.render();
  }

  get open(): boolean {
    return this.isOpen;
  }

  setOpen(open: boolean): void {
    if (open === this.isOpen) return;
    this.isOpen = open;
    this.element.hidden = !open;
    window.clearInterval(this.timer);
    this.timer = 0;
    if (open) {
      void this.refresh();
      this.timer = window.setInterval(() => {
        if (!document.hidden) void this.refresh();
      }, REFRESH_MS);
      this.filter.focus();
    }
  }

  /** Marks the row of the current target. */
  setSelected(pid: number | null): void {
    this.selected = pid;
    this.render();
  }

  async refresh(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      this.processes = await this.api.processes();
      setText(this.status, `${this.processes.length} processes, updated ${new Date().toLocaleTimeString()}`);
      this.status.classList.remove('error');
    } catch (e) {
      setText(this.status, e instanceof Error ? e.message : String(e));
      this.status.classList.add('error');
    } finally {
      this.loading = false;
    }
    this.render();
  }

  private render(): void {
    const shown = filterProcesses(this.processes, this.filter.value);
    const rows: HTMLTableRowElement[] = [this.row(null, undefined)];
    const keep = new Map<number | null, HTMLTableRowElement>();
    keep.set(null, rows[0]!);
    for (const p of shown.slice(0, MAX_ROWS)) {
      const row = this.row(p.pid, p);
      rows.push(row);
      keep.set(p.pid, row);
    }
    this.rows = keep;
    const children: HTMLTableRowElement[] = rows;
    if (shown.length > MAX_ROWS) {
      children.push(h('tr', { class: 'more' }, h('td', { colspan: 4 }, `${shown.length - MAX_ROWS} more: refine the filter`)));
    }
    this.body.replaceChildren(...children);
  }

  /**
   * The row of a process, reused across refreshes (so that a click is not lost when the list
   * refreshes between press and release), with its cells brought up to date.
   */
  private row(pid: number | null, process: ProcessInfo | undefined): HTMLTableRowElement {
    let row = this.rows.get(pid);
    if (!row) {
      const pick = (): void => {
        this.selected = pid;
        this.render();
        const info = this.processes.find((p) => p.pid === pid);
        this.onPick(pid === null ? ALL_PROCESSES : { pid, label: info ? describeProcess(info) : `pid ${pid}` });
      };
      row = h('tr', {
        tabindex: 0,
        'data-testid': pid === null ? 'process-row-all' : `process-row-${pid}`,
        onclick: pick,
        onkeydown: (e: Event) => {
          if ((e as KeyboardEvent).key === 'Enter') pick();
        },
      }, h('td', { class: 'num' }), h('td', { class: 'num' }), h('td', { class: 'name' }), h('td', { class: 'cmd' }));
    }
    const cells = row.cells;
    const commandLine = process ? process.commandLine || `[${process.name}]` : 'every process on the machine';
    setText(cells[0]!, pid === null ? '' : String(pid));
    setText(cells[1]!, process ? process.cpuPercent.toFixed(1) : '');
    setText(cells[2]!, process ? process.name : 'All processes');
    setText(cells[3]!, commandLine);
    cells[3]!.title = commandLine;
    const selected = this.selected === pid;
    row.classList.toggle('selected', selected);
    row.setAttribute('aria-selected', String(selected));
    return row;
  }
}
