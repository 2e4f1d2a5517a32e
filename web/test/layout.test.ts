import { describe, expect, it } from 'vitest';
import { FlameGraphModel } from '../src/model/flamegraph-model';
import { computeLayout } from '../src/model/layout';
import { collectVisible, hitTest, pathTo, widestMatch } from '../src/panels/flamegraph/view';
import { fn, K, TestCallTree } from './call-tree';

function modelOf(tree: TestCallTree): FlameGraphModel {
  tree.commit();
  const m = new FlameGraphModel();
  expect(m.apply(tree.update(null))).toBe('applied');
  return m;
}

/** Node id by the path of names from the root. */
function nodeAt(m: FlameGraphModel, ...names: string[]): number {
  let node = 0;
  for (const name of names) {
    let next = -1;
    for (let i = 1; i < m.nodeCount; i++) if (m.parents[i] === node && m.name(i) === name) next = i;
    if (next < 0) throw new Error(`no ${names.join('/')}`);
    node = next;
  }
  return node;
}

describe('layout', () => {
  // Created in an order that is not alphabetical, with uneven counts.
  const tree = new TestCallTree()
    .add([fn('main'), fn('zeta')], 10)
    .add([fn('main'), fn('alpha'), fn('leaf')], 30)
    .add([fn('main'), fn('mid')], 20)
    .add([fn('main')], 40)
    .add([fn('other')], 100);
  const m = modelOf(tree);
  const layout = computeLayout(m);

  it('sorts siblings by name and places them left to right from the parent edge', () => {
    const main = nodeAt(m, 'main');
    const kids = Array.from(layout.children.subarray(layout.childStart[main]!, layout.childStart[main + 1]!));
    expect(kids.map((k) => m.name(k))).toEqual(['alpha', 'mid', 'zeta']);
    expect(layout.x[nodeAt(m, 'main')]).toBe(0);
    expect(layout.x[nodeAt(m, 'other')]).toBe(100); // main (100 samples) comes first
    expect(layout.x[nodeAt(m, 'main', 'alpha')]).toBe(0);
    expect(layout.x[nodeAt(m, 'main', 'mid')]).toBe(30);
    expect(layout.x[nodeAt(m, 'main', 'zeta')]).toBe(50);
    expect(layout.x[nodeAt(m, 'main', 'alpha', 'leaf')]).toBe(0);
    expect(layout.depth[nodeAt(m, 'main', 'alpha', 'leaf')]).toBe(3);
    expect(layout.maxDepth).toBe(3);
  });

  it('makes on-screen widths proportional to totals', () => {
    const vis = collectVisible(m, layout, 0, 1000);
    const byNode = new Map<number, { x: number; w: number }>();
    for (let i = 0; i < vis.count; i++) byNode.set(vis.nodes[i]!, { x: vis.x[i]!, w: vis.w[i]! });
    expect(vis.count).toBe(m.nodeCount);
    for (let n = 0; n < m.nodeCount; n++) {
      expect(byNode.get(n)!.w).toBeCloseTo((m.totals[n]! / m.totals[0]!) * 1000, 9);
      expect(byNode.get(n)!.x).toBeCloseTo((layout.x[n]! / m.totals[0]!) * 1000, 9);
    }
  });

  it('prunes frames narrower than half a pixel, with everything above them', () => {
    const t = new TestCallTree().add([fn('big')], 1990).add([fn('thin'), fn('thin_child')], 1).add([fn('wide_enough'), fn('child')], 2);
    const mm = modelOf(t);
    const l = computeLayout(mm);
    // 1993 samples over 1100 px: one sample is 0.55 px, under a 0.6 px limit; two are 1.1 px.
    const vis = collectVisible(mm, l, 0, 1100, 0.6);
    const names = Array.from(vis.nodes.subarray(0, vis.count), (n) => mm.name(n)).sort();
    expect(names).toEqual(['all', 'big', 'child', 'wide_enough']);
    const all = collectVisible(mm, l, 0, 1100, 0.5);
    expect(all.count).toBe(mm.nodeCount);
  });

  it('zooms: the zoomed frame fills the width, its ancestors span it, the rest is gone', () => {
    const alpha = nodeAt(m, 'main', 'alpha');
    const vis = collectVisible(m, layout, alpha, 600);
    expect(vis.ancestorCount).toBe(2);
    const rows = Array.from({ length: vis.count }, (_, i) => [m.name(vis.nodes[i]!), vis.x[i], vis.w[i], vis.depth[i]]);
    expect(rows).toEqual([
      ['main', 0, 600, 1],
      ['all', 0, 600, 0],
      ['alpha', 0, 600, 2],
      ['leaf', 0, 600, 3],
    ]);
    expect(pathTo(m, nodeAt(m, 'main', 'alpha', 'leaf')).map((n) => m.name(n))).toEqual(['all', 'main', 'alpha', 'leaf']);
  });

  it('hit-tests rows and finds the widest match', () => {
    const vis = collectVisible(m, layout, 0, 1000);
    const mid = nodeAt(m, 'main', 'mid');
    const i = hitTest(vis, 165, 2); // mid spans 150–250 px on row 2
    expect(vis.nodes[i]).toBe(mid);
    expect(hitTest(vis, 165, 5)).toBe(-1);
    const matched = new Uint8Array(m.nodeCount);
    matched[mid] = 1;
    matched[nodeAt(m, 'main', 'zeta')] = 1;
    expect(vis.nodes[widestMatch(vis, matched)]).toBe(mid);
  });

  it('lays out kernel frames above the user frames that entered the kernel', () => {
    const t = new TestCallTree().add([fn('app', K.process, null), fn('main'), fn('write'), fn('ksys_write', K.kernel, 'kernel')], 5);
    const mm = modelOf(t);
    const l = computeLayout(mm);
    expect(l.depth[nodeAt(mm, 'app', 'main', 'write', 'ksys_write')]).toBe(4);
  });
});
