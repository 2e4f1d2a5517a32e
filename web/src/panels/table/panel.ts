import type { TableColumn, TableView } from '../../api/types';
import { isObject, ReplaceModel } from '../../live/live-model';
import { h, setText } from '../../ui/dom';
import { formatCount, formatValue } from '../../ui/format';
import { QueryRunner } from '../query-runner';
import type { Panel, PanelContext, PanelDefinition } from '../registry';

export function isTableView(v: unknown): v is TableView {
  return isObject(v) && Array.isArray(v['columns']) && Array.isArray(v['rows']);
}

export const tablePanel: PanelDefinition<ReplaceModel<TableView>> = {
  modelType: 'table',
  title: 'Table',
  createModel: () => new ReplaceModel(isTableView),
  create: (host, ctx) => new TablePanel(host, ctx),
};

type Row = TableView['rows'][number];

/** Rows sorted by one column: numbers numerically, strings by text; missing values last. */
export function sortRows(rows: readonly Row[], column: number, type: TableColumn['type'], descending: boolean): Row[] {
  const sign = descending ? -1 : 1;
  return rows.slice().sort((a, b) => {
    const x = a[column];
    const y = b[column];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    if (type === 'string') return sign * String(x).localeCompare(String(y));
    return sign * (Number(x) - Number(y));
  });
}

export function formatCell(value: Row[number] | undefined, column: TableColumn): string {
  if (value === null || value === undefined) return '–';
  if (column.type === 'string') return String(value);
  if (column.unit) return formatValue(Number(value), column.unit);
  return column.type === 'int' ? formatCount(Number(value)) : Number(value).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

const LIMIT = 500;
const REQUERY_MS = 2000;

/**
 * Rows with typed columns, sortable by any column (click or Enter on its header). When the agent
 * truncated the list, sorting asks it (`?sort&desc&limit`) so the top rows by that column are the
 * right ones, and the answer is refreshed as the model changes.
 */
class TablePanel implements Panel {
  private readonly table: HTMLTableElement;
  private readonly status: HTMLElement;
  private readonly runner: QueryRunner<TableView>;
  private sorted: TableView | null = null;
  private sortColumn = -1;
  private descending = true;
  private visible = true;
  private pending = 0;
  private lastQuery = 0;
  private requery: ReturnType<typeof setTimeout> | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(host: HTMLElement, private readonly ctx: PanelContext<ReplaceModel<TableView>>) {
    this.status = h('span', { class: 'muted', 'data-testid': 'table-status', 'aria-live': 'polite' });
    this.table = h('table', { class: 'data-table', 'data-testid': 'table', 'aria-label': ctx.info().title });
    host.append(h('div', { class: 'panel-toolbar' }, h('span', { class: 'spacer' }), this.status), h('div', { class: 'table-wrap' }, this.table));
    this.runner = new QueryRunner((params, signal) => ctx.query<TableView>(params, signal), (result) => {
      this.sorted = result;
      this.lastQuery = Date.now();
      this.invalidate();
    });
    this.unsubscribe.push(ctx.onModelChange(() => this.onModel()));
    ctx.expose({ state: () => ({ rows: this.view()?.rows.length ?? 0, sortColumn: this.sortColumn, descending: this.descending, queries: this.runner.count }) });
    this.invalidate();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.invalidate();
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.runner.dispose();
    if (this.requery) clearTimeout(this.requery);
  }

  private view(): TableView | null {
    const live = this.ctx.model.value;
    return live?.truncated && this.sortColumn >= 0 && this.sorted ? this.sorted : live;
  }

  private onModel(): void {
    const live = this.ctx.model.value;
    // A hidden page asks nothing: the next change after it shows again brings the table up to date.
    if (live?.truncated && this.sortColumn >= 0 && this.visible && !document.hidden && !this.requery) {
      const wait = Math.max(0, REQUERY_MS - (Date.now() - this.lastQuery));
      this.requery = setTimeout(() => {
        this.requery = null;
        this.query(true);
      }, wait);
    }
    this.invalidate();
  }

  private query(force: boolean): void {
    const live = this.ctx.model.value;
    const column = live?.columns[this.sortColumn];
    if (!live?.truncated || !column) return;
    this.runner.request({ sort: column.name, desc: this.descending, limit: LIMIT }, force);
  }

  private sortBy(index: number): void {
    if (this.sortColumn === index) this.descending = !this.descending;
    else {
      this.sortColumn = index;
      this.descending = this.ctx.model.value?.columns[index]?.type !== 'string';
    }
    this.query(false);
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
    if (!view) {
      setText(this.status, 'Waiting for data…');
      this.table.replaceChildren();
      return;
    }
    setText(this.status, view.truncated ? `${formatCount(view.rows.length)} of ${formatCount(view.totalRows)} rows` : `${formatCount(view.rows.length)} rows`);
    const columns = view.columns;
    const col = columns[this.sortColumn];
    const rows = col && !(view === this.sorted) ? sortRows(view.rows, this.sortColumn, col.type, this.descending) : view.rows;
    const head = h('tr', {}, ...columns.map((c, i) => h('th', {
      scope: 'col', class: c.type === 'string' ? '' : 'num',
      'aria-sort': i === this.sortColumn ? (this.descending ? 'descending' : 'ascending') : 'none',
    }, h('button', { type: 'button', class: 'link sort', 'data-testid': `table-sort-${c.name}`, onclick: () => this.sortBy(i) },
      c.unit ? `${c.title} (${c.unit})` : c.title))));
    const body = rows.slice(0, LIMIT).map((r) => h('tr', {}, ...columns.map((c, i) => h('td', { class: c.type === 'string' ? '' : 'num' }, formatCell(r[i], c)))));
    this.table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...body));
  }
}
