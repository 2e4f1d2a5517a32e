import { describe, expect, it } from 'vitest';
import type { FlameGraphUpdate } from '../src/api/types';
import { FlameGraphModel } from '../src/model/flamegraph-model';
import { fn, K, TestCallTree } from './call-tree';

function snapshot(m: FlameGraphModel) {
  const n = m.nodeCount;
  return {
    epoch: m.epoch,
    version: m.version,
    totalSamples: m.totalSamples,
    parents: Array.from(m.parents.subarray(0, n)),
    frames: Array.from(m.frames.subarray(0, n)),
    totals: Array.from(m.totals.subarray(0, n)),
    selfs: Array.from(m.selfs.subarray(0, n)),
    names: m.frameNames.slice(0, m.frameCount),
    modules: m.frameModules.slice(0, m.frameCount),
    kinds: Array.from(m.frameKinds.subarray(0, m.frameCount)),
  };
}

/** The model a client would hold had it fetched the whole tree now. */
function fresh(tree: TestCallTree) {
  const m = new FlameGraphModel();
  expect(m.apply(tree.update(null))).toBe('applied');
  return snapshot(m);
}

const main = fn('main');
const work = fn('work');
const hot = fn('hot_loop');
const sys = fn('sys_read', K.kernel, 'kernel');

