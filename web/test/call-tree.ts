// A test-side call tree that produces FlameGraphUpdates the way the agent's CallTree does
// (src/SystemScope.Core/Models/CallTree.cs): nodes appended in creation order, deltas carrying new
// frames and nodes from the client's counts and the totals of older nodes changed since its version.
import type { FlameGraphUpdate } from '../src/api/types';

export interface Frame {
  name: string;
  kind: number;
  module?: string | null;
}

export interface Cursor {
  epoch: number;
  version: number;
  nodes: number;
  frames: number;
}

export class TestCallTree {
  epoch = 0;
  version = 0;
  private frames: Frame[] = [];
  private frameIds = new Map<string, number>();
  private parent: number[] = [];
  private frame: number[] = [];
  private total: number[] = [];
  private self: number[] = [];
  private changedAt: number[] = [];
  private child = new Map<string, number>();

  constructor() {
    this.clear();
  }

  get nodeCount(): number {
    return this.parent.length;
  }

  get cursor(): Cursor {
    return { epoch: this.epoch, version: this.version, nodes: this.parent.length, frames: this.frames.length };
  }

  /** Adds samples of one stack given root first (without the root). */
  add(stack: readonly Frame[], count = 1): this {
    const stamp = this.version + 1;
    let node = 0;
    this.touch(node, count, stamp);
    for (const f of stack) {
      const fid = this.intern(f);
      const key = `${node}:${fid}`;
      let c = this.child.get(key);
      if (c === undefined) {
        c = this.newNode(node, fid);
        this.child.set(key, c);
      }
      node = c;
      this.touch(node, count, stamp);
    }
    this.self[node]! += count;
    return this;
  }

  commit(): number {
    return ++this.version;
  }

  reset(): void {
    this.clear();
    this.epoch++;
    this.version = 0;
  }

  update(since: Cursor | null): FlameGraphUpdate {
    const full = !since || since.epoch !== this.epoch || since.version > this.version || since.nodes > this.nodeCount
      || since.frames > this.frames.length || since.nodes === 0;
    const frameBase = full ? 0 : since.frames;
    const nodeBase = full ? 0 : since.nodes;
    const updated: number[] = [];
    if (!full) {
      for (let i = 0; i < nodeBase; i++) if (this.changedAt[i]! > since.version) updated.push(i);
    }
    const fr = this.frames.slice(frameBase);
    return {
      epoch: this.epoch,
      version: this.version,
      full,
      totalSamples: this.total[0]!,
      frameBase,
      frameNames: fr.map((f) => f.name),
      frameModules: fr.map((f) => f.module ?? null),
      frameKinds: fr.map((f) => f.kind),
      nodeBase,
      nodeParents: this.parent.slice(nodeBase),
      nodeFrames: this.frame.slice(nodeBase),
      nodeTotals: this.total.slice(nodeBase),
      nodeSelfs: this.self.slice(nodeBase),
      updatedNodes: updated,
      updatedTotals: updated.map((i) => this.total[i]!),
      updatedSelfs: updated.map((i) => this.self[i]!),
    };
  }

  private intern(f: Frame): number {
    const key = `${f.kind}\u0000${f.module ?? ''}\u0000${f.name}`;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push({ name: f.name, kind: f.kind, module: f.module ?? null });
      this.frameIds.set(key, id);
    }
    return id;
  }

  private touch(node: number, count: number, stamp: number): void {
    this.total[node]! += count;
    this.changedAt[node] = stamp;
  }

  private newNode(parent: number, frame: number): number {
    this.parent.push(parent);
    this.frame.push(frame);
    this.total.push(0);
    this.self.push(0);
    this.changedAt.push(this.version + 1);
    return this.parent.length - 1;
  }

  private clear(): void {
    this.frames = [];
    this.frameIds.clear();
    this.child.clear();
    this.parent = [];
    this.frame = [];
    this.total = [];
    this.self = [];
    this.changedAt = [];
    this.newNode(-1, this.intern({ name: 'all', kind: 0 }));
  }
}

export const K = { root: 0, process: 1, kernel: 2, native: 3, jit: 4, unknown: 5 } as const;

export const fn = (name: string, kind: number = K.native, module: string | null = 'app'): Frame => ({ name, kind, module });

/**
 * A deterministic synthetic tree of about `nodes` nodes: a few processes, deep user stacks and
 * kernel frames on top, many distinct function names (for the 100k-node measurements).
 */
export function syntheticTree(nodes: number, seed = 1): TestCallTree {
  let state = seed >>> 0 || 1;
  const rand = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const tree = new TestCallTree();
  const names = Array.from({ length: 4000 }, (_, i) => `function_${i.toString(36)}_${(i * 7919) % 1000}`);
  const kernel = Array.from({ length: 300 }, (_, i) => `kernel_fn_${i}`);
  while (tree.nodeCount < nodes) {
    const stack: Frame[] = [fn(`proc${rand(8)}`, K.process, null)];
    const depth = 4 + rand(40);
    // A skewed choice keeps some paths hot and most of the tree in a long thin tail.
    for (let d = 0; d < depth; d++) stack.push(fn(names[rand(1 + Math.min(names.length - 1, d * d * 3))]!, rand(10) === 0 ? K.jit : K.native));
    for (let d = rand(4); d > 0; d--) stack.push(fn(kernel[rand(kernel.length)]!, K.kernel, 'kernel'));
    tree.add(stack, 1 + rand(20));
  }
  tree.commit();
  return tree;
}
