// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { Capabilities, ModelInfo, ProcessInfo, SourceDescriptor, StartSessionRequest } from '../src/api/types';
import { Workspace } from '../src/app/workspace';
import { ProcessPicker } from '../src/ui/process-picker';
import { SessionBar } from '../src/ui/session-bar';
import { SessionsList } from '../src/ui/sessions-list';
import { StartForm } from '../src/ui/start-form';
import { session } from './fixtures';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const byId = (root: ParentNode, id: string): HTMLElement => {
  const el = root.querySelector(`[data-testid="${id}"]`);
  if (!el) throw new Error(`no element with data-testid=${id}`);
  return el as HTMLElement;
};

const processes: ProcessInfo[] = [
  { pid: 4242, name: 'workload', commandLine: '/tmp/workload 60', cpuPercent: 99, threads: 1, rssBytes: 1 << 20 },
  { pid: 77, name: 'bash', commandLine: '-bash', cpuPercent: 0.1, threads: 1, rssBytes: 1 << 20 },
  { pid: 2, name: 'kthreadd', commandLine: '[kthreadd]', cpuPercent: 0, threads: 1, rssBytes: 0 },
];
const api = { processes: () => Promise.resolve(processes) };

const cpu: SourceDescriptor = {
  id: 'cpu', title: 'On-CPU sampling', layer: 'cpu', description: 'Samples every CPU.', implicit: false, available: true, mechanisms: [], reason: null, detail: null,
  options: [{ name: 'frequency', kind: 'integer', description: 'Samples per second on each CPU', unit: 'Hz', min: 1, max: 10000, default: 99 }],
};
// A source this UI has never heard of: its form must appear from its descriptor alone.
const brandNew: SourceDescriptor = {
  id: 'tcp', title: 'TCP connections', layer: 'network', description: 'Connections and retransmits.', implicit: false, available: true, mechanisms: [], reason: null, detail: null,
  options: [
    { name: 'minBytes', kind: 'integer', description: 'Smallest transfer', unit: 'B', min: 0, max: 1 << 30, default: 0 },
    { name: 'sampleRatio', kind: 'number', description: 'Share of connections', min: 0, max: 1, default: 1 },
    { name: 'ports', kind: 'choices', description: 'Which ports', choices: ['http', 'https', 'other'], default: ['http', 'https'] },
    { name: 'payload', kind: 'boolean', description: 'Capture payload bytes', default: false },
  ],
};
const caps: Capabilities = { kernel: { release: '6.1', btf: true, tracefs: true, bpffs: true, cpus: 2 }, features: [], sources: [cpu, brandNew] };

function input(root: ParentNode, id: string): HTMLInputElement {
  return byId(root, id) as HTMLInputElement;
}

describe('start form', () => {
  it('is generated from the capabilities: a new source brings its inputs with no UI change', () => {
    const form = new StartForm(api, () => Promise.resolve());
    form.setCapabilities(caps);
    const el = form.element;
    expect(input(el, 'source-cpu').checked).toBe(true);
    expect(input(el, 'source-tcp').checked).toBe(false);
    expect(input(el, 'option-tcp-minBytes').value).toBe('0');
    expect(input(el, 'option-tcp-sampleRatio').dataset['kind']).toBe('number');
    expect(input(el, 'option-tcp-ports-http').checked).toBe(true);
    expect(input(el, 'option-tcp-ports-other').checked).toBe(false);
    expect(input(el, 'option-tcp-payload').type).toBe('checkbox');
    expect(el.textContent).toContain('Smallest transfer. Whole number from 0 to 1073741824 B; default 0 B.');
  });

  it('refuses 99.5 for an integer option next to the field and sends nothing', async () => {
    const onStart = vi.fn((_: StartSessionRequest) => Promise.resolve());
    const form = new StartForm(api, onStart);
    form.setCapabilities(caps);
    document.body.append(form.element);
    const frequency = input(form.element, 'option-cpu-frequency');
    frequency.value = '99.5';
    form.element.dispatchEvent(new Event('submit', { cancelable: true }));
    await tick();
    expect(onStart).not.toHaveBeenCalled();
    const error = byId(form.element, 'error-option-cpu-frequency');
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe('99.5 is not a whole number: give a whole number from 1 to 10000 Hz.');
    expect(frequency.getAttribute('aria-invalid')).toBe('true');
    expect(frequency.getAttribute('aria-describedby')).toContain('option-cpu-frequency-error');

    frequency.value = '999';
    input(form.element, 'source-tcp').checked = true;
    input(form.element, 'option-tcp-ports-other').checked = true;
    input(form.element, 'detached').checked = true;
    form.element.dispatchEvent(new Event('submit', { cancelable: true }));
    await tick();
    expect(onStart).toHaveBeenCalledTimes(1);
    expect(onStart.mock.calls[0]![0]).toEqual({
      sources: [{ id: 'cpu', options: { frequency: 999 } }, { id: 'tcp', options: { ports: ['http', 'https', 'other'] } }],
      detached: true,
    });
    expect(error.hidden).toBe(true);
    form.element.remove();
  });
});

