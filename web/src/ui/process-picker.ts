import type { ProcessInfo } from '../api/types';
import { h, setText } from './dom';

const REFRESH_MS = 3000;
const MAX_ROWS = 400;

/** Case-insensitive match of the filter against pid, name and command line. */
export function filterProcesses(processes: readonly ProcessInfo[], filter: string): ProcessInfo[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return [...processes];
  return processes.filter(
    (p) => String(p.pid).includes(needle) || p.name.toLowerCase().includes(needle) || p.commandLine.toLowerCase().includes(needle),
  );
}

/**
 * Kernel threads have no user stacks. The agent says which they are (`kernelThread`); an older one
 * did not, and they are recognised as ps does: no command line (their name in brackets), no memory.
 */
export function isKernelThread(p: ProcessInfo): boolean {
  if (typeof p.kernelThread === 'boolean') return p.kernelThread;
  return p.rssBytes === 0 && (p.commandLine === '' || p.commandLine === `[${p.name}]`);
}

export function describeProcess(p: ProcessInfo): string {
  return `${p.name} (pid ${p.pid})`;
}

/**
 * The next row index for a navigation key over `count` rows (row 0 is "All processes"), or null
 * when the key does not move.
 */
export function nextRow(key: string, current: number, count: number, page = 10): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown': return Math.min(current + 1, count - 1);
    case 'ArrowUp': return Math.max(current - 1, 0);
    case 'Home': return 0;
    case 'End': return count - 1;
    case 'PageDown': return Math.min(current + page, count - 1);
    case 'PageUp': return Math.max(current - page, 0);
    default: return null;
  }
}

export interface ProcessSource {
  processes(): Promise<ProcessInfo[]>;
}

/**
 * The searchable process list of the start form, for choosing which processes a session observes:
 * a click (or Enter) chooses one process, Ctrl+click (or Space) adds or removes one, "All processes"
 * clears the choice. Arrow keys, Home, End, Page Up/Down move through the rows (from the filter box
 * too). It polls GET /api/processes only while it is open and the page is visible.
 */
export class ProcessPicker {
  readonly element: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly body: HTMLTableSectionElement;
  private readonly status: HTMLElement;
  private processes: ProcessInfo[] = [];
  private rows = new Map<number | null, HTMLTableRowElement>();
  private order: (number | null)[] = [null];
  private selected = new Set<number>();
  private active: number | null = null;
  private timer = 0;
  private loading = false;
  private isOpen = false;

