import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ModelResponse, type QueryParams } from '../src/api/client';
import type { ModelInfo, Session, StreamMessage } from '../src/api/types';
import { LiveBinding, type BindingApi, type EventSourceLike } from '../src/live/binding';
import { ReplaceModel } from '../src/live/live-model';
import { FlameGraphLive } from '../src/model/flamegraph-live';
import { fn, K, TestCallTree } from './call-tree';
import { session } from './fixtures';

const FG: ModelInfo = { id: 'cpu.flamegraph', type: 'flamegraph', title: 'CPU flame graph', unit: 'samples', sources: ['cpu'], version: 1 };
const OFF: ModelInfo = { id: 'offcpu.flamegraph', type: 'flamegraph', title: 'Off-CPU', unit: 'us', sources: ['offcpu'], version: 1 };
const ODD: ModelInfo = { id: 'gpu.thing', type: 'sankey', title: 'Something new', unit: '', sources: ['gpu'], version: 1 };

class FakeSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private listeners = new Map<string, ((e: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (e: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, data: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data: JSON.stringify(data) } as MessageEvent<string>);
  }
}

class FakeApi implements BindingApi {
  calls: { model: string; params: QueryParams }[] = [];
  answers: ((params: QueryParams) => ModelResponse<unknown>)[] = [];
  streamUrl(path: string): string {
    return `http://agent${path}`;
  }
  session(): Promise<Session> {
    return Promise.reject(new ApiError(404, 'gone', undefined));
  }
  model<T>(_id: string, model: string, params: QueryParams = {}): Promise<ModelResponse<T>> {
    this.calls.push({ model, params });
    const answer = this.answers.shift();
    if (!answer) return Promise.reject(new Error('no answer'));
    try {
      return Promise.resolve(answer(params) as ModelResponse<T>);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

function setup() {
  const api = new FakeApi();
  const sources: FakeSource[] = [];
  const errors: unknown[] = [];
  const binding = new LiveBinding(api, 's1', (info) => (info.type === 'flamegraph' ? new FlameGraphLive() : null),
    (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s;
    }, (e) => errors.push(e));
  return { api, sources, errors, binding };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function liveView(tree: TestCallTree, since: Parameters<TestCallTree['update']>[0], windows: { base: number; first?: number; totals: number[] }) {
  const starts = windows.totals.map((_, i) => (windows.base + i - 1) * 1e9);
  return {
    kind: 'live', unit: 'samples', ...tree.update(since),
    windows: { firstSeq: windows.first ?? 1, baseSeq: windows.base, starts, ends: starts.map((s) => s + 1e9), totals: windows.totals },
    droppedWindows: 0,
  };
}

describe('live-model binding', () => {
  it('opens one stream per session and keeps one model per model instance', () => {
    const { binding, sources } = setup();
    const listed: string[][] = [];
    binding.onModels((m) => listed.push(m.map((x) => x.id)));
    binding.connect();
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe('http://agent/api/sessions/s1/stream');
    const tree = new TestCallTree().add([fn('app', K.process, null), fn('main'), fn('hot')], 5);
    tree.commit();
    const other = new TestCallTree().add([fn('app', K.process, null), fn('read', K.kernel, 'kernel'), fn('[blocked S]', 6, null)], 700);
    other.commit();
    const message: StreamMessage = {
      session: session('s1', [FG, OFF, ODD]),
      models: { 'cpu.flamegraph': liveView(tree, null, { base: 1, totals: [5] }), 'offcpu.flamegraph': liveView(other, null, { base: 1, totals: [700] }) },
    };
    sources[0]!.emit('update', message);
    expect(listed).toEqual([['cpu.flamegraph', 'offcpu.flamegraph', 'gpu.thing']]);
    const cpu = binding.model('cpu.flamegraph') as FlameGraphLive;
    const off = binding.model('offcpu.flamegraph') as FlameGraphLive;
    expect(cpu).not.toBe(off);
    expect(cpu.tree.totalSamples).toBe(5);
    expect(off.tree.totalSamples).toBe(700);
    expect(off.windows.totals).toEqual([700]);
    // A model type without a registered panel is listed but not kept.
    expect(binding.model('gpu.thing')).toBeNull();
    expect(binding.info('gpu.thing')?.type).toBe('sankey');
  });

  it('applies deltas in order and tells the panels', () => {
    const { binding, sources } = setup();
    binding.connect();
    const tree = new TestCallTree().add([fn('app', K.process, null), fn('main')], 1);
    tree.commit();
    sources[0]!.emit('update', { session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, null, { base: 1, totals: [1] }) } });
    let changes = 0;
    binding.onModel('cpu.flamegraph', () => changes++);
    const cursor = tree.cursor;
    tree.add([fn('app', K.process, null), fn('main'), fn('work')], 4);
    tree.commit();
    sources[0]!.emit('update', { session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, cursor, { base: 2, totals: [4] }) } });
    const m = binding.model('cpu.flamegraph') as FlameGraphLive;
    expect(m.tree.totalSamples).toBe(5);
    expect(m.windows.count).toBe(2);
    expect(changes).toBe(1);
    // A message without models (counters only) changes nothing but the session.
    sources[0]!.emit('update', { session: session('s1', [FG], { elapsedSeconds: 3 }), models: {} });
    expect(changes).toBe(1);
    expect(binding.session?.elapsedSeconds).toBe(3);
  });

  it('resyncs from the stream\'s cursor when a delta does not apply, then follows the stream again', async () => {
    const { binding, sources, api } = setup();
    binding.connect();
    const tree = new TestCallTree().add([fn('app', K.process, null), fn('main')], 1);
    tree.commit();
    sources[0]!.emit('update', {
      session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, null, { base: 1, totals: [1] }) }, cursors: { 'cpu.flamegraph': 'c1' },
    });
    expect(binding.stats().models['cpu.flamegraph']?.cursor).toBe('c1');
    const held = tree.cursor;
    // Two changes; the first one is lost on the way: the second does not apply (a gap).
    tree.add([fn('app', K.process, null), fn('main'), fn('a')], 1);
    tree.commit();
    const lostCursor = tree.cursor;
    tree.add([fn('app', K.process, null), fn('main'), fn('b')], 1);
    tree.commit();
    api.answers.push(() => ({ body: liveView(tree, held, { base: 2, totals: [1, 1] }), cursor: 'server-cursor' }));
    sources[0]!.emit('update', {
      session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, lostCursor, { base: 3, totals: [1] }) }, cursors: { 'cpu.flamegraph': 'c3' },
    });
    await tick();
    await tick();
    const m = binding.model('cpu.flamegraph') as FlameGraphLive;
    // The cursor is the agent's, never made by the client: the one of the last change that applied.
    expect(api.calls).toEqual([{ model: 'cpu.flamegraph', params: { cursor: 'c1' } }]);
    expect(m.tree.totalSamples).toBe(3);
    expect(m.windows.totals).toEqual([1, 1, 1]);
    expect(binding.stats().models['cpu.flamegraph']?.cursor).toBe('server-cursor');
  });

  it('asks for the whole model when the agent refuses the cursor, or when none is held', async () => {
    const { binding, api, sources } = setup();
    binding.connect();
    const tree = new TestCallTree().add([fn('app', K.process, null), fn('main')], 2);
    tree.commit();
    sources[0]!.emit('update', {
      session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, null, { base: 1, totals: [2] }) }, cursors: { 'cpu.flamegraph': 'old' },
    });
    const m = binding.model('cpu.flamegraph') as FlameGraphLive;
    api.answers.push(() => {
      throw new ApiError(400, 'Invalid request', 'cursor is not a cursor of cpu.flamegraph');
    });
    api.answers.push((params) => {
      expect(params).toEqual({});
      return { body: liveView(tree, null, { base: 1, totals: [2] }), cursor: 'whole' };
    });
    await binding.resync('cpu.flamegraph');
    expect(api.calls.map((c) => c.params)).toEqual([{ cursor: 'old' }, {}]);
    expect(m.tree.totalSamples).toBe(2);
    // A change without a cursor leaves none: the next resync asks for everything.
    tree.add([fn('app', K.process, null), fn('main')], 1);
    const before = tree.cursor;
    tree.commit();
    sources[0]!.emit('update', { session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, before, { base: 2, totals: [1] }) } });
    expect(binding.stats().models['cpu.flamegraph']?.cursor).toBeNull();
    api.answers.push((params) => ({ body: liveView(tree, null, { base: 1, totals: [2, 1] }), cursor: `${JSON.stringify(params)}` }));
    await binding.resync('cpu.flamegraph');
    expect(api.calls.at(-1)?.params).toEqual({});
  });

  it('loads a stopped session\'s models whole, and catches up once when the stream ends', async () => {
    const { binding, api, sources } = setup();
    const tree = new TestCallTree().add([fn('app', K.process, null), fn('main')], 3);
    tree.commit();
    binding.describe(session('s1', [FG], { state: 'stopped' }));
    api.answers.push((params) => {
      expect(params).toEqual({});
      return { body: liveView(tree, null, { base: 1, totals: [3] }), cursor: 'k1' };
    });
    await binding.load();
    expect((binding.model('cpu.flamegraph') as FlameGraphLive).tree.totalSamples).toBe(3);
    expect(sources).toHaveLength(0);

    const live = setup();
    live.binding.connect();
    live.sources[0]!.emit('update', {
      session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, null, { base: 1, totals: [3] }) }, cursors: { 'cpu.flamegraph': 'k1' },
    });
    const held = tree.cursor;
    tree.add([fn('app', K.process, null), fn('main')], 2);
    tree.commit();
    live.api.answers.push((params) => {
      expect(params).toEqual({ cursor: 'k1' });
      return { body: liveView(tree, held, { base: 2, totals: [2] }), cursor: 'k2' };
    });
    live.sources[0]!.emit('end', {});
    await tick();
    await tick();
    expect((live.binding.model('cpu.flamegraph') as FlameGraphLive).tree.totalSamples).toBe(5);
    expect(live.binding.state).toBe('ended');
  });

  it('runs queries for panels with their parameters', async () => {
    const { binding, api } = setup();
    binding.describe(session('s1', [FG]));
    api.answers.push((params) => ({ body: { kind: 'range', params }, cursor: null }));
    const answer = await binding.query<{ params: QueryParams }>('cpu.flamegraph', { t0: 0, t1: 5e9 });
    expect(answer.params).toEqual({ t0: 0, t1: 5e9 });
  });

  it('ends on event: end, on a stopped session, and closes the stream', () => {
    const { binding, sources } = setup();
    const ended: (Session | null)[] = [];
    binding.onEnd((s) => ended.push(s));
    binding.connect();
    sources[0]!.emit('update', { session: session('s1', [FG], { state: 'stopped', endReason: 'lease expired' }), models: {} });
    expect(ended).toHaveLength(1);
    expect(ended[0]?.endReason).toBe('lease expired');
    expect(sources[0]!.closed).toBe(true);
    expect(binding.state).toBe('ended');
  });

  it('ignores messages of another session', () => {
    const { binding, sources } = setup();
    binding.connect();
    sources[0]!.emit('update', { session: session('other', [FG]), models: {} });
    expect(binding.session).toBeNull();
  });
});

