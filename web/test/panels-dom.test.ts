// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { QueryParams } from '../src/api/client';
import type { ModelInfo, TimelineSliceDetail, TimelineSummary, TimelineWindow } from '../src/api/types';
import { ReplaceModel } from '../src/live/live-model';
import { SelectionStore } from '../src/live/selection';
import { TimeseriesLive } from '../src/model/timeseries-live';
import type { Panel, PanelContext } from '../src/panels/registry';
import { timelinePanel } from '../src/panels/timeline/panel';
import { timeseriesPanel } from '../src/panels/timeseries/panel';
import { session } from './fixtures';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
const byId = (root: ParentNode, id: string): HTMLElement => {
  const el = root.querySelector(`[data-testid="${id}"]`);
  if (!el) throw new Error(`no element with data-testid=${id}`);
  return el as HTMLElement;
};

function context<M extends ReplaceModel<TimelineSummary> | TimeseriesLive>(info: ModelInfo, model: M, answer: (p: QueryParams) => unknown) {
  const listeners = new Set<() => void>();
  // What the panel exposes (window.__systemscope.panels[key]): loosely typed, as a test reads it.
  const hooks: Record<string, any> = {};
  const queries: QueryParams[] = [];
  const ctx: PanelContext<M> = {
    key: info.id, info: () => info, model, session: () => session('s1', [info]),
    onModelChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onSessionChange: () => () => {},
    query: <T,>(params: QueryParams) => {
      queries.push(params);
      return Promise.resolve(answer(params) as T);
    },
    selection: new SelectionStore(), otherModels: () => Promise.resolve([]), targetProcesses: () => [], showError: () => {},
    expose: (hook) => Object.assign(hooks, hook),
  };
  return { ctx, hooks, queries, changed: () => listeners.forEach((l) => l()) };
}

describe('timeline panel', () => {
  const info: ModelInfo = { id: 'threads.timeline', type: 'timeline', title: 'Thread timeline', unit: 'ns', sources: ['sched'], version: 1 };
  const summary = (capped: number): TimelineSummary => ({
    kind: 'live', version: 1, end: 2e9, slices: 10, dropped: 0, capped, capPerSecond: 10000,
    tracks: [
      { id: 'c0', kind: 'cpu', pid: -1, tid: -1, name: 'CPU 0', process: '', start: 0, end: null },
      { id: 't8', kind: 'thread', pid: 7, tid: 8, name: 'pong', process: 'ping', start: 0, end: null },
      { id: 't7', kind: 'thread', pid: 7, tid: 7, name: 'ping', process: 'ping', start: 0, end: null },
    ],
  });
  const window: TimelineWindow = {
    kind: 'window', t0: 0, t1: 2e9, px: 1000, strings: ['running', 'sleeping'],
    tracks: [{ id: 't7', slices: { starts: [0, 1e9], durations: [1e9, 1e9], states: [0, 1], labels: [-1, -1], cpus: [0, -1], merged: [1, 1], links: [null, null] } }],
  };

  function open(detail: TimelineSliceDetail, capped = 0): { host: HTMLElement; panel: Panel; hooks: Record<string, any>; queries: QueryParams[] } {
    const model = new ReplaceModel((v: unknown): v is TimelineSummary => typeof v === 'object' && v !== null);
    model.apply(summary(capped));
    const { ctx, hooks, queries } = context(info, model, (p) => ('track' in p ? detail : window));
    const host = document.createElement('div');
    document.body.append(host);
    const panel = timelinePanel.create(host, ctx);
    return { host, panel, hooks, queries };
  }

  it('orders threads before CPUs, and says capped events on the panel', () => {
    const { host, panel, hooks } = open({ kind: 'slice', start: 0, duration: 1, state: 'running' }, 1234);
    expect(hooks['tracks']().map((t: { id: string }) => t.id)).toEqual(['t7', 't8', 'c0']);
    const notice = byId(host, 'timeline-notice');
    expect(notice.hidden).toBe(false);
    expect(notice.dataset['capped']).toBe('1234');
    expect(notice.textContent).toMatch(/^1,234 events over the cap of 10,000 per second were counted but not recorded/);
    panel.dispose();
  });

  it('shows where a sleep blocked and the thread that woke it, with a jump to its track', async () => {
    const detail: TimelineSliceDetail = {
      kind: 'slice', track: 't7', start: 1e9, duration: 1e9, state: 'sleeping', cpu: -1,
      stack: [{ name: 'main', module: 'app', kind: 'native' }, { name: 'wait_for_ball', module: 'app', kind: 'native' },
        { name: 'read', module: 'libc.so.6', kind: 'native' }, { name: 'anon_pipe_read', module: 'kernel', kind: 'kernel' },
        { name: 'schedule', module: 'kernel', kind: 'kernel' }],
      // No track named and a time from before the session: the agent missed the wakeup itself.
      waker: { pid: 7, tid: 8, name: 'pong', time: -6e12, stack: [{ name: 'pong', module: 'app', kind: 'native' }, { name: 'throw_ball', module: 'app', kind: 'native' }] },
    };
    const { host, panel, hooks } = open(detail);
    const d = await hooks['detailAt']('t7', 1.5e9);
    expect(d.waker.tid).toBe(8);
    await tick();
    expect(byId(host, 'slice-state').textContent).toBe('sleeping');
    expect([...byId(host, 'slice-stack').querySelectorAll(':scope > ol li code')].map((c) => c.textContent)).toEqual(['read', 'wait_for_ball', 'main']);
    expect(byId(host, 'slice-stack').querySelector('summary')?.textContent).toBe('2 kernel frames, in anon_pipe_read …');
    const waker = byId(host, 'slice-waker');
    expect(waker.textContent).toBe('pong (pid 7, tid 8) at 2.00 s');
    expect(waker.dataset['track']).toBe('t8');
    expect(hooks['state']().detail.wakerTrack).toBe('t8');
    byId(host, 'jump-to-waker').click();
    expect(hooks['state']().highlightTrack).toBe('t8');
    panel.dispose();
  });

  it('says an interrupt woke a thread, with no track to jump to', async () => {
    const detail: TimelineSliceDetail = {
      kind: 'slice', track: 't7', start: 1e9, duration: 1e9, state: 'sleeping', cpu: -1,
      waker: { pid: 0, tid: 0, name: 'interrupt: hrtimer_wakeup', time: 2e9 },
    };
    const { host, panel, hooks } = open(detail);
    await hooks['detailAt']('t7', 1.5e9);
    await tick();
    expect(byId(host, 'slice-waker').textContent).toBe('interrupt: hrtimer_wakeup at 2.00 s');
    expect(host.querySelector('[data-testid="jump-to-waker"]')).toBeNull();
    expect(byId(host, 'timeline-details').textContent).toContain('An interrupt woke it');
    expect(byId(host, 'slice-stack').textContent).toMatch(/^No stack/);
    panel.dispose();
  });
});

