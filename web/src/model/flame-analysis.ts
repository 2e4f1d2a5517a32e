import type { FlameGraphUpdate } from '../api/types';
import { FlameGraphModel } from './flamegraph-model';
import type { FlameLayout } from './layout';

/** One function (frame) of a call tree, summed over every place it occurs. */
export interface FunctionStat {
  frame: number;
  name: string;
  module: string | null;
  kind: number;
  /** Samples (or unit) with this function at the top of the stack. */
  self: number;
  /** Samples with this function anywhere on the stack, each sample once (recursion counted once). */
  total: number;
  /** Nodes where it occurs. */
  nodes: number;
}

export type FunctionSortKey = 'self' | 'total' | 'name';

/**
 * Self and total per function in O(nodes): a depth-first walk that counts, per frame, how many times
 * it is on the current path, so that a node adds its total only when no ancestor is the same frame.
 * The synthetic root is left out.
 */
export function functionStats(model: FlameGraphModel, layout: FlameLayout): FunctionStat[] {
  const n = model.nodeCount;
  const frames = model.frames;
  const totals = model.totals;
  const selfs = model.selfs;
  const frameCount = model.frameCount;
  const self = new Float64Array(frameCount);
  const total = new Float64Array(frameCount);
  const count = new Int32Array(frameCount);
  const onPath = new Int32Array(frameCount);
  if (n <= 1) return [];

  // Iterative DFS: a node is pushed as `node` (enter) and `~node` (leave).
  const stack = new Int32Array(2 * n + 2);
  let top = 0;
  const { childStart, children } = layout;
  for (let k = childStart[0]!; k < childStart[1]!; k++) stack[top++] = children[k]!;
  while (top > 0) {
    const item = stack[--top]!;
    if (item < 0) {
      onPath[frames[~item]!]!--;
      continue;
    }
    const f = frames[item]!;
    self[f]! += selfs[item]!;
    count[f]!++;
    if (onPath[f] === 0) total[f]! += totals[item]!;
    onPath[f]!++;
    stack[top++] = ~item;
    for (let k = childStart[item + 1]! - 1; k >= childStart[item]!; k--) stack[top++] = children[k]!;
  }

  const out: FunctionStat[] = [];
  for (let f = 0; f < frameCount; f++) {
    if (count[f] === 0) continue;
    out.push({
      frame: f,
      name: model.frameNames[f]!,
      module: model.frameModules[f] ?? null,
      kind: model.frameKinds[f]!,
      self: self[f]!,
      total: total[f]!,
      nodes: count[f]!,
    });
  }
  return out;
}