describe('FlameGraphModel', () => {
  it('applies a full update', () => {
    const tree = new TestCallTree().add([fn('app', K.process, null), main, work, hot], 3).add([fn('app', K.process, null), main, sys], 2);
    tree.commit();
    const m = new FlameGraphModel();
    expect(m.apply(tree.update(null))).toBe('applied');
    expect(m.nodeCount).toBe(6);
    expect(m.totalSamples).toBe(5);
    expect(m.totals[0]).toBe(5);
    expect(Array.from(m.parents.subarray(0, 6))).toEqual([-1, 0, 1, 2, 3, 2]);
    expect(m.name(4)).toBe('hot_loop');
    expect(m.kind(5)).toBe(K.kernel);
    expect(m.module(5)).toBe('kernel');
    expect(m.selfs[4]).toBe(3);
    expect(m.selfs[2]).toBe(0);
  });

  it('appends new frames and nodes from the bases and updates older totals', () => {
    const tree = new TestCallTree().add([main, work], 4);
    tree.commit();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    const cursor = tree.cursor;

    tree.add([main, work, hot], 6).add([main, sys], 1);
    tree.commit();
    const delta = tree.update(cursor);
    expect(delta.full).toBe(false);
    expect(delta.nodeBase).toBe(3);
    expect(delta.frameBase).toBe(3);
    expect(delta.frameNames).toEqual(['hot_loop', 'sys_read']);
    expect(delta.updatedNodes).toEqual([0, 1, 2]);

    expect(m.apply(delta)).toBe('applied');
    expect(snapshot(m)).toEqual(fresh(tree));
    expect(m.totals[2]).toBe(10);
  });

  it('applies a delta that only changes totals', () => {
    const tree = new TestCallTree().add([main, work, hot], 2).add([main, sys], 2);
    tree.commit();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    const cursor = tree.cursor;

    tree.add([main, work, hot], 5);
    tree.commit();
    const delta = tree.update(cursor);
    expect(delta.nodeParents).toEqual([]);
    expect(delta.frameNames).toEqual([]);
    expect(delta.updatedNodes).toEqual([0, 1, 2, 3]);

    expect(m.apply(delta)).toBe('applied');
    expect(snapshot(m)).toEqual(fresh(tree));
    expect(m.totals[4]).toBe(2); // sys_read did not change
    expect(m.selfs[3]).toBe(7);
  });

  it('follows a long run of deltas, growing its arrays', () => {
    const tree = new TestCallTree();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    for (let round = 0; round < 60; round++) {
      const cursor = tree.cursor;
      for (let i = 0; i < 50; i++) tree.add([main, fn(`f${round}_${i % 7}`), fn(`g${i}`)], 1 + (i % 3));
      tree.commit();
      expect(m.apply(tree.update(cursor))).toBe('applied');
    }
    expect(m.nodeCount).toBeGreaterThan(1024);
    expect(snapshot(m)).toEqual(fresh(tree));
  });

  it('replaces everything on a full update of a new epoch', () => {
    const tree = new TestCallTree().add([main, work, hot], 9);
    tree.commit();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    const old = tree.cursor;

    tree.reset();
    tree.add([fn('other'), sys], 2);
    tree.commit();
    const update = tree.update(old);
    expect(update.full).toBe(true);
    expect(update.epoch).toBe(1);

    expect(m.apply(update)).toBe('applied');
    expect(m.epoch).toBe(1);
    expect(m.nodeCount).toBe(3);
    expect(m.frameNames).toEqual(['all', 'other', 'sys_read']);
    expect(snapshot(m)).toEqual(fresh(tree));
  });

  it('asks for a resync on a delta of another epoch and stays as it was', () => {
    const tree = new TestCallTree().add([main, work], 3);
    tree.commit();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    const before = snapshot(m);

    const foreign: FlameGraphUpdate = { ...tree.update(tree.cursor), epoch: 7 };
    expect(m.apply(foreign)).toBe('resync');
    expect(snapshot(m)).toEqual(before);
  });

  it('asks for a resync when a delta leaves a gap, or is malformed, and stays as it was', () => {
    const tree = new TestCallTree().add([main], 1);
    tree.commit();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    const early = tree.cursor;
    tree.add([main, work], 1);
    tree.commit();
    const missed = tree.cursor;
    tree.add([main, work, hot], 1);
    tree.commit();
    const before = snapshot(m);

    expect(m.apply(tree.update(missed))).toBe('resync'); // nodes 2.. were never seen
    const good = tree.update(early);
    expect(m.apply({ ...good, nodeTotals: good.nodeTotals.slice(1) })).toBe('resync');
    expect(m.apply({ ...good, nodeParents: good.nodeParents.map(() => 99) })).toBe('resync');
    expect(m.apply({ ...good, nodeFrames: good.nodeFrames.map(() => 1000) })).toBe('resync');
    expect(m.apply({ ...good, updatedNodes: [0, 50], updatedTotals: [1, 1], updatedSelfs: [0, 0] })).toBe('resync');
    expect(m.apply({ ...tree.update(null), nodeParents: [], nodeFrames: [], nodeTotals: [], nodeSelfs: [] })).toBe('resync');
    expect(snapshot(m)).toEqual(before);

    expect(m.apply(good)).toBe('applied');
    expect(snapshot(m)).toEqual(fresh(tree));
  });

  it('after a resync, takes the newer part of an overlapping stream delta and ignores an older one', () => {
    const tree = new TestCallTree().add([main, work], 2);
    tree.commit();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    const streamCursor = tree.cursor;

    // The model resyncs to a newer state than the stream has sent...
    tree.add([main, work, hot], 3);
    tree.commit();
    const older = tree.update(streamCursor);
    expect(m.apply(tree.update(null))).toBe('applied');
    // ...so the stream's next delta, from its own older cursor, overlaps what the model holds.
    expect(m.apply(older)).toBe('stale');
    tree.add([main, work, hot], 4).add([main, sys], 1);
    tree.commit();
    expect(m.apply(tree.update(streamCursor))).toBe('applied');
    expect(snapshot(m)).toEqual(fresh(tree));
    expect(m.totals[3]).toBe(7);
  });

  it('clear() forgets the tree so the next full update starts over', () => {
    const tree = new TestCallTree().add([main], 1);
    tree.commit();
    const m = new FlameGraphModel();
    m.apply(tree.update(null));
    m.clear();
    expect(m.isEmpty).toBe(true);
    expect(m.apply(tree.update(tree.cursor))).toBe('resync');
    expect(m.apply(tree.update(null))).toBe('applied');
    expect(snapshot(m)).toEqual(fresh(tree));
  });
});