describe('timeline panel: activity lanes', () => {
  const info: ModelInfo = { id: 'threads.timeline', type: 'timeline', title: 'Thread timeline', unit: 'ns', sources: ['syscalls'], version: 1 };
  const summary: TimelineSummary = {
    kind: 'live', version: 1, end: 2e9, slices: 0, dropped: 0, capped: 0, capPerSecond: 10000,
    tracks: [
      { id: 'd:sda', kind: 'device', pid: -1, tid: -1, name: 'sda', process: 'blockio', start: 0, end: null },
      { id: 't7', kind: 'thread', pid: 7, tid: 7, name: 'app', process: 'app', start: 0, end: null },
    ],
  };
  const empty = { starts: [], durations: [], states: [], labels: [], cpus: [], merged: [], links: [] };
  // A session without the scheduler: spans but no state slices. A write with a block request inside.
  const window: TimelineWindow = {
    kind: 'window', t0: 0, t1: 2e9, px: 1000, strings: ['syscall', 'blockio', 'write fd 4 /var/lib/x', 'write sda 4 KiB (app 7)', 'write sda 4 KiB'],
    tracks: [
      { id: 't7', slices: empty, spans: [[1e9, 0.5e9, 0, 2, 0, 1], [1.1e9, 0.2e9, 1, 4, 1, 1]] },
      { id: 'd:sda', slices: empty, spans: [[1.1e9, 0.2e9, 1, 3, 0, 1]] },
    ],
  };
  const answer = (p: QueryParams): unknown => {
    if (!('track' in p)) return window;
    if (p['track'] === 'd:sda') {
      return { kind: 'span', track: 'd:sda', start: 1.1e9, duration: 0.2e9, state: 'blockio', label: 'write sda 4 KiB (app 7)', cpu: -1, related: { track: 't7', name: 'app', time: 1.1e9 } };
    }
    return p['at'] === 1.1e9
      ? { kind: 'span', track: 't7', start: 1.1e9, duration: 0.2e9, state: 'blockio', label: 'write sda 4 KiB', cpu: -1, related: { track: 'd:sda', name: 'sda', time: 1.1e9 } }
      : { kind: 'span', track: 't7', start: 1e9, duration: 0.5e9, state: 'syscall', label: 'write fd 4 /var/lib/x', cpu: -1, stack: [{ name: 'main', module: 'app', kind: 'native' }, { name: 'save', module: 'app', kind: 'native' }] };
  };

  it('grows lanes, lists the categories, and shows a span\'s details with a way to its device and back', async () => {
    const model = new ReplaceModel((v: unknown): v is TimelineSummary => typeof v === 'object' && v !== null);
    model.apply(summary);
    const { ctx, hooks, queries } = context(info, model, answer);
    const host = document.createElement('div');
    document.body.append(host);
    const panel = timelinePanel.create(host, ctx);
    // Devices after the threads; a device track means lanes.
    expect(hooks['tracks']().map((t: { id: string }) => t.id)).toEqual(['t7', 'd:sda']);
    hooks['drawWindow'](window, { t0: 0, t1: 2e9 });
    expect(hooks['state']().lanes).toBe(true);
    expect([...host.querySelectorAll('[data-testid="timeline-legend-category"]')].map((e) => (e as HTMLElement).dataset['category'])).toEqual(['syscall', 'blockio']);
    expect(hooks['spans']('t7').map((s: { label: string }) => s.label)).toEqual(['write fd 4 /var/lib/x', 'write sda 4 KiB']);

    // The outer lane: the write, asked for at its own start (the agent answers the innermost span there).
    await hooks['spanDetailAt']('t7', 1.4e9, 0);
    await tick();
    expect(queries.at(-1)).toEqual({ track: 't7', at: 1e9, lane: 'spans' });
    expect(byId(host, 'span-category').textContent).toBe(' syscall');
    expect(byId(host, 'span-label').textContent).toBe('write fd 4 /var/lib/x');
    expect([...byId(host, 'span-stack').querySelectorAll('li code')].map((c) => c.textContent)).toEqual(['save', 'main']);
    expect(host.querySelector('[data-testid="jump-to-related"]')).toBeNull();
    expect(hooks['state']().detail).toMatchObject({ lane: 'spans', state: 'syscall', label: 'write fd 4 /var/lib/x' });

    // The nested lane: the block request, on the disk.
    await hooks['spanDetailAt']('t7', 1.2e9, 1);
    await tick();
    expect(queries.at(-1)).toEqual({ track: 't7', at: 1.1e9, lane: 'spans' });
    expect(byId(host, 'span-related').dataset['track']).toBe('d:sda');
    const go = byId(host, 'jump-to-related');
    expect(go.textContent).toBe('Go to sda');
    go.click();
    await tick();
    await tick();
    expect(hooks['state']().highlightTrack).toBe('d:sda');
    expect(queries.at(-1)).toEqual({ track: 'd:sda', at: 1.1e9, lane: 'spans' });
    expect(byId(host, 'timeline-details').textContent).toContain('sda (blockio device)');
    expect(byId(host, 'span-label').textContent).toBe('write sda 4 KiB (app 7)');
    // And back to the thread that waited for it.
    expect(byId(host, 'jump-to-related').textContent).toBe('Go to app');
    byId(host, 'jump-to-related').click();
    await tick();
    expect(hooks['state']().highlightTrack).toBe('t7');
    panel.dispose();
  });
});

