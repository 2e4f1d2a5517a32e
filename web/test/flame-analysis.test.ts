import { describe, expect, it } from 'vitest';
import { diffChanges, functionStats, sandwich, sortFunctions } from '../src/model/flame-analysis';
import { FlameGraphModel } from '../src/model/flamegraph-model';
import { computeLayout } from '../src/model/layout';
import { WindowSeries } from '../src/model/windows';
import { FlameGraphLive } from '../src/model/flamegraph-live';
import { fn, K, TestCallTree } from './call-tree';

const app = fn('app', K.process, null);
const main = fn('main');
const a = fn('a');
const b = fn('b');
const c = fn('c');

function model(tree: TestCallTree): FlameGraphModel {
  tree.commit();
  const m = new FlameGraphModel();
  expect(m.apply(tree.update(null))).toBe('applied');
  return m;
}

function byName(m: FlameGraphModel) {
  const stats = functionStats(m, computeLayout(m));
  return Object.fromEntries(stats.map((s) => [s.name, { self: s.self, total: s.total, nodes: s.nodes }]));
}

describe('top functions', () => {
  it('sums self and total per function, counting a recursive function once per sample', () => {
    const tree = new TestCallTree()
      .add([app, main, a, b], 3)
      .add([app, main, b], 2)
      .add([app, main, a, a, a], 4) // recursion: a under a under a
      .add([app, main], 1);
    const stats = byName(model(tree));
    expect(stats['b']).toEqual({ self: 5, total: 5, nodes: 2 });
    expect(stats['a']).toEqual({ self: 4, total: 7, nodes: 3 });
    expect(stats['main']).toEqual({ self: 1, total: 10, nodes: 1 });
    expect(stats['all']).toBeUndefined();
  });

  it('sorts by self, total or name', () => {
    const tree = new TestCallTree().add([app, main, a], 1).add([app, main, b], 5).add([app, c], 3);
    const stats = functionStats(model(tree), computeLayout(model(tree)));
    expect(sortFunctions(stats, 'self', true).slice(0, 3).map((s) => s.name)).toEqual(['b', 'c', 'a']);
    expect(sortFunctions(stats, 'total', true)[0]!.name).toBe('app');
    expect(sortFunctions(stats, 'name', false).map((s) => s.name)).toEqual(['a', 'app', 'b', 'c', 'main']);
  });
});

describe('sandwich view', () => {
  it('gives the callers (paths to the function, reversed) and the callees (its subtrees merged)', () => {
    const tree = new TestCallTree()
      .add([app, main, a, b], 3)
      .add([app, main, b, c], 2)
      .add([app, b], 1)
      .add([app, main, a], 4);
    const m = model(tree);
    const frameB = m.frameNames.indexOf('b');
    const s = sandwich(m, frameB);
    expect(s.total).toBe(6);
    expect(s.self).toBe(4);
    // Callers: b ← a ← main ← app (3), b ← main ← app (2), b ← app (1).
    const callers = s.callers;
    expect(callers.name(0)).toBe('b');
    expect(callers.totalSamples).toBe(6);
    const childrenOf = (t: FlameGraphModel, n: number) => {
      const out: Record<string, number> = {};
      for (let i = 1; i < t.nodeCount; i++) if (t.parents[i] === n) out[t.name(i)] = t.totals[i]!;
      return out;
    };
    expect(childrenOf(callers, 0)).toEqual({ a: 3, main: 2, app: 1 });
    // Callees: b → c (2), and 4 of b's 6 are its own.
    expect(s.callees.totalSamples).toBe(6);
    expect(childrenOf(s.callees, 0)).toEqual({ c: 2 });
    expect(s.callees.selfs[0]).toBe(4);
  });

  it('counts a recursive function once (outermost occurrences only)', () => {
    const tree = new TestCallTree().add([app, a, a, b], 5);
    const m = model(tree);
    const s = sandwich(m, m.frameNames.indexOf('a'));
    expect(s.total).toBe(5);
    expect(s.callers.totalSamples).toBe(5);
    expect(s.callees.totalSamples).toBe(5);
  });
});

describe('differential flame graph', () => {
  it('compares shares, not counts: red where the share grew, blue where it shrank', () => {
    // Selected: a 30 of 40, b 10. Baseline: a 10 of 20, b 10.
    const totals = Float64Array.from([40, 30, 10]);
    const base = Float64Array.from([20, 10, 10]);
    const { change, maxChange } = diffChanges(totals, 40, base, 20, 3);
    expect(change[1]).toBeCloseTo(0.25);
    expect(change[2]).toBeCloseTo(-0.25);
    expect(maxChange).toBeCloseTo(0.25);
    expect(change[0]).toBe(0);
  });
});

describe('window history (time strip)', () => {
  it('appends new windows, keeps overlaps exact, drops what the agent dropped, and sees a gap', () => {
    const w = new WindowSeries();
    expect(w.apply({ firstSeq: 1, baseSeq: 1, starts: [0, 1], ends: [1, 2], totals: [5, 6] }, true)).toBe(true);
    expect(w.apply({ firstSeq: 1, baseSeq: 3, starts: [2], ends: [3], totals: [7] }, false)).toBe(true);
    expect(w.totals).toEqual([5, 6, 7]);
    // Overlapping (after a resync) and the oldest dropped.
    expect(w.apply({ firstSeq: 2, baseSeq: 3, starts: [2, 3], ends: [3, 4], totals: [7, 0] }, false)).toBe(true);
    expect(w.firstSeq).toBe(2);
    expect(w.totals).toEqual([6, 7, 0]);
    expect(w.span).toEqual({ t0: 1, t1: 4 });
    expect(w.trailingEmpty()).toBe(1);
    expect(w.indexAt(2.5)).toBe(1);
    // A gap: window 6 when 4 is the newest held.
    expect(w.apply({ firstSeq: 2, baseSeq: 6, starts: [5], ends: [6], totals: [1] }, false)).toBe(false);
  });
});
