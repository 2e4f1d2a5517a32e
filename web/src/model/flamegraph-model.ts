import type { FlameGraphUpdate } from '../api/types';

import type { ApplyResult } from '../live/live-model';

export type { ApplyResult };

/** What a client of a flame graph holds: the agent answers what changed since. */
export interface FlameGraphCursor {
  epoch: number;
  version: number;
  nodes: number;
  frames: number;
}

/**
 * The call tree behind a flame graph, held in typed arrays and kept current by applying the agent's
 * columnar updates. Node 0 is the root; a node's parent always has a smaller index (nodes are
 * appended in creation order), which lets layout and search run in one forward pass.
 */
export class FlameGraphModel {
  epoch = -1;
  version = 0;
  totalSamples = 0;

  nodeCount = 0;
  parents = new Int32Array(0);
  frames = new Int32Array(0);
  totals = new Float64Array(0);
  selfs = new Float64Array(0);

  frameCount = 0;
  frameNames: string[] = [];
  frameModules: (string | null)[] = [];
  /** Mangled names of demangled frames (null where the shown name is the binary's own): search matches them too. */
  frameRawNames: (string | null)[] = [];
  frameKinds = new Uint8Array(0);

  /** Bumped on every applied update: views cache layouts against it. */
  revision = 0;

  get cursor(): FlameGraphCursor {
    return { epoch: this.epoch, version: this.version, nodes: this.nodeCount, frames: this.frameCount };
  }

  get isEmpty(): boolean {
    return this.nodeCount === 0;
  }

  clear(): void {
    this.epoch = -1;
    this.version = 0;
    this.totalSamples = 0;
    this.nodeCount = 0;
    this.frameCount = 0;
    this.frameNames = [];
    this.frameModules = [];
    this.frameRawNames = [];
    this.revision++;
  }

  /**
   * Applies an update. A full one replaces everything. A delta applies when it belongs to the same
   * epoch and starts at or before what the model holds: it normally starts exactly at the end (the
   * stream's cursor is the model's), but after a resync through GET …/flamegraph the model may be
   * ahead of the stream, and then the overlapping nodes (which never change parent or frame) only
   * take their newer totals. Nodes are append-only within an epoch, which is what makes this sound.
   */
  apply(update: FlameGraphUpdate): ApplyResult {
    if (!isWellFormed(update)) return 'resync';

    let frameSkip = 0;
    let nodeSkip = 0;
    if (update.full) {
      if (update.nodeBase !== 0 || update.frameBase !== 0 || update.nodeParents.length === 0) return 'resync';
    } else {
      if (update.epoch !== this.epoch || update.nodeBase > this.nodeCount || update.frameBase > this.frameCount) {
        return 'resync';
      }
      if (update.version < this.version || (update.version === this.version && update.nodeBase < this.nodeCount)) {
        return 'stale';
      }
      frameSkip = Math.min(this.frameCount - update.frameBase, update.frameNames.length);
      nodeSkip = Math.min(this.nodeCount - update.nodeBase, update.nodeParents.length);
    }

    const heldNodes = update.full ? 0 : this.nodeCount;
    const heldFrames = update.full ? 0 : this.frameCount;
    const frameEnd = update.frameBase + update.frameNames.length;
    const nodeEnd = Math.max(heldNodes, update.nodeBase + update.nodeParents.length);

    // Validate before touching anything, so that a bad update leaves the model as it was.
    for (let i = 0; i < update.nodeParents.length; i++) {
      const node = update.nodeBase + i;
      const parent = update.nodeParents[i]!;
      const frame = update.nodeFrames[i]!;
      if (i < nodeSkip) {
        if (parent !== this.parents[node] || frame !== this.frames[node]) return 'resync';
        continue;
      }
      if (node === 0 ? parent !== -1 : parent < 0 || parent >= node) return 'resync';
      if (frame < 0 || frame >= Math.max(frameEnd, heldFrames)) return 'resync';
    }
    for (const node of update.updatedNodes) {
      if (!Number.isInteger(node) || node < 0 || node >= update.nodeBase) return 'resync';
    }

    if (update.full) {
      this.frameNames = [];
      this.frameModules = [];
      this.frameRawNames = [];
    }
    this.ensureFrameCapacity(Math.max(frameEnd, heldFrames));
    for (let i = frameSkip; i < update.frameNames.length; i++) {
      this.frameNames.push(update.frameNames[i]!);
      this.frameModules.push(update.frameModules[i] ?? null);
      this.frameRawNames.push(update.frameRawNames?.[i] ?? null);
      this.frameKinds[update.frameBase + i] = update.frameKinds[i]!;
    }
    this.frameCount = Math.max(frameEnd, heldFrames);

    this.ensureNodeCapacity(nodeEnd);
    const base = update.nodeBase;
    if (nodeSkip === 0) {
      this.parents.set(update.nodeParents, base);
      this.frames.set(update.nodeFrames, base);
    } else {
      this.parents.set(update.nodeParents.slice(nodeSkip), base + nodeSkip);
      this.frames.set(update.nodeFrames.slice(nodeSkip), base + nodeSkip);
    }
    this.totals.set(update.nodeTotals, base);
    this.selfs.set(update.nodeSelfs, base);
    this.nodeCount = nodeEnd;

    const updated = update.updatedNodes;
    for (let i = 0; i < updated.length; i++) {
      const node = updated[i]!;
      this.totals[node] = update.updatedTotals[i]!;
      this.selfs[node] = update.updatedSelfs[i]!;
    }

    this.epoch = update.epoch;
    this.version = update.version;
    this.totalSamples = update.totalSamples;
    this.revision++;
    return 'applied';
  }

  name(node: number): string {
    return this.frameNames[this.frames[node]!] ?? '';
  }

  module(node: number): string | null {
    return this.frameModules[this.frames[node]!] ?? null;
  }

  kind(node: number): number {
    return this.frameKinds[this.frames[node]!]!;
  }

  private ensureNodeCapacity(n: number): void {
    if (n <= this.parents.length) return;
    const size = Math.max(n, this.parents.length * 2, 1024);
    this.parents = grow(this.parents, new Int32Array(size), this.nodeCount);
    this.frames = grow(this.frames, new Int32Array(size), this.nodeCount);
    this.totals = grow(this.totals, new Float64Array(size), this.nodeCount);
    this.selfs = grow(this.selfs, new Float64Array(size), this.nodeCount);
  }

  private ensureFrameCapacity(n: number): void {
    if (n <= this.frameKinds.length) return;
    const size = Math.max(n, this.frameKinds.length * 2, 256);
    this.frameKinds = grow(this.frameKinds, new Uint8Array(size), this.frameCount);
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T, used: number): T {
  to.set(from.subarray(0, used) as never);
  return to;
}

function isWellFormed(u: FlameGraphUpdate): boolean {
  const arrays = [u.frameNames, u.frameModules, u.frameKinds, u.nodeParents, u.nodeFrames, u.nodeTotals,
    u.nodeSelfs, u.updatedNodes, u.updatedTotals, u.updatedSelfs];
  if (!arrays.every(Array.isArray)) return false;
  return (
    u.frameModules.length === u.frameNames.length &&
    u.frameKinds.length === u.frameNames.length &&
    u.nodeFrames.length === u.nodeParents.length &&
    u.nodeTotals.length === u.nodeParents.length &&
    u.nodeSelfs.length === u.nodeParents.length &&
    u.updatedTotals.length === u.updatedNodes.length &&
    u.updatedSelfs.length === u.updatedNodes.length
  );
}