describe('time series panel', () => {
  it('lists a series per line with its unit, mean and peak, hides one on a click, and follows the range', async () => {
    const info: ModelInfo = { id: 'sched.runqlen', type: 'timeseries', title: 'Run-queue length per CPU', unit: 'threads', sources: ['sched'], version: 1 };
    const model = timeseriesPanel.createModel(info);
    model.apply({
      kind: 'live', unit: 'threads', version: 1, firstSeq: 1, baseSeq: 1, starts: [0, 1e9, 2e9], ends: [1e9, 2e9, 3e9],
      series: [{ name: 'cpu0', label: 'CPU 0', values: [1, 2, 3] }, { name: 'cpu1', label: 'CPU 1', values: [0.5, null, 0.25] }],
    });
    const { ctx, hooks, changed } = context(info, model, () => null);
    const host = document.createElement('div');
    document.body.append(host);
    const panel = timeseriesPanel.create(host, ctx);
    await frame();
    const items = [...host.querySelectorAll('[data-testid="timeseries-series"]')] as HTMLElement[];
    expect(items.map((i) => i.textContent)).toEqual(['CPU 0mean 2 threads · max 3 threads', 'CPU 1mean 0.375 threads · max 0.5 threads']);
    expect(byId(host, 'timeseries-unit').textContent).toBe('unit: threads');
    items[1]!.click();
    await frame();
    expect(hooks['state']().series.map((s: { hidden: boolean }) => s.hidden)).toEqual([false, true]);
    expect(host.querySelector('[data-series="cpu1"]')?.getAttribute('aria-pressed')).toBe('false');
    ctx.selection.set({ t0: 1e9, t1: 3e9 });
    await frame();
    expect((host.querySelector('[data-series="cpu0"]') as HTMLElement).textContent).toBe('CPU 0mean 2.5 threads · max 3 threads');
    // A new window from the stream.
    model.apply({ kind: 'live', unit: 'threads', version: 2, firstSeq: 1, baseSeq: 4, starts: [3e9], ends: [4e9], series: [{ name: 'cpu0', label: 'CPU 0', values: [9] }] });
    changed();
    await frame();
    expect(hooks['state']().windows).toBe(4);
    expect(byId(host, 'timeseries-status').textContent).toBe('4 windows · 2 series');
    panel.dispose();
  });
});