  /** `prefix` keeps test ids apart when two pickers are on one page (the start form's is bare). */
  constructor(
    private readonly api: ProcessSource,
    private readonly onChange: (pids: number[]) => void,
    private readonly prefix = '',
  ) {
    this.filter = h('input', {
      type: 'search',
      placeholder: 'Filter by pid, name or command line',
      'aria-label': 'Filter processes',
      'aria-controls': `${prefix}process-list`,
      'data-testid': `${prefix}process-filter`,
      oninput: () => this.render(),
      onkeydown: (e: Event) => {
        const k = (e as KeyboardEvent).key;
        if (k === 'ArrowDown' || k === 'PageDown') {
          e.preventDefault();
          this.focusRow(Math.min(1, this.order.length - 1));
        } else if (k === 'Enter') {
          e.preventDefault();
          // Enter in the filter chooses the first match.
          const first = this.order[1];
          if (first !== undefined) this.choose(first, false);
        }
      },
    });
    this.body = h('tbody', { id: `${prefix}process-list` });
    this.body.addEventListener('keydown', (e) => this.key(e));
    this.status = h('span', { class: 'picker-status', 'data-testid': `${prefix}process-status`, 'aria-live': 'polite' });
    this.element = h('section', { class: 'picker', 'data-testid': `${prefix}process-picker`, 'aria-label': 'Processes' },
      h('div', { class: 'picker-bar' },
        this.filter,
        h('button', { type: 'button', 'data-testid': `${prefix}process-refresh`, onclick: () => void this.refresh() }, 'Refresh'),
        this.status),
      h('div', { class: 'picker-table' },
        h('table', { role: 'grid', 'aria-multiselectable': 'true', 'aria-label': 'Processes: Enter chooses one, Space adds or removes one' },
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

  get known(): readonly ProcessInfo[] {
    return this.processes;
  }

  get pids(): number[] {
    return [...this.selected];
  }

  /** Open: shown and refreshing every few seconds while the page is visible. Closed: nothing runs. */
  setOpen(open: boolean): void {
    if (open === this.isOpen) return;
    this.isOpen = open;
    window.clearInterval(this.timer);
    this.timer = 0;
    if (open) {
      void this.refresh();
      this.timer = window.setInterval(() => {
        if (!document.hidden) void this.refresh();
      }, REFRESH_MS);
    }
  }

  setSelected(pids: readonly number[]): void {
    this.selected = new Set(pids);
    this.render();
  }

  focusFilter(): void {
    this.filter.focus();
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

  private choose(pid: number | null, toggle: boolean): void {
    if (pid === null) this.selected.clear();
    else if (toggle) {
      if (this.selected.has(pid)) this.selected.delete(pid);
      else this.selected.add(pid);
    } else {
      this.selected = new Set([pid]);
    }
    this.active = pid;
    this.render();
    this.onChange(this.pids);
  }

  private key(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest('tr');
    if (!row || !row.dataset['pid']) return;
    const pid = row.dataset['pid'] === 'all' ? null : Number(row.dataset['pid']);
    const index = this.order.indexOf(pid);
    if (e.key === 'Enter') {
      e.preventDefault();
      this.choose(pid, e.ctrlKey || e.metaKey);
      return;
    }
    if (e.key === ' ') {
      e.preventDefault();
      this.choose(pid, pid !== null);
      return;
    }
    if (e.key === 'Escape') {
      this.filter.focus();
      return;
    }
    const next = nextRow(e.key, index, this.order.length);
    if (next === null) return;
    e.preventDefault();
    this.focusRow(next);
  }

  private focusRow(index: number): void {
    const pid = this.order[index];
    if (pid === undefined) return;
    this.active = pid;
    for (const [p, r] of this.rows) r.tabIndex = p === pid ? 0 : -1;
    const row = this.rows.get(pid);
    row?.focus();
    row?.scrollIntoView({ block: 'nearest' });
  }

  private render(): void {
    const shown = filterProcesses(this.processes, this.filter.value);
    const visible = shown.slice(0, MAX_ROWS);
    const keep = new Map<number | null, HTMLTableRowElement>();
    const rows: HTMLTableRowElement[] = [];
    this.order = [null, ...visible.map((p) => p.pid)];
    if (this.active !== null && !this.order.includes(this.active)) this.active = null;
    for (const pid of this.order) {
      const row = this.row(pid, pid === null ? undefined : visible.find((p) => p.pid === pid));
      keep.set(pid, row);
      rows.push(row);
    }
    this.rows = keep;
    const children: HTMLTableRowElement[] = rows;
    if (shown.length > MAX_ROWS) {
      children.push(h('tr', { class: 'more' }, h('td', { colspan: 4 }, `${shown.length - MAX_ROWS} more: refine the filter`)));
    }
    const focused = document.activeElement;
    this.body.replaceChildren(...children);
    if (focused instanceof HTMLTableRowElement && !this.body.contains(focused)) {
      // The focused row was filtered away: keep the keyboard in the list.
      this.rows.get(this.active)?.focus();
    } else if (focused instanceof HTMLTableRowElement) {
      focused.focus();
    }
  }

  /**
   * The row of a process, reused across refreshes (so that a click is not lost when the list
   * refreshes between press and release), with its cells brought up to date.
   */
  private row(pid: number | null, process: ProcessInfo | undefined): HTMLTableRowElement {
    let row = this.rows.get(pid);
    if (!row) {
      row = h('tr', {
        tabindex: -1,
        'data-pid': pid === null ? 'all' : pid,
        'data-testid': pid === null ? `${this.prefix}process-row-all` : `${this.prefix}process-row-${pid}`,
        onclick: (e: Event) => {
          const m = e as MouseEvent;
          this.choose(pid, pid !== null && (m.ctrlKey || m.metaKey));
        },
      }, h('td', { class: 'num' }), h('td', { class: 'num' }), h('td', { class: 'name' }), h('td', { class: 'cmd' }));
    }
    const cells = row.cells;
    const kernel = process ? isKernelThread(process) : false;
    const commandLine = process ? (kernel ? `[${process.name}] · kernel thread: no user stacks` : process.commandLine) : 'every process on the machine';
    setText(cells[0]!, pid === null ? '' : String(pid));
    setText(cells[1]!, process ? process.cpuPercent.toFixed(1) : '');
    if (kernel) {
      cells[2]!.replaceChildren(process!.name, ' ', h('span', {
        class: 'badge kernel', 'data-testid': 'kernel-badge', title: 'A kernel thread: no user stacks (only kernel frames, while it runs)',
      }, 'kernel thread'));
    } else {
      setText(cells[2]!, process ? process.name : 'All processes');
    }
    setText(cells[3]!, commandLine);
    cells[3]!.title = commandLine;
    row.classList.toggle('kernel', kernel);
    row.dataset['kernel'] = String(kernel);
    const selected = pid === null ? this.selected.size === 0 : this.selected.has(pid);
    row.classList.toggle('selected', selected);
    row.setAttribute('aria-selected', String(selected));
    row.tabIndex = pid === this.active || (this.active === null && pid === null) ? 0 : -1;
    return row;
  }
}
