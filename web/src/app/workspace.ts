import type { ModelInfo } from '../api/types';
import type { Panel } from '../panels/registry';
import { h, setText } from '../ui/dom';
import { LAYOUTS, modelOfKey, nextKey, type Area, type Areas, type Layout } from './url-state';

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
  areaSelect: HTMLSelectElement;
  panel: Panel | null;
}

const LAYOUT_LABELS: Readonly<Record<Layout, string>> = { overview: 'Overview', columns: 'Side by side', rows: 'Stacked', tabs: 'Tabs' };
const AREA_LABELS: Readonly<Record<Area, string>> = { top: 'Full width on top', side: 'Side by side', tabs: 'In the tabs' };
/** Flame graphs side by side by default in the overview; more go to the tabs. */
const SIDE_BY_SIDE = 2;

/**
 * Where a model's panel goes in the overview by default: timelines full width on top, the first
 * flame graphs side by side below, everything else in tabs.
 */
export function defaultArea(type: string, sideTaken: number): Area {
  if (type === 'timeline') return 'top';
  if (type === 'flamegraph' && sideTaken < SIDE_BY_SIDE) return 'side';
  return 'tabs';
}

/** The panel a tab group shows first: the breakdown ("where did the time go"), else the first. */
function firstTab(keys: readonly string[], typeOf: (key: string) => string | undefined): string | null {
  return keys.find((k) => typeOf(k) === 'breakdown') ?? keys[0] ?? null;
}

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
 * The panels of the shown session: one per model instance (and more views of one when asked), in an
 * overview (timelines full width on top, flame graphs side by side below, the rest in tabs), side by
 * side, stacked or in tabs. A person rearranges them by dragging their title (or tab) onto another —
 * in the overview a panel dropped on one in another area moves there — with the move buttons, Alt+arrow
 * keys on a title, or the area menu of a title; the Panels menu opens and closes them.
 */
export class Workspace {
  readonly element: HTMLElement;
  private readonly toolbar: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly area: HTMLElement;
  private readonly topBox: HTMLElement;
  private readonly sideBox: HTMLElement;
  private readonly tabBox: HTMLElement;
  private readonly tabBody: HTMLElement;
  private readonly menu: HTMLElement;
  private readonly layoutButtons = new Map<Layout, HTMLButtonElement>();
  private readonly hosted = new Map<string, Hosted>();
  private readonly areaOfKey = new Map<string, Area>();
  private models: ModelInfo[] = [];
  open: string[] = [];
  layout: Layout = 'columns';
  /** The panel shown in the tabs (in the overview: the tab group's). */
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
    this.topBox = h('div', { class: 'ws-area ws-area-top', 'data-testid': 'area-top', 'data-area': 'top' });
    this.sideBox = h('div', { class: 'ws-area ws-area-side', 'data-testid': 'area-side', 'data-area': 'side' });
    this.tabBody = h('div', { class: 'ws-tab-body' });
    this.tabBox = h('div', { class: 'ws-area ws-area-tabs', 'data-testid': 'area-tabs', 'data-area': 'tabs' }, this.tabBody);
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

  /**
   * Opens `keys` in order with `layout` and the overview's `areas` (from the URL), or every model
   * when keys is null. Without a layout: the overview when there are more than two panels.
   */
  restore(keys: string[] | null, layout: Layout | null, active: string | null, areas: Areas | null = null): void {
    const wanted = keys ?? this.models.filter((m) => this.hooks.hasPanel(m.type)).map((m) => m.id);
    for (const key of wanted) {
      if (this.models.some((m) => m.id === modelOfKey(key)) && !this.open.includes(key)) this.openPanel(key, false);
    }
    if (areas) {
      for (const key of this.open) this.areaOfKey.set(key, areas.top.includes(key) ? 'top' : areas.side.includes(key) ? 'side' : 'tabs');
    }
    if (layout) this.layout = layout;
    else this.layout = this.open.length > 2 ? 'overview' : 'columns';
    const candidates = this.layout === 'overview' ? this.keysIn('tabs') : this.open;
    this.active = active && candidates.includes(active) ? active : firstTab(candidates, (k) => this.typeOf(k));
    this.renderLayout();
    this.renderMenu();
  }

  /** Opens models that appeared after the view was restored (a new model in the session). */
  openNew(models: ModelInfo[], known: Set<string>): void {
    const active = this.active;
    for (const m of models) {
      if (!known.has(m.id) && this.hooks.hasPanel(m.type) && !this.open.some((k) => modelOfKey(k) === m.id)) this.openPanel(m.id, false);
    }
    // A model appearing does not take the tab the person was looking at.
    if (active && this.open.includes(active)) this.active = active;
    this.renderLayout();
    this.renderMenu();
  }

