import type { TimeRange } from '../api/types';
import { normalizeRange } from '../live/selection';

export type Layout = 'overview' | 'columns' | 'rows' | 'tabs';
export const LAYOUTS: readonly Layout[] = ['overview', 'columns', 'rows', 'tabs'];

/** Where a panel sits in the overview: full width on top, side by side, or in the tabs below. */
export type Area = 'top' | 'side' | 'tabs';

/** The overview's arrangement: panels on top and side by side (the rest are in the tabs). */
export interface Areas {
  top: string[];
  side: string[];
}

/**
 * What the URL says about the view, so that a reload or a shared link shows the same thing: the
 * session, the open panels (model ids, `~2` for a second view of one) in order, the layout, the
 * active tab and the selected time range (ns since the session started).
 */
export interface ViewState {
  session: string | null;
  /** null: not said (every model of the session opens). */
  panels: string[] | null;
  layout: Layout | null;
  active: string | null;
  range: TimeRange | null;
  /** The overview's areas (null: not said, the defaults by model type). */
  areas?: Areas | null;
}

const KEYS = ['session', 'panels', 'layout', 'top', 'side', 'active', 't0', 't1'] as const;
const KEY = /^[\w.:-]+(~\d+)?$/;

function keyList(value: string): string[] {
  return value.split(',').map((p) => p.trim()).filter((p) => KEY.test(p));
}

export function parseViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const session = q.get('session');
  const panels = q.get('panels');
  const layout = q.get('layout');
  const t0 = Number(q.get('t0'));
  const t1 = Number(q.get('t1'));
  const top = q.get('top');
  const side = q.get('side');
  return {
    session: session && /^[\w.-]{1,64}$/.test(session) ? session : null,
    panels: panels === null ? null : keyList(panels),
    layout: (LAYOUTS as readonly string[]).includes(layout ?? '') ? (layout as Layout) : null,
    active: q.get('active'),
    range: q.has('t0') && q.has('t1') ? normalizeRange({ t0, t1 }) : null,
    areas: top === null && side === null ? null : { top: keyList(top ?? ''), side: keyList(side ?? '') },
  };
}

/** The URL's query for `state`, keeping parameters that are not the view's (such as `token`). */
export function formatViewState(state: ViewState, current: string): string {
  const q = new URLSearchParams(current);
  for (const key of KEYS) q.delete(key);
  if (state.session) {
    q.set('session', state.session);
    if (state.panels !== null) q.set('panels', state.panels.join(','));
    if (state.layout) q.set('layout', state.layout);
    if (state.layout === 'overview' && state.areas) {
      q.set('top', state.areas.top.join(','));
      q.set('side', state.areas.side.join(','));
    }
    if (state.active) q.set('active', state.active);
    if (state.range) {
      q.set('t0', String(Math.round(state.range.t0)));
      q.set('t1', String(Math.round(state.range.t1)));
    }
  }
  const s = q.toString().replace(/%2C/g, ',').replace(/%7E/gi, '~');
  return s ? `?${s}` : '';
}

/** Model id of a panel key (`cpu.flamegraph~2` → `cpu.flamegraph`). */
export function modelOfKey(key: string): string {
  const i = key.lastIndexOf('~');
  return i > 0 && /^\d+$/.test(key.slice(i + 1)) ? key.slice(0, i) : key;
}

/** A key for one more view of `model` not among `open`. */
export function nextKey(model: string, open: readonly string[]): string {
  if (!open.includes(model)) return model;
  for (let n = 2; ; n++) if (!open.includes(`${model}~${n}`)) return `${model}~${n}`;
}