export function sortFunctions(stats: FunctionStat[], key: FunctionSortKey, descending: boolean): FunctionStat[] {
  const sign = descending ? -1 : 1;
  return stats.slice().sort((a, b) => {
    if (key === 'name') return sign * (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return sign * (a[key] - b[key]) || b.total - a.total || (a.name < b.name ? -1 : 1);
  });
}

/**
 * The sandwich view of one function: its callers (every path from the root to it, reversed: the
 * function at the root, its direct callers above) and its callees (the subtrees under it, merged).
 * Only outermost occurrences count (a recursive call is inside its caller's subtree already), so
 * both trees total the function's total.
 */
export interface Sandwich {
  frame: number;
  total: number;
  self: number;
  callers: FlameGraphModel;
  callees: FlameGraphModel;
}

export function sandwich(model: FlameGraphModel, frame: number): Sandwich {
  const n = model.nodeCount;
  const parents = model.parents;
  const frames = model.frames;
  const totals = model.totals;
  const selfs = model.selfs;

  // covered[i]: node i or an ancestor is `frame` (parents precede children).
  const outermost: number[] = [];
  const covered = new Uint8Array(n);
  for (let i = 1; i < n; i++) {
    const p = parents[i]!;
    if (frames[i] === frame) {
      if (!covered[p]) outermost.push(i);
      covered[i] = 1;
    } else {
      covered[i] = covered[p]!;
    }
  }

  const callees = new TreeBuilder(frame);
  const callers = new TreeBuilder(frame);
  let total = 0;
  let self = 0;
  for (let i = 1; i < n; i++) if (frames[i] === frame) self += selfs[i]!;

  // Callees: every outermost occurrence's subtree merged under one root. Children of i are the
  // nodes whose parent is i; a forward pass over the nodes after i finds the subtree (parents first).
  if (outermost.length > 0) {
    const mapped = new Int32Array(n).fill(-1);
    for (const o of outermost) {
      mapped[o] = 0;
      callees.add(0, totals[o]!, selfs[o]!);
      total += totals[o]!;
    }
    for (let i = outermost[0]! + 1; i < n; i++) {
      const pm = mapped[parents[i]!]!;
      if (pm < 0) continue;
      const m = callees.child(pm, frames[i]!);
      mapped[i] = m;
      callees.add(m, totals[i]!, selfs[i]!);
    }
  }

  // Callers: each outermost occurrence's path to the root, reversed, weighted by its total.
  for (const o of outermost) {
    const value = totals[o]!;
    callers.add(0, value, 0);
    let at = 0;
    let p = parents[o]!;
    if (p <= 0) {
      callers.add(0, 0, value);
      continue;
    }
    for (; p > 0; p = parents[p]!) {
      at = callers.child(at, frames[p]!);
      callers.add(at, value, parents[p]! <= 0 ? value : 0);
    }
  }

  return { frame, total, self, callers: callers.build(model), callees: callees.build(model) };
}

/** Builds a call tree (node 0 = the given frame) with the frame table of the source model. */
class TreeBuilder {
  private readonly parents: number[] = [-1];
  private readonly frames: number[];
  private readonly totals: number[] = [0];
  private readonly selfs: number[] = [0];
  private readonly childOf = new Map<number, number>();

  constructor(rootFrame: number) {
    this.frames = [rootFrame];
  }

  child(parent: number, frame: number): number {
    // Exact as a JavaScript number while frames < 2^21 (parent · 2^21 + frame < 2^53).
    const key = parent * 2_097_152 + frame;
    let c = this.childOf.get(key);
    if (c === undefined) {
      c = this.parents.length;
      this.parents.push(parent);
      this.frames.push(frame);
      this.totals.push(0);
      this.selfs.push(0);
      this.childOf.set(key, c);
    }
    return c;
  }

  add(node: number, total: number, self: number): void {
    this.totals[node]! += total;
    this.selfs[node]! += self;
  }

  build(source: FlameGraphModel): FlameGraphModel {
    const update: FlameGraphUpdate = {
      epoch: -2, version: 0, full: true, totalSamples: this.totals[0]!,
      frameBase: 0,
      frameNames: source.frameNames.slice(0, source.frameCount),
      frameModules: source.frameModules.slice(0, source.frameCount),
      frameRawNames: source.frameRawNames.slice(0, source.frameCount),
      frameKinds: Array.from(source.frameKinds.subarray(0, source.frameCount)),
      nodeBase: 0, nodeParents: this.parents, nodeFrames: this.frames, nodeTotals: this.totals, nodeSelfs: this.selfs,
      updatedNodes: [], updatedTotals: [], updatedSelfs: [],
    };
    const m = new FlameGraphModel();
    m.apply(update);
    return m;
  }
}

/**
 * Per node, the change of its share between the selected range and the baseline: positive when
 * the frame takes a larger share of the selected range. Shares (not counts) compare ranges of
 * different lengths fairly. Returns the changes and the largest |change|.
 */
export function diffChanges(
  totals: Float64Array,
  total: number,
  baselineTotals: Float64Array,
  baselineTotal: number,
  count: number,
): { change: Float64Array; maxChange: number } {
  const change = new Float64Array(count);
  let max = 0;
  for (let i = 1; i < count; i++) {
    const a = total > 0 ? totals[i]! / total : 0;
    const b = baselineTotal > 0 ? baselineTotals[i]! / baselineTotal : 0;
    const c = a - b;
    change[i] = c;
    if (Math.abs(c) > max) max = Math.abs(c);
  }
  return { change, maxChange: max };
}
