import type { ModelInfo } from '../api/types';
import type { Panel } from '../panels/registry';
import { h, setText } from '../ui/dom';
import { LAYOUTS, modelOfKey, nextKey, type Layout } from './url-state';

export interface WorkspaceHooks {
  /** Creates the panel of `key` in `host`; null when no panel is registered for its type. */
  createPanel(key: string, info: ModelInfo, host: HTMLElement): Panel | null;
  /** Open panels, layout or active tab changed (the URL follows). */
  changed(): void;
  /** Whether a panel is registered for a model type. */
  hasPanel(type: string): boolean;
}

interface Hosted {
  key: string;
  frame: HTMLElement;
  title: HTMLElement;
  body: HTMLElement;
  tab: HTMLButtonElement;
  panel: Panel | null;
}

const LAYOUT_LABELS: Readonly<Record<Layout, string>> = { columns: 'Side by side', rows: 'Stacked', tabs: 'Tabs' };

/** Moves `key` to position `index` of `keys` (a new array). */
export function moveKey(keys: readonly string[], key: string, index: number): string[] {
  const from = keys.indexOf(key);
  if (from < 0) return keys.slice();
  const out = keys.slice();
  out.splice(from, 1);
  out.splice(Math.max(0, Math.min(index, out.length)), 0, key);
  return out;
}

/**
 * The panels of the shown session: one per model instance (and more views of one when asked), side
 * by side, stacked or in tabs. A person rearranges them by dragging their title (or tab), with the
 * move buttons, or Alt+arrow keys on a title; the Panels menu opens and closes them.
 */
export class Workspace {
  readonly element: HTMLElement;
  private readonly toolbar: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly area: HTMLElement;
  private readonly menu: HTMLElement;
  private readonly layoutButtons = new Map<Layout, HTMLButtonElement>();
  private readonly hosted = new Map<string, Hosted>();
  private models: ModelInfo[] = [];
  open: string[] = [];
  layout: Layout = 'columns';
  active: string | null = null;

