import { describe, expect, it } from 'vitest';
import type { FlameGraphUpdate } from '../src/api/types';
import { FlameGraphModel } from '../src/model/flamegraph-model';
import { buildMatcher, searchFlameGraph } from '../src/model/search';
import { formatPercent } from '../src/panels/flamegraph/view';
import { fn, K, TestCallTree } from './call-tree';

function modelOf(tree: TestCallTree): FlameGraphModel {
  tree.commit();
  const m = new FlameGraphModel();
  m.apply(tree.update(null));
  return m;
}

function search(m: FlameGraphModel, query: string, regex = false) {
  const matcher = buildMatcher(query, regex);
  if (typeof matcher !== 'function') throw new Error('no matcher');
  return searchFlameGraph(m, matcher);
}

describe('search', () => {
  it('counts each sample once when matches nest (recursion, a match calling a match)', () => {
    const m = modelOf(
      new TestCallTree()
        .add([fn('main'), fn('parse'), fn('parse'), fn('parse')], 30) // recursion: 3 matching frames, 30 samples
        .add([fn('main'), fn('parse'), fn('lex')], 10)
        .add([fn('main'), fn('parse_number')], 20) // a different function that also matches
        .add([fn('main'), fn('render')], 40),
    );
    const r = search(m, 'parse');
    expect(r.samples).toBe(60); // 30 + 10 + 20, not 30·3 + 10 + 20
    expect(r.share).toBeCloseTo(0.6, 12);
    expect(r.matchedNodes).toBe(4);
    expect(r.matchedFrames).toBe(2);
    expect(formatPercent(r.share)).toBe('60.0%');
  });

  it('adds up matches on separate paths', () => {
    const m = modelOf(
      new TestCallTree()
        .add([fn('a'), fn('hot')], 25)
        .add([fn('b'), fn('hot')], 25)
        .add([fn('c')], 50),
    );
    const r = search(m, 'hot');
    expect(r.samples).toBe(50);
    expect(r.share).toBe(0.5);
    expect(Array.from(r.matched)).toEqual(Array.from({ length: m.nodeCount }, (_, i) => (m.name(i) === 'hot' ? 1 : 0)));
  });

  it('matches case-insensitive substrings, or regular expressions, and never the root', () => {
    const m = modelOf(new TestCallTree().add([fn('Browser_Test_Hot_Function'), fn('sys_call', K.kernel, 'kernel')], 9).add([fn('idle')], 1));
    expect(search(m, 'browser_test_HOT').samples).toBe(9);
    expect(search(m, '^sys_', true).samples).toBe(9);
    expect(search(m, 'l$', true).samples).toBe(9); // sys_call only: the root "all" is not a frame one can match
    expect(search(m, 'nothing').matchedNodes).toBe(0);
    expect(search(m, 'nothing').share).toBe(0);
    expect(buildMatcher('(', true)).toBeInstanceOf(Error);
    expect(buildMatcher('', false)).toBeNull();
    expect(buildMatcher('(', false)).toBeTypeOf('function'); // a plain substring, not a pattern
  });
});

/** all → main → geo::Circle::area() const (mangled _ZNK3geo6Circle4areaEv) and all → main → work. */
function graph(withRawNames: boolean): FlameGraphModel {
  const update: FlameGraphUpdate = {
    epoch: 0, version: 1, full: true, totalSamples: 10, frameBase: 0,
    frameNames: ['all', 'main', 'geo::Circle::area() const', 'work'],
    frameModules: [null, 'app', 'app', 'app'],
    frameKinds: [0, 3, 3, 3],
    nodeBase: 0, nodeParents: [-1, 0, 1, 1], nodeFrames: [0, 1, 2, 3], nodeTotals: [10, 10, 7, 3], nodeSelfs: [0, 0, 7, 3],
    updatedNodes: [], updatedTotals: [], updatedSelfs: [],
  };
  if (withRawNames) update.frameRawNames = [null, null, '_ZNK3geo6Circle4areaEv', null];
  const model = new FlameGraphModel();
  expect(model.apply(update)).toBe('applied');
  return model;
}

describe('search by raw names', () => {
  it('finds a demangled frame by its mangled name as well as by its readable one', () => {
    const model = graph(true);
    for (const query of ['Circle::area', '_ZNK3geo6Circle']) {
      const result = search(model, query);
      expect(result.matchedFrames).toBe(1);
      expect(result.samples).toBe(7);
      expect(Array.from(result.matched)).toEqual([0, 0, 1, 0]);
    }
    expect(search(model, '^_ZNK.*4areaEv$', true).samples).toBe(7);
    expect(search(model, '_ZN3nope').matchedFrames).toBe(0);
  });

  it('works with answers that carry no raw names', () => {
    const model = graph(false);
    expect(search(model, 'Circle::area').samples).toBe(7);
    expect(search(model, '_ZNK3geo').matchedFrames).toBe(0);
  });
});