describe('start form: presets, the agent\'s session ranges, kernel threads', () => {
  const source = (id: string, available = true): SourceDescriptor => ({ ...cpu, id, title: id, options: [], available, reason: available ? null : 'no BTF' });
  const sched: Capabilities = {
    ...caps, sources: [cpu, source('offcpu'), source('sched')],
    session: { windowSeconds: { min: 0.5, max: 30, default: 2 }, memoryBudgetMiB: { min: 8, max: 512, default: 32 }, graceSeconds: { min: 1, max: 60, default: 10 }, durationSeconds: { min: 0, max: 3600, default: null } },
  };

  it('a wall-clock preset chooses cpu, offcpu and sched; choosing by hand updates which preset is pressed', async () => {
    const onStart = vi.fn((_: StartSessionRequest) => Promise.resolve());
    const form = new StartForm(api, onStart);
    form.setCapabilities(sched);
    const el = form.element;
    expect(byId(el, 'presets').hidden).toBe(false);
    expect(byId(el, 'preset-cpu').getAttribute('aria-pressed')).toBe('true');
    byId(el, 'preset-wallclock').click();
    expect(['cpu', 'offcpu', 'sched'].map((id) => input(el, `source-${id}`).checked)).toEqual([true, true, true]);
    expect(byId(el, 'preset-wallclock').getAttribute('aria-pressed')).toBe('true');
    expect(byId(el, 'preset-cpu').getAttribute('aria-pressed')).toBe('false');
    input(el, 'source-cpu').checked = false;
    input(el, 'source-cpu').dispatchEvent(new Event('change'));
    expect(byId(el, 'preset-scheduler').getAttribute('aria-pressed')).toBe('true');
    byId(el, 'preset-wallclock').click();
    el.dispatchEvent(new Event('submit', { cancelable: true }));
    await tick();
    expect(onStart.mock.calls[0]![0].sources).toEqual(['cpu', 'offcpu', 'sched']);
    // A preset whose source cannot run here is not offered.
    const noSched = new StartForm(api, () => Promise.resolve());
    noSched.setCapabilities({ ...sched, sources: [cpu, source('offcpu'), source('sched', false)] });
    expect(noSched.element.querySelector('[data-testid="preset-wallclock"]')).toBeNull();
  });

  it('takes the session settings\' ranges and defaults from the capabilities', async () => {
    const onStart = vi.fn((_: StartSessionRequest) => Promise.resolve());
    const form = new StartForm(api, onStart);
    form.setCapabilities(sched);
    const el = form.element;
    expect(input(el, 'session-windowSeconds').value).toBe('2');
    expect(input(el, 'session-durationSeconds').value).toBe('');
    expect(el.textContent).toContain('Number from 0.5 to 30 s; default 2 s.');
    input(el, 'session-graceSeconds').value = '90';
    el.dispatchEvent(new Event('submit', { cancelable: true }));
    await tick();
    expect(onStart).not.toHaveBeenCalled();
    expect(byId(el, 'error-session-graceSeconds').textContent).toBe('90 is out of range: give a number from 1 to 60 s.');
    input(el, 'session-graceSeconds').value = '10';
    input(el, 'session-windowSeconds').value = '1';
    el.dispatchEvent(new Event('submit', { cancelable: true }));
    await tick();
    // Only what differs from the agent's defaults is sent.
    expect(onStart.mock.calls[0]![0]).toEqual({ sources: ['cpu'], windowSeconds: 1 });
  });

  it('marks kernel threads as the agent flags them, and says they have no user stacks', async () => {
    const flagged: ProcessInfo[] = [
      { pid: 4242, name: 'workload', commandLine: '/tmp/workload 60', cpuPercent: 99, threads: 1, rssBytes: 1 << 20, kernelThread: false },
      { pid: 2, name: 'kthreadd', commandLine: '[kthreadd]', cpuPercent: 0, threads: 1, rssBytes: 0, kernelThread: true },
      // Flagged by the agent even though it looks like a user process.
      { pid: 9, name: 'odd', commandLine: 'odd', cpuPercent: 0, threads: 1, rssBytes: 5, kernelThread: true },
    ];
    const form = new StartForm({ processes: () => Promise.resolve(flagged) }, () => Promise.resolve());
    form.setCapabilities(caps);
    form.setOpen(true);
    await tick();
    await tick();
    const el = form.element;
    expect(byId(el, 'process-row-2').querySelector('[data-testid="kernel-badge"]')?.textContent).toBe('kernel thread');
    expect(byId(el, 'process-row-9').dataset['kernel']).toBe('true');
    expect(byId(el, 'process-row-4242').querySelector('[data-testid="kernel-badge"]')).toBeNull();
    byId(el, 'process-row-2').click();
    expect(byId(el, 'filter-kernel-note').hidden).toBe(false);
    expect(byId(el, 'filter-kernel-note').textContent).toMatch(/^kthreadd \(pid 2\) is a kernel thread: no user stacks/);
    byId(el, 'process-row-4242').click();
    expect(byId(el, 'filter-kernel-note').hidden).toBe(true);
    form.setOpen(false);
  });
});

