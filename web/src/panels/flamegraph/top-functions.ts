import { sortFunctions, type FunctionSortKey, type FunctionStat } from '../../model/flame-analysis';
import { h, setText } from '../../ui/dom';
import { formatValue } from '../../ui/format';
import { formatPercent } from './view';

const MAX_ROWS = 200;

/**
 * The functions of the shown call tree with their self and total, sortable by either (or by name);
 * a click or Enter on a row focuses the function (its frames are highlighted and the sandwich view
 * shows its callers and callees). Arrow keys move through the rows.
 */
export class TopFunctions {
  readonly element: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly headers: Record<FunctionSortKey, HTMLTableCellElement>;
  private readonly note: HTMLElement;
  private stats: FunctionStat[] = [];
  private total = 0;
  private unit = 'samples';
  private sortKey: FunctionSortKey = 'self';
  private descending = true;
  private focused = -1;

  constructor(private readonly onFocus: (frame: number) => void) {
    const header = (key: FunctionSortKey, label: string, cls: string): HTMLTableCellElement =>
      h('th', { class: cls, scope: 'col', 'aria-sort': 'none' },
        h('button', { type: 'button', class: 'link sort', 'data-testid': `top-sort-${key}`, onclick: () => this.sortBy(key) }, label));
    this.headers = { name: header('name', 'Function', ''), self: header('self', 'Self', 'num'), total: header('total', 'Total', 'num') };
    this.body = h('tbody');
    this.note = h('div', { class: 'top-note muted' });
    this.element = h('div', { class: 'top-functions', 'data-testid': 'top-functions' },
      h('table', { 'aria-label': 'Top functions' },
        h('thead', {}, h('tr', {}, this.headers.name, this.headers.self, this.headers.total)),
        this.body),
      this.note);
    this.body.addEventListener('keydown', (e) => this.key(e));
    this.renderHeaders();
  }

  setData(stats: FunctionStat[], total: number, unit: string): void {
    this.stats = stats;
    this.total = total;
    this.unit = unit;
    this.render();
  }

  setFocused(frame: number): void {
    if (frame === this.focused) return;
    this.focused = frame;
    for (const row of Array.from(this.body.rows)) {
      const on = Number(row.dataset['frame']) === frame;
      row.classList.toggle('selected', on);
      row.setAttribute('aria-selected', String(on));
    }
  }

  private sortBy(key: FunctionSortKey): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else {
      this.sortKey = key;
      this.descending = key !== 'name';
    }
    this.renderHeaders();
    this.render();
  }

  private renderHeaders(): void {
    for (const [key, th] of Object.entries(this.headers)) {
      th.setAttribute('aria-sort', key === this.sortKey ? (this.descending ? 'descending' : 'ascending') : 'none');
    }
  }

  private render(): void {
    const sorted = sortFunctions(this.stats, this.sortKey, this.descending).slice(0, MAX_ROWS);
    const total = this.total || 1;
    const active = document.activeElement;
    const focusedFrame = active instanceof HTMLTableRowElement && this.body.contains(active) ? Number(active.dataset['frame']) : -1;
    const rows = sorted.map((s, i) => {
      const row = h('tr', {
        tabindex: i === 0 ? 0 : -1,
        'data-frame': s.frame,
        'data-testid': 'top-row',
        'aria-selected': String(s.frame === this.focused),
        class: s.frame === this.focused ? 'selected' : '',
        title: s.module ? `${s.name} (${s.module})` : s.name,
        onclick: () => this.onFocus(s.frame),
      },
      h('td', { class: 'fn' }, s.name),
      h('td', { class: 'num' }, `${formatValue(s.self, this.unit)} `, h('span', { class: 'muted' }, formatPercent(s.self / total))),
      h('td', { class: 'num' }, `${formatValue(s.total, this.unit)} `, h('span', { class: 'muted' }, formatPercent(s.total / total))));
      return row;
    });
    this.body.replaceChildren(...rows);
    if (focusedFrame >= 0) {
      const again = rows.find((r) => Number(r.dataset['frame']) === focusedFrame);
      if (again) {
        for (const r of rows) r.tabIndex = -1;
        again.tabIndex = 0;
        again.focus({ preventScroll: true });
      }
    }
    setText(this.note, this.stats.length > MAX_ROWS ? `${MAX_ROWS} of ${this.stats.length} functions` : `${this.stats.length} functions`);
  }

  private key(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest('tr');
    if (!row) return;
    let next: Element | null = null;
    if (e.key === 'ArrowDown') next = row.nextElementSibling;
    else if (e.key === 'ArrowUp') next = row.previousElementSibling;
    else if (e.key === 'Home') next = this.body.firstElementChild;
    else if (e.key === 'End') next = this.body.lastElementChild;
    else if (e.key === 'Enter' || e.key === ' ') {
      this.onFocus(Number(row.dataset['frame']));
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    if (next instanceof HTMLTableRowElement) {
      row.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    }
  }
}