  constructor(private readonly hooks: WorkspaceHooks, extra: HTMLElement) {
    const layouts = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Layout' }, ...LAYOUTS.map((l) => {
      const b = h('button', { type: 'button', 'data-testid': `layout-${l}`, 'aria-pressed': 'false', onclick: () => this.setLayout(l) }, LAYOUT_LABELS[l]);
      this.layoutButtons.set(l, b);
      return b;
    }));
    this.menu = h('div', { class: 'panels-menu-list', 'data-testid': 'panels-menu-list' });
    const menu = h('details', { class: 'panels-menu' }, h('summary', { 'data-testid': 'panels-menu' }, 'Panels'), this.menu);
    this.toolbar = h('div', { class: 'ws-toolbar' }, menu, layouts, h('span', { class: 'spacer' }), extra);
    this.tabs = h('div', { class: 'ws-tabs', role: 'tablist', 'aria-label': 'Panels', hidden: true });
    this.area = h('div', { class: 'ws-panels layout-columns', 'data-testid': 'workspace' });
    this.element = h('div', { class: 'workspace' }, this.toolbar, this.tabs, this.area);
    this.tabs.addEventListener('keydown', (e) => this.tabKey(e));
    this.renderLayout();
  }

  /** The session's models changed: panels of models that are gone close, the menu follows. */
  setModels(models: ModelInfo[]): void {
    this.models = models;
    for (const key of this.open.slice()) {
      if (!models.some((m) => m.id === modelOfKey(key))) this.close(key, false);
    }
    this.renderMenu();
  }

  /** Opens `keys` in order with `layout` (from the URL), or every model when keys is null. */
  restore(keys: string[] | null, layout: Layout | null, active: string | null): void {
    const wanted = keys ?? this.models.filter((m) => this.hooks.hasPanel(m.type)).map((m) => m.id);
    for (const key of wanted) {
      if (this.models.some((m) => m.id === modelOfKey(key)) && !this.open.includes(key)) this.openPanel(key, false);
    }
    if (layout) this.layout = layout;
    else this.layout = this.open.length > 2 ? 'tabs' : 'columns';
    this.active = active && this.open.includes(active) ? active : this.open[0] ?? null;
    this.renderLayout();
    this.renderMenu();
  }

  /** Opens models that appeared after the view was restored (a new model in the session). */
  openNew(models: ModelInfo[], known: Set<string>): void {
    for (const m of models) {
      if (!known.has(m.id) && this.hooks.hasPanel(m.type) && !this.open.some((k) => modelOfKey(k) === m.id)) this.openPanel(m.id, false);
    }
    this.renderLayout();
    this.renderMenu();
  }

  openPanel(key: string, notify = true): void {
    if (this.open.includes(key)) {
      this.activate(key);
      return;
    }
    const info = this.models.find((m) => m.id === modelOfKey(key));
    if (!info) return;
    const body = h('div', { class: 'panel-body' });
    const title = h('span', { class: 'panel-title' });
    const iconButton = (label: string, text: string, testid: string, action: () => void): HTMLButtonElement =>
      h('button', { type: 'button', class: 'icon', 'aria-label': label, title: label, 'data-testid': testid, onclick: action }, text);
    const header = h('header', { class: 'panel-head', draggable: 'true', tabindex: 0, 'aria-label': `${info.title}: drag or Alt+arrow keys to move` },
      title,
      h('span', { class: 'muted panel-sub' }, `${info.type} · ${info.sources.join(', ')}${info.unit ? ` · ${info.unit}` : ''}`),
      h('span', { class: 'spacer' }),
      iconButton('Move earlier', '◀', 'panel-move-left', () => this.move(key, -1)),
      iconButton('Move later', '▶', 'panel-move-right', () => this.move(key, 1)),
      iconButton('Open another view of this model', '+', 'panel-duplicate', () => this.openPanel(nextKey(info.id, this.open))),
      iconButton('Close panel', '✕', 'panel-close', () => this.close(key)));
    const frame = h('section', { class: 'panel-frame', 'data-panel': key, 'data-model-type': info.type, 'data-testid': `panel-${key}`, role: 'region', 'aria-label': info.title },
      header, body);
    const tab = h('button', { type: 'button', role: 'tab', class: 'ws-tab', draggable: 'true', 'data-testid': `tab-${key}`, 'aria-selected': 'false', onclick: () => this.activate(key) });
    const hosted: Hosted = { key, frame, title, body, tab, panel: null };
    this.hosted.set(key, hosted);
    this.open.push(key);
    this.area.append(frame);
    this.tabs.append(tab);
    this.setTitles();
    for (const el of [header, tab]) this.dragSource(el, key);
    this.dropTarget(frame, key);
    this.dropTarget(tab, key);
    header.addEventListener('keydown', (e) => {
      if (e.altKey && (e.key === 'ArrowLeft' || e.key === 'ArrowUp')) {
        e.preventDefault();
        this.move(key, -1);
        header.focus();
      } else if (e.altKey && (e.key === 'ArrowRight' || e.key === 'ArrowDown')) {
        e.preventDefault();
        this.move(key, 1);
        header.focus();
      }
    });
    hosted.panel = this.hooks.createPanel(key, info, body);
    if (!hosted.panel) body.append(h('p', { class: 'panel-empty' }, `No view for model type “${info.type}” in this UI.`));
    this.active = key;
    this.renderLayout();
    this.renderMenu();
    if (notify) this.hooks.changed();
  }

  close(key: string, notify = true): void {
    const hosted = this.hosted.get(key);
    if (!hosted) return;
    hosted.panel?.dispose();
    hosted.frame.remove();
    hosted.tab.remove();
    this.hosted.delete(key);
    this.open = this.open.filter((k) => k !== key);
    if (this.active === key) this.active = this.open[0] ?? null;
    this.setTitles();
    this.renderLayout();
    this.renderMenu();
    if (notify) this.hooks.changed();
  }

  /** Closes every panel (another session is shown). */
  clear(): void {
    for (const key of this.open.slice()) this.close(key, false);
    this.models = [];
    this.renderMenu();
  }

  move(key: string, delta: number): void {
    const i = this.open.indexOf(key);
    if (i < 0) return;
    this.reorder(moveKey(this.open, key, i + delta));
  }

  setLayout(layout: Layout): void {
    this.layout = layout;
    this.renderLayout();
    this.hooks.changed();
  }

  activate(key: string): void {
    if (!this.open.includes(key)) return;
    this.active = key;
    this.renderLayout();
    this.hooks.changed();
  }

  panel(key: string): Panel | null {
    return this.hosted.get(key)?.panel ?? null;
  }

  private reorder(keys: string[]): void {
    this.open = keys;
    for (const key of keys) {
      const hosted = this.hosted.get(key)!;
      this.area.append(hosted.frame);
      this.tabs.append(hosted.tab);
    }
    this.renderLayout();
    this.hooks.changed();
  }

  private setTitles(): void {
    for (const hosted of this.hosted.values()) {
      const info = this.models.find((m) => m.id === modelOfKey(hosted.key));
      const suffix = hosted.key.includes('~') ? ` (view ${hosted.key.split('~')[1]})` : '';
      const text = `${info?.title ?? hosted.key}${suffix}`;
      setText(hosted.title, text);
      setText(hosted.tab, text);
      hosted.frame.setAttribute('aria-label', text);
    }
  }

  private renderLayout(): void {
    this.area.className = `ws-panels layout-${this.layout}`;
    this.area.dataset['layout'] = this.layout;
    this.tabs.hidden = this.layout !== 'tabs';
    for (const [l, b] of this.layoutButtons) b.setAttribute('aria-pressed', String(l === this.layout));
    for (const hosted of this.hosted.values()) {
      const shown = this.layout !== 'tabs' || hosted.key === this.active;
      hosted.frame.hidden = !shown;
      hosted.tab.setAttribute('aria-selected', String(hosted.key === this.active));
      hosted.tab.tabIndex = hosted.key === this.active ? 0 : -1;
      hosted.panel?.setVisible(shown);
    }
    this.area.dataset['open'] = this.open.join(',');
  }

  private renderMenu(): void {
    const rows = this.models.map((m) => {
      const registered = this.hooks.hasPanel(m.type);
      const isOpen = this.open.includes(m.id);
      const box = h('input', {
        type: 'checkbox', id: `menu-${m.id}`, 'data-testid': `menu-${m.id}`, disabled: !registered,
        onchange: () => (box.checked ? this.openPanel(m.id) : this.close(m.id)),
      });
      box.checked = isOpen;
      return h('div', { class: 'menu-row' },
        h('label', { class: 'check', for: `menu-${m.id}` }, box, ` ${m.title}`),
        h('span', { class: 'muted' }, registered ? ` ${m.type}` : ` ${m.type}: no view in this UI`),
        registered ? h('button', { type: 'button', class: 'link', 'data-testid': `menu-add-${m.id}`, onclick: () => this.openPanel(nextKey(m.id, this.open)) }, '+ view') : null);
    });
    this.menu.replaceChildren(...(rows.length ? rows : [h('p', { class: 'muted' }, 'No model.')]));
  }

  private dragSource(el: HTMLElement, key: string): void {
    el.addEventListener('dragstart', (e) => {
      e.dataTransfer?.setData('application/x-systemscope-panel', key);
      e.dataTransfer?.setData('text/plain', key);
      if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
      this.element.classList.add('dragging');
    });
    el.addEventListener('dragend', () => this.element.classList.remove('dragging'));
  }

  private dropTarget(el: HTMLElement, key: string): void {
    el.addEventListener('dragover', (e) => {
      if (!e.dataTransfer?.types.includes('application/x-systemscope-panel')) return;
      e.preventDefault();
      el.classList.add('drop-target');
    });
    el.addEventListener('dragleave', () => el.classList.remove('drop-target'));
    el.addEventListener('drop', (e) => {
      el.classList.remove('drop-target');
      const dragged = e.dataTransfer?.getData('application/x-systemscope-panel');
      if (!dragged || dragged === key) return;
      e.preventDefault();
      this.reorder(moveKey(this.open, dragged, this.open.indexOf(key)));
    });
  }

  private tabKey(e: KeyboardEvent): void {
    if (this.active === null) return;
    const i = this.open.indexOf(this.active);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % this.open.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + this.open.length) % this.open.length;
    else return;
    e.preventDefault();
    if (e.altKey) {
      this.move(this.active, next > i ? 1 : -1);
    } else {
      this.activate(this.open[next]!);
    }
    this.hosted.get(this.active)?.tab.focus();
  }
}
