import type { FlameGraphModel } from './flamegraph-model';

/** Builds a name matcher: case-insensitive substring, or a regular expression when asked. */
export function buildMatcher(query: string, regex: boolean): ((name: string) => boolean) | Error | null {
  if (query === '') return null;
  if (regex) {
    try {
      const re = new RegExp(query, 'i');
      return (name) => re.test(name);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }
  const needle = query.toLowerCase();
  return (name) => name.toLowerCase().includes(needle);
}

export interface SearchResult {
  /** Per node: 1 when its frame matches. */
  matched: Uint8Array;
  /** Matching nodes (a function called from two places counts twice). */
  matchedNodes: number;
  /** Distinct matching frames that occur in the tree. */
  matchedFrames: number;
  /** Samples with at least one matching frame on their stack, each sample counted once. */
  samples: number;
  /** `samples` over the root's total; 0 for an empty profile. */
  share: number;
}

/**
 * Marks the nodes whose frame matches (by its shown or its raw name) and counts the samples they cover. A sample whose stack holds
 * several matching frames (recursion, or a match calling another) is counted once: only matches with
 * no matching ancestor add their total. The root ("all") is synthetic and never matches.
 */
export function searchFlameGraph(model: FlameGraphModel, matches: (name: string) => boolean): SearchResult {
  const n = model.nodeCount;
  const frameMatch = new Uint8Array(model.frameCount);
  for (let f = 0; f < model.frameCount; f++) {
    // A demangled frame is also found by its mangled name (what perf, nm and crash logs show).
    const raw = model.frameRawNames[f];
    frameMatch[f] = matches(model.frameNames[f]!) || (raw != null && matches(raw)) ? 1 : 0;
  }

  const matched = new Uint8Array(n);
  // covered[n]: node n or one of its ancestors matches.
  const covered = new Uint8Array(n);
  const frameSeen = new Uint8Array(model.frameCount);
  let matchedNodes = 0;
  let matchedFrames = 0;
  let samples = 0;
  const parents = model.parents;
  const frames = model.frames;
  const totals = model.totals;
  for (let i = 1; i < n; i++) {
    const f = frames[i]!;
    const parentCovered = covered[parents[i]!]!;
    if (frameMatch[f]) {
      matched[i] = 1;
      covered[i] = 1;
      matchedNodes++;
      if (!frameSeen[f]) {
        frameSeen[f] = 1;
        matchedFrames++;
      }
      if (!parentCovered) samples += totals[i]!;
    } else {
      covered[i] = parentCovered;
    }
  }
  const root = n > 0 ? totals[0]! : 0;
  return { matched, matchedNodes, matchedFrames, samples, share: root > 0 ? samples / root : 0 };
}