describe('whole-view models', () => {
  it('replace on every view and refuse an older version', () => {
    const m = new ReplaceModel((v: unknown): v is { version: number; rows: number[] } => typeof v === 'object' && v !== null && 'rows' in v);
    expect(m.apply({ version: 2, rows: [1] })).toBe('applied');
    expect(m.apply({ version: 1, rows: [0] })).toBe('stale');
    expect(m.apply({ nope: true })).toBe('resync');
    expect(m.value?.rows).toEqual([1]);
  });
});

describe('the end of a session', () => {
  it('tries the catch-up again while the agent does not know the session yet (it files it as stopped after detaching)', async () => {
    vi.useFakeTimers();
    try {
      const { binding, api, sources } = setup();
      binding.connect();
      const tree = new TestCallTree().add([fn('app', K.process, null), fn('main')], 3);
      tree.commit();
      sources[0]!.emit('update', {
        session: session('s1', [FG]), models: { 'cpu.flamegraph': liveView(tree, null, { base: 1, totals: [3] }) }, cursors: { 'cpu.flamegraph': 'k1' },
      });
      const held = tree.cursor;
      tree.add([fn('app', K.process, null), fn('main')], 4);
      tree.commit();
      api.answers.push(() => {
        throw new ApiError(404, 'Not found', "no session with id 's1'");
      });
      api.answers.push(() => ({ body: liveView(tree, held, { base: 2, totals: [4] }), cursor: 'k2' }));
      sources[0]!.emit('end', {});
      await vi.advanceTimersByTimeAsync(0);
      expect(api.calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(600);
      expect(api.calls.map((c) => c.params)).toEqual([{ cursor: 'k1' }, { cursor: 'k1' }]);
      expect((binding.model('cpu.flamegraph') as FlameGraphLive).tree.totalSamples).toBe(7);
      // Done: no more timers.
      await vi.advanceTimersByTimeAsync(5000);
      expect(api.calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