  /** The overview's arrangement (for the URL). */
  get areas(): Areas {
    return { top: this.keysIn('top'), side: this.keysIn('side') };
  }

  areaOf(key: string): Area {
    return this.areaOfKey.get(key) ?? 'tabs';
  }

  /** Moves a panel to another area of the overview (and shows the overview). */
  setArea(key: string, area: Area): void {
    if (!this.open.includes(key)) return;
    this.areaOfKey.set(key, area);
    if (area === 'tabs') this.active = key;
    else if (this.active === key) this.active = firstTab(this.keysIn('tabs'), (k) => this.typeOf(k));
    this.layout = 'overview';
    this.renderLayout();
    this.hooks.changed();
  }

  private keysIn(area: Area): string[] {
    return this.open.filter((k) => this.areaOf(k) === area);
  }

  private typeOf(key: string): string | undefined {
    return this.models.find((m) => m.id === modelOfKey(key))?.type;
  }

  openPanel(key: string, notify = true): void {
    if (this.open.includes(key)) {
      this.activate(key);
      return;
    }
    const info = this.models.find((m) => m.id === modelOfKey(key));
    if (!info) return;
    if (!this.areaOfKey.has(key)) {
      // Another view of a model goes next to the first; a new one where its type goes.
      const first = this.open.find((k) => modelOfKey(k) === info.id);
      this.areaOfKey.set(key, first ? this.areaOf(first) : defaultArea(info.type, this.keysIn('side').length));
    }
    const areaSelect = h('select', {
      class: 'panel-area', 'data-testid': 'panel-area', 'aria-label': 'Where this panel goes in the overview', title: 'Where this panel goes in the overview',
      onchange: () => this.setArea(key, areaSelect.value as Area),
    }, ...(['top', 'side', 'tabs'] as const).map((a) => h('option', { value: a }, AREA_LABELS[a])));
    areaSelect.value = this.areaOf(key);
    const body = h('div', { class: 'panel-body' });
    const title = h('span', { class: 'panel-title' });
    const iconButton = (label: string, text: string, testid: string, action: () => void): HTMLButtonElement =>
      h('button', { type: 'button', class: 'icon', 'aria-label': label, title: label, 'data-testid': testid, onclick: action }, text);
    const header = h('header', { class: 'panel-head', draggable: 'true', tabindex: 0, 'aria-label': `${info.title}: drag or Alt+arrow keys to move` },
      title,
      h('span', { class: 'muted panel-sub' }, `${info.type} · ${info.sources.join(', ')}${info.unit ? ` · ${info.unit}` : ''}`),
      h('span', { class: 'spacer' }),
      areaSelect,
      iconButton('Move earlier', '◀', 'panel-move-left', () => this.move(key, -1)),
      iconButton('Move later', '▶', 'panel-move-right', () => this.move(key, 1)),
      iconButton('Open another view of this model', '+', 'panel-duplicate', () => this.openPanel(nextKey(info.id, this.open))),
      iconButton('Close panel', '✕', 'panel-close', () => this.close(key)));
    const frame = h('section', { class: 'panel-frame', 'data-panel': key, 'data-model-type': info.type, 'data-testid': `panel-${key}`, role: 'region', 'aria-label': info.title },
      header, body);
    const tab = h('button', { type: 'button', role: 'tab', class: 'ws-tab', draggable: 'true', 'data-testid': `tab-${key}`, 'aria-selected': 'false', onclick: () => this.activate(key) });
    const hosted: Hosted = { key, frame, title, body, tab, areaSelect, panel: null };
    this.hosted.set(key, hosted);
    this.open.push(key);
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
    // In place before the panel is made, so that it measures its real size.
    this.placeFrames();
    hosted.panel = this.hooks.createPanel(key, info, body);
    if (!hosted.panel) body.append(h('p', { class: 'panel-empty' }, `No view for model type “${info.type}” in this UI.`));
    if (this.layout !== 'overview' || this.areaOf(key) === 'tabs') this.active = key;
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
    this.areaOfKey.delete(key);
    this.open = this.open.filter((k) => k !== key);
    if (this.active === key) this.active = firstTab(this.layout === 'overview' ? this.keysIn('tabs') : this.open, (k) => this.typeOf(k));
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

  /** Moves a panel one place earlier or later (in the overview: among the panels of its area). */
  move(key: string, delta: number): void {
    const i = this.open.indexOf(key);
    if (i < 0) return;
    if (this.layout === 'overview') {
      const peers = this.keysIn(this.areaOf(key));
      const neighbour = peers[peers.indexOf(key) + delta];
      if (neighbour === undefined) return;
      this.reorder(moveKey(this.open, key, this.open.indexOf(neighbour)));
      return;
    }
    this.reorder(moveKey(this.open, key, i + delta));
  }

  setLayout(layout: Layout): void {
    this.layout = layout;
    const candidates = layout === 'overview' ? this.keysIn('tabs') : this.open;
    if (!this.active || !candidates.includes(this.active)) this.active = firstTab(candidates, (k) => this.typeOf(k));
    this.renderLayout();
    this.hooks.changed();
  }

  /** Shows a panel: its tab, or in the overview, scrolls to it. */
  activate(key: string): void {
    if (!this.open.includes(key)) return;
    if (this.layout === 'overview' && this.areaOf(key) !== 'tabs') {
      this.hosted.get(key)?.frame.scrollIntoView?.({ block: 'nearest' });
      return;
    }
    this.active = key;
    this.renderLayout();
    // In the overview the tab group is below the fold more often than not: show it whole.
    if (this.layout === 'overview') this.tabBox.scrollIntoView?.({ block: 'nearest' });
    this.hooks.changed();
  }

  panel(key: string): Panel | null {
    return this.hosted.get(key)?.panel ?? null;
  }

  private reorder(keys: string[]): void {
    this.open = keys;
    for (const key of keys) this.tabs.append(this.hosted.get(key)!.tab);
    this.renderLayout();
    this.hooks.changed();
  }

  /**
   * Puts every frame where the layout wants it, moving a node only when it is not already in its
   * place (a moved node loses its scroll positions).
   */
  private placeFrames(): void {
    const overview = this.layout === 'overview';
    const place = (parent: HTMLElement, nodes: readonly HTMLElement[]): void => {
      nodes.forEach((node, i) => {
        if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
      });
      while (parent.children.length > nodes.length) parent.lastElementChild!.remove();
    };
    const frames = (keys: readonly string[]): HTMLElement[] => keys.map((k) => this.hosted.get(k)!.frame);
    if (overview) {
      place(this.topBox, frames(this.keysIn('top')));
      place(this.sideBox, frames(this.keysIn('side')));
      place(this.tabBody, frames(this.keysIn('tabs')));
      if (this.tabs.parentElement !== this.tabBox) this.tabBox.insertBefore(this.tabs, this.tabBody);
      place(this.area, [this.topBox, this.sideBox, this.tabBox]);
      this.topBox.hidden = this.keysIn('top').length === 0;
      this.sideBox.hidden = this.keysIn('side').length === 0;
      this.tabBox.hidden = this.keysIn('tabs').length === 0;
      this.sideBox.style.setProperty('--columns', String(Math.max(1, this.keysIn('side').length)));
    } else {
      if (this.tabs.parentElement !== this.element) this.element.insertBefore(this.tabs, this.area);
      place(this.area, frames(this.open));
    }
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
    const overview = this.layout === 'overview';
    this.area.className = `ws-panels layout-${this.layout}`;
    this.area.dataset['layout'] = this.layout;
    this.placeFrames();
    this.tabs.hidden = this.layout !== 'tabs' && !overview;
    for (const [l, b] of this.layoutButtons) b.setAttribute('aria-pressed', String(l === this.layout));
    for (const hosted of this.hosted.values()) {
      const area = this.areaOf(hosted.key);
      const tabbed = this.layout === 'tabs' || (overview && area === 'tabs');
      const shown = !tabbed || hosted.key === this.active;
      hosted.frame.hidden = !shown;
      hosted.frame.dataset['area'] = overview ? area : '';
      hosted.tab.hidden = overview && area !== 'tabs';
      hosted.tab.setAttribute('aria-selected', String(hosted.key === this.active));
      hosted.tab.tabIndex = hosted.key === this.active ? 0 : -1;
      hosted.areaSelect.value = area;
      hosted.areaSelect.hidden = !overview;
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
      // In the overview, a panel dropped on one in another area moves to that area.
      if (this.layout === 'overview' && this.areaOf(dragged) !== this.areaOf(key)) {
        this.areaOfKey.set(dragged, this.areaOf(key));
        if (this.areaOf(key) === 'tabs') this.active = dragged;
        else if (this.active === dragged) this.active = firstTab(this.keysIn('tabs').filter((k) => k !== dragged), (k) => this.typeOf(k));
      }
      this.reorder(moveKey(this.open, dragged, this.open.indexOf(key)));
    });
  }

  private tabKey(e: KeyboardEvent): void {
    if (this.active === null) return;
    const keys = this.layout === 'overview' ? this.keysIn('tabs') : this.open;
    const i = keys.indexOf(this.active);
    if (i < 0) return;
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % keys.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + keys.length) % keys.length;
    else return;
    e.preventDefault();
    if (e.altKey) {
      this.reorder(moveKey(this.open, this.active, this.open.indexOf(keys[next]!)));
    } else {
      this.activate(keys[next]!);
    }
    this.hosted.get(this.active)?.tab.focus();
  }
}