describe('process picker', () => {
  it('moves with the arrow keys and chooses with Enter; Space adds another process', async () => {
    const picked: number[][] = [];
    const picker = new ProcessPicker(api, (pids) => picked.push(pids));
    document.body.append(picker.element);
    picker.setOpen(true);
    await tick();
    await tick();
    const filter = input(picker.element, 'process-filter');
    filter.focus();
    filter.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    expect(document.activeElement).toBe(byId(picker.element, 'process-row-4242'));
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    expect(document.activeElement).toBe(byId(picker.element, 'process-row-77'));
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(picked.at(-1)).toEqual([77]);
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }));
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    expect(picked.at(-1)).toEqual([77, 4242]);
    expect(byId(picker.element, 'process-row-4242').getAttribute('aria-selected')).toBe('true');
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
    expect(document.activeElement).toBe(byId(picker.element, 'process-row-all'));
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(picked.at(-1)).toEqual([]);
    expect(byId(picker.element, 'process-row-2').textContent).toContain('kernel thread: no user stacks');
    picker.setOpen(false);
    picker.element.remove();
  });
});

describe('workspace', () => {
  const models: ModelInfo[] = [
    { id: 'cpu.flamegraph', type: 'flamegraph', title: 'CPU flame graph', unit: 'samples', sources: ['cpu'], version: 1 },
    { id: 'offcpu.flamegraph', type: 'flamegraph', title: 'Off-CPU flame graph', unit: 'us', sources: ['offcpu'], version: 1 },
    { id: 'gpu.sankey', type: 'sankey', title: 'Unknown type', unit: '', sources: ['gpu'], version: 1 },
  ];

  function workspace() {
    const visible = new Map<string, boolean>();
    const disposed: string[] = [];
    let changes = 0;
    const ws = new Workspace({
      hasPanel: (type) => type === 'flamegraph',
      createPanel: (key, _info, host) => {
        host.append(`panel ${key}`);
        return { setVisible: (v) => visible.set(key, v), dispose: () => disposed.push(key) };
      },
      changed: () => changes++,
    }, document.createElement('span'));
    document.body.append(ws.element);
    return { ws, visible, disposed, changes: () => changes };
  }

  it('opens one panel per model instance, side by side, and rearranges them', () => {
    const { ws, visible, disposed } = workspace();
    ws.setModels(models);
    ws.restore(null, null, null);
    expect(ws.open).toEqual(['cpu.flamegraph', 'offcpu.flamegraph']);
    expect(ws.layout).toBe('columns');
    expect(visible.get('cpu.flamegraph')).toBe(true);
    expect(visible.get('offcpu.flamegraph')).toBe(true);
    ws.move('offcpu.flamegraph', -1);
    expect(ws.open).toEqual(['offcpu.flamegraph', 'cpu.flamegraph']);
    const frames = [...ws.element.querySelectorAll('.panel-frame')].map((f) => (f as HTMLElement).dataset['panel']);
    expect(frames).toEqual(['offcpu.flamegraph', 'cpu.flamegraph']);
    // Tabs: only the active panel is shown and drawn.
    ws.setLayout('tabs');
    ws.activate('cpu.flamegraph');
    expect(visible.get('offcpu.flamegraph')).toBe(false);
    expect(visible.get('cpu.flamegraph')).toBe(true);
    expect(byId(ws.element, 'panel-offcpu.flamegraph').hidden).toBe(true);
    // A second view of one model.
    byId(byId(ws.element, 'panel-cpu.flamegraph'), 'panel-duplicate').click();
    expect(ws.open).toEqual(['offcpu.flamegraph', 'cpu.flamegraph', 'cpu.flamegraph~2']);
    ws.close('offcpu.flamegraph');
    expect(disposed).toEqual(['offcpu.flamegraph']);
    ws.element.remove();
  });

  it('restores the panels and layout the URL names, and lists models without a view', () => {
    const { ws } = workspace();
    ws.setModels(models);
    ws.restore(['offcpu.flamegraph', 'cpu.flamegraph~2', 'gone.model'], 'rows', 'cpu.flamegraph~2');
    expect(ws.open).toEqual(['offcpu.flamegraph', 'cpu.flamegraph~2']);
    expect(ws.layout).toBe('rows');
    expect(ws.active).toBe('cpu.flamegraph~2');
    expect(byId(ws.element, 'panels-menu-list').textContent).toContain('sankey: no view in this UI');
    expect(input(ws.element, 'menu-gpu.sankey').disabled).toBe(true);
    ws.element.remove();
  });
});

