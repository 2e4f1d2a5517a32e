import type { FlameGraphModel } from './flamegraph-model';

/**
 * Where every node of a call tree sits, in samples: `x[n]` is the left edge of node n measured from
 * the root's left edge, its width is `totals[n]`, `depth[n]` its row. Children are placed left to
 * right in alphabetical order of their frame (name, then module, then kind), as in classic flame
 * graphs: the order does not depend on counts, so frames keep their place while a live profile grows
 * and two profiles of the same program look alike. A parent's self samples are the gap on the right.
 *
 * Children are kept in CSR form (`children[childStart[n] .. childStart[n + 1])`), which is what the
 * view walks to find visible frames.
 */
export interface FlameLayout {
  nodeCount: number;
  childStart: Int32Array;
  children: Int32Array;
  x: Float64Array;
  depth: Int32Array;
  maxDepth: number;
}

/** Sorts frame ids by (name, module, kind) and returns each frame's rank. */
export function rankFrames(model: FlameGraphModel): Int32Array {
  const n = model.frameCount;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const names = model.frameNames;
  const modules = model.frameModules;
  const kinds = model.frameKinds;
  order.sort((a, b) => {
    const na = names[a]!;
    const nb = names[b]!;
    if (na !== nb) return na < nb ? -1 : 1;
    const ma = modules[a] ?? '';
    const mb = modules[b] ?? '';
    if (ma !== mb) return ma < mb ? -1 : 1;
    return kinds[a]! - kinds[b]! || a - b;
  });
  const rank = new Int32Array(n);
  for (let r = 0; r < n; r++) rank[order[r]!] = r;
  return rank;
}

/** Lays a call tree out in O(nodes + frames·log frames). */
export function computeLayout(model: FlameGraphModel): FlameLayout {
  const n = model.nodeCount;
  const parents = model.parents;
  const frames = model.frames;
  const totals = model.totals;
  const rank = rankFrames(model);
  const frameCount = model.frameCount;

  // Counting sort of the nodes by the rank of their frame: appending them to their parent's child
  // list in that order leaves every child list sorted.
  const byRankStart = new Int32Array(frameCount + 1);
  for (let i = 1; i < n; i++) byRankStart[rank[frames[i]!]! + 1]!++;
  for (let r = 0; r < frameCount; r++) byRankStart[r + 1]! += byRankStart[r]!;
  const byRank = new Int32Array(Math.max(n - 1, 0));
  for (let i = 1; i < n; i++) byRank[byRankStart[rank[frames[i]!]!]!++] = i;

  const childStart = new Int32Array(n + 1);
  for (let i = 1; i < n; i++) childStart[parents[i]! + 1]!++;
  for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
  const fill = childStart.slice(0, n);
  const children = new Int32Array(Math.max(n - 1, 0));
  for (let k = 0; k < byRank.length; k++) {
    const node = byRank[k]!;
    children[fill[parents[node]!]!++] = node;
  }

  // Parents precede their children in index order, so one forward pass places everything.
  const x = new Float64Array(n);
  const depth = new Int32Array(n);
  let maxDepth = 0;
  for (let p = 0; p < n; p++) {
    let cursor = x[p]!;
    const d = depth[p]! + 1;
    const end = childStart[p + 1]!;
    for (let k = childStart[p]!; k < end; k++) {
      const c = children[k]!;
      x[c] = cursor;
      depth[c] = d;
      cursor += totals[c]!;
      if (d > maxDepth) maxDepth = d;
    }
  }

  return { nodeCount: n, childStart, children, x, depth, maxDepth };
}
