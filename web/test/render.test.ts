import { describe, expect, it } from 'vitest';
import { FlameGraphModel } from '../src/model/flamegraph-model';
import { computeLayout } from '../src/model/layout';
import { buildMatcher, searchFlameGraph } from '../src/model/search';
import { colorIndex, MATCH_COLOR, PALETTE } from '../src/render/colors';
import { fitLabel, renderFlameGraph, rowAt, rowTop, type Canvas2D } from '../src/render/flamegraph-renderer';
import { collectVisible } from '../src/panels/flamegraph/view';
import { fn, syntheticTree, TestCallTree } from './call-tree';

/** A 2D context that records what is drawn; text is 7 px per character. */
class RecordingContext implements Canvas2D {
  fillStyle: string | CanvasGradient | CanvasPattern = '#000';
  strokeStyle: string | CanvasGradient | CanvasPattern = '#000';
  font = '';
  textBaseline: CanvasTextBaseline = 'alphabetic';
  globalAlpha = 1;
  lineWidth = 1;
  rects: { x: number; y: number; w: number; h: number; color: string }[] = [];
  fills: string[] = [];
  texts: { text: string; x: number; y: number }[] = [];
  private path: { x: number; y: number; w: number; h: number }[] = [];
  setTransform(): void {}
  clearRect(): void {}
  beginPath(): void {
    this.path = [];
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.path.push({ x, y, w, h });
  }
  fill(): void {
    const color = String(this.fillStyle);
    this.fills.push(color);
    if (this.globalAlpha === 1) for (const r of this.path) this.rects.push({ ...r, color });
  }
  strokeRect(): void {}
  fillText(text: string, x: number, y: number): void {
    this.texts.push({ text, x, y });
  }
  measureText(text: string): { width: number } {
    return { width: text.length * 7 };
  }
}

function modelOf(tree: TestCallTree): FlameGraphModel {
  tree.commit();
  const m = new FlameGraphModel();
  m.apply(tree.update(null));
  return m;
}

describe('renderer', () => {
  it('fits labels: whole when they fit, cut with an ellipsis, none below three characters', () => {
    expect(fitLabel('main', 10)).toBe('main');
    expect(fitLabel('browser_test_hot_function', 8)).toBe('browser…');
    expect(fitLabel('main', 2)).toBe('');
  });

  it('puts the root at the bottom', () => {
    expect(rowTop(0, 200, 18)).toBe(182);
    expect(rowTop(2, 200, 18)).toBe(146);
    expect(rowAt(190, 200, 18)).toBe(0);
    expect(rowAt(150, 200, 18)).toBe(2);
  });

  it('draws each visible frame once in its colour, matches in the match colour, one fill per colour', () => {
    const m = modelOf(
      new TestCallTree()
        .add([fn('main'), fn('browser_test_hot_function')], 90)
        .add([fn('main'), fn('ksys_read', 2, 'kernel')], 9)
        .add([fn('x')], 1),
    );
    const layout = computeLayout(m);
    const vis = collectVisible(m, layout, 0, 800);
    const search = searchFlameGraph(m, buildMatcher('hot', false) as (n: string) => boolean);
    const ctx = new RecordingContext();
    renderFlameGraph(ctx, {
      vis, width: 800, height: 100, dpr: 2,
      colorOfNode: (n) => colorIndex(m.kind(n), m.name(n)),
      labelOfNode: (n) => m.name(n),
      matched: search.matched, hover: -1,
    });
    expect(ctx.rects.length).toBe(m.nodeCount);
    expect(ctx.fills.length).toBe(new Set(ctx.fills).size);
    const hot = ctx.rects.find((r) => r.color === PALETTE[MATCH_COLOR])!;
    expect(hot.w).toBeCloseTo(800 * 0.9 - 1, 9);
    expect(hot.y).toBe(rowTop(2, 100, 18));
    const kernel = ctx.rects.find((r) => r.y === rowTop(2, 100, 18) && r.color !== PALETTE[MATCH_COLOR])!;
    expect(kernel.color).toBe(PALETTE[colorIndex(2, 'ksys_read')]);
    // 'x' is 8 px wide: no room for a label. The others are labelled.
    expect(ctx.texts.map((t) => t.text).sort()).toEqual(['all', 'browser_test_hot_function', 'ksys_read', 'main']);
  });

  it('lays out and renders a 100k-node tree (timings reported, not asserted)', () => {
    const tree = syntheticTree(100_000);
    const update = tree.update(null);
    const m = new FlameGraphModel();
    const t0 = performance.now();
    expect(m.apply(update)).toBe('applied');
    const t1 = performance.now();
    const layout = computeLayout(m);
    const t2 = performance.now();
    const search = searchFlameGraph(m, buildMatcher('function_1', false) as (n: string) => boolean);
    const t3 = performance.now();
    const vis = collectVisible(m, layout, 0, 1600);
    const t4 = performance.now();
    const ctx = new RecordingContext();
    renderFlameGraph(ctx, {
      vis, width: 1600, height: (vis.maxDepth + 1) * 18, dpr: 2,
      colorOfNode: (n) => colorIndex(m.kind(n), m.name(n)),
      labelOfNode: (n) => m.name(n),
      matched: search.matched, hover: -1,
    });
    const t5 = performance.now();

    expect(m.nodeCount).toBeGreaterThanOrEqual(100_000);
    expect(vis.count).toBeGreaterThan(0);
    expect(vis.count).toBeLessThan(m.nodeCount); // pruning at work
    expect(ctx.rects.length).toBe(vis.count);
    for (let i = 0; i < vis.count; i++) expect(vis.w[i]).toBeGreaterThanOrEqual(0.5);

    const ms = (a: number, b: number): string => `${(b - a).toFixed(1)} ms`;
    console.log(
      `100k-node flame graph (${m.nodeCount} nodes, ${m.frameCount} frames, ${vis.count} visible at 1600 px): ` +
        `apply ${ms(t0, t1)}, layout ${ms(t1, t2)}, search ${ms(t2, t3)}, visible ${ms(t3, t4)}, ` +
        `render (draw calls, no raster) ${ms(t4, t5)}; layout+render ${ms(t1, t2 + (t5 - t3))}`,
    );
  });
});