describe('workspace overview', () => {
  const info = (id: string, type: string): ModelInfo => ({ id, type, title: id, unit: '', sources: [], version: 1 });
  const sched: ModelInfo[] = [
    info('cpu.flamegraph', 'flamegraph'), info('offcpu.flamegraph', 'flamegraph'), info('offcpu.wakers', 'flamegraph'),
    info('wallclock.flamegraph', 'flamegraph'), info('sched.runqlat', 'histogram'), info('sched.runqlen', 'timeseries'),
    info('threads.timeline', 'timeline'), info('threads.breakdown', 'breakdown'),
  ];

  function overview() {
    const visible = new Map<string, boolean>();
    const ws = new Workspace({
      hasPanel: () => true,
      createPanel: (key) => ({ setVisible: (v) => visible.set(key, v), dispose: () => {} }),
      changed: () => {},
    }, document.createElement('span'));
    document.body.append(ws.element);
    ws.setModels(sched);
    return { ws, visible };
  }
  const keysIn = (ws: Workspace, area: string): string[] =>
    [...byId(ws.element, `area-${area}`).querySelectorAll(':scope .panel-frame')].map((f) => (f as HTMLElement).dataset['panel']!);

  it('puts the timeline on top, two flame graphs side by side and the rest in tabs, the breakdown first', () => {
    const { ws, visible } = overview();
    ws.restore(null, null, null);
    expect(ws.layout).toBe('overview');
    expect(keysIn(ws, 'top')).toEqual(['threads.timeline']);
    expect(keysIn(ws, 'side')).toEqual(['cpu.flamegraph', 'offcpu.flamegraph']);
    expect(keysIn(ws, 'tabs')).toEqual(['offcpu.wakers', 'wallclock.flamegraph', 'sched.runqlat', 'sched.runqlen', 'threads.breakdown']);
    expect(ws.active).toBe('threads.breakdown');
    expect(visible.get('threads.timeline')).toBe(true);
    expect(visible.get('offcpu.flamegraph')).toBe(true);
    expect(visible.get('threads.breakdown')).toBe(true);
    expect(visible.get('sched.runqlen')).toBe(false);
    // The tab strip lists only the tab group.
    expect(byId(ws.element, 'tab-threads.timeline').hidden).toBe(true);
    expect(byId(ws.element, 'tab-sched.runqlen').hidden).toBe(false);
    ws.activate('sched.runqlen');
    expect(visible.get('sched.runqlen')).toBe(true);
    expect(visible.get('threads.breakdown')).toBe(false);
    expect(ws.areas).toEqual({ top: ['threads.timeline'], side: ['cpu.flamegraph', 'offcpu.flamegraph'] });
  });

  it('rearranges: a panel moves to another area from its title, within its area with the arrows, and comes back from the URL', () => {
    const { ws, visible } = overview();
    ws.restore(null, null, null);
    const wakers = byId(ws.element, 'panel-offcpu.wakers');
    const select = wakers.querySelector('[data-testid="panel-area"]') as HTMLSelectElement;
    select.value = 'side';
    select.dispatchEvent(new Event('change'));
    expect(keysIn(ws, 'side')).toEqual(['cpu.flamegraph', 'offcpu.flamegraph', 'offcpu.wakers']);
    expect(visible.get('offcpu.wakers')).toBe(true);
    ws.move('offcpu.wakers', -1);
    expect(keysIn(ws, 'side')).toEqual(['cpu.flamegraph', 'offcpu.wakers', 'offcpu.flamegraph']);
    ws.setArea('threads.timeline', 'tabs');
    expect(keysIn(ws, 'top')).toEqual([]);
    expect(byId(ws.element, 'area-top').hidden).toBe(true);
    expect(ws.active).toBe('threads.timeline');
    // Another layout and back keeps the areas.
    ws.setLayout('columns');
    expect(ws.element.querySelectorAll('.ws-panels > .panel-frame')).toHaveLength(8);
    ws.setLayout('overview');
    expect(keysIn(ws, 'side')).toEqual(['cpu.flamegraph', 'offcpu.wakers', 'offcpu.flamegraph']);
    const saved = { open: ws.open.slice(), areas: ws.areas, active: ws.active };
    const again = overview();
    again.ws.restore(saved.open, 'overview', saved.active, saved.areas);
    expect(keysIn(again.ws, 'side')).toEqual(['cpu.flamegraph', 'offcpu.wakers', 'offcpu.flamegraph']);
    expect(again.ws.active).toBe('threads.timeline');
  });
});

describe('session bar', () => {
  it('shows target exited, the agent’s elapsed time, measured rates and losses as warnings', () => {
    const bar = new SessionBar({
      pause: () => Promise.resolve(), resume: () => Promise.resolve(), reset: () => Promise.resolve(), stop: () => Promise.resolve(),
      leave: () => {}, setFilter: () => Promise.resolve(),
    }, api, () => {});
    const counters = (samples: number, lost: number) => [
      { name: 'samples', value: samples, kind: 'events', description: '' },
      { name: 'lost.counts_full', value: lost, kind: 'lost', description: '' },
      { name: 'bpf.ns_per_run', value: 2100, kind: 'info', description: '' },
    ];
    const source = (samples: number, lost: number) => [{ id: 'cpu', title: 'On-CPU sampling', layer: 'cpu', implicit: false, options: { frequency: 99 }, mechanisms: ['perf_event cpu-clock'], counters: counters(samples, lost) }];
    bar.update(session('s1', [], { elapsedSeconds: 10.4, sources: source(1000, 0) }));
    bar.update(session('s1', [], { elapsedSeconds: 12.4, sources: source(1400, 6), targetExited: true }));
    const el = bar.element;
    expect(byId(el, 'stat-state').textContent).toBe('target exited');
    expect(byId(el, 'target-exited').hidden).toBe(false);
    expect(byId(el, 'stat-elapsed').textContent).toBe('12s');
    expect(byId(el, 'counter-rate-cpu-samples').textContent).toBe('200/s');
    expect(byId(el, 'counter-cpu-lost.counts_full').classList.contains('warn')).toBe(true);
    expect(byId(el, 'counter-value-cpu-bpf.ns_per_run').textContent).toBe('2,100 ns/event');
    // Paused: elapsed stays, so does the count; a stopped session says why.
    bar.update(session('s1', [], { state: 'stopped', elapsedSeconds: 12.4, endReason: 'nobody viewed it for 30 s', sources: source(1400, 6) }));
    expect(byId(el, 'session-ended').textContent).toContain('nobody viewed it for 30 s');
    expect((byId(el, 'stop') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('cost when idle', () => {
  it('polls the sessions list only while it is shown and the page is visible', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const list = new SessionsList({ sessions: () => { calls++; return Promise.resolve([]); } }, { open: () => {}, stop: () => Promise.resolve() });
      let hidden = false;
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      vi.advanceTimersByTime(10_000);
      expect(calls).toBe(0);
      list.setShown(true);
      await vi.advanceTimersByTimeAsync(9_100);
      expect(calls).toBe(4);
      hidden = true;
      await vi.advanceTimersByTimeAsync(30_000);
      expect(calls).toBe(4);
      hidden = false;
      list.setShown(false);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(calls).toBe(4);
    } finally {
      vi.useRealTimers();
      delete (document as { hidden?: boolean }).hidden;
    }
  });
});
