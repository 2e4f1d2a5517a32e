import { describe, expect, it } from 'vitest';
import { FrameKind } from '../src/api/types';
import { waitReasons } from '../src/panels/breakdown/panel';
import { KIND_LABELS } from '../src/panels/flamegraph/flame-view';
import {
  activityColor, colorIndex, Family, familyOfKind, GPU_LEGEND, LEGEND, legendFor, MATCH_COLOR, PALETTE, paletteHsl, SHADES,
} from '../src/render/colors';

const names = Array.from({ length: 200 }, (_, i) => `kernel_${i}_${(i * 31) % 17}`);
const paletteOf = (kind: number): Set<string> => new Set(names.map((n) => PALETTE[colorIndex(kind, n)]!));

describe('GPU frames in merged CPU + GPU flame graphs', () => {
  it('draws device work green, in a family no other kind shares', () => {
    expect(familyOfKind(FrameKind.Gpu)).toBe(Family.Gpu);
    for (const n of names) {
      const c = paletteHsl(colorIndex(FrameKind.Gpu, n));
      expect(c.h).toBeGreaterThanOrEqual(90);
      expect(c.h).toBeLessThanOrEqual(145);
      expect(c.s).toBeGreaterThan(40);
      expect(colorIndex(FrameKind.Gpu, n)).not.toBe(MATCH_COLOR);
    }
    const gpu = paletteOf(FrameKind.Gpu);
    expect(gpu.size).toBe(SHADES);
    for (const kind of [FrameKind.Root, FrameKind.Process, FrameKind.Kernel, FrameKind.Native, FrameKind.Jit, FrameKind.Unknown, FrameKind.State]) {
      for (const c of paletteOf(kind)) expect(gpu.has(c), `kind ${kind} shares ${c} with GPU work`).toBe(false);
    }
    expect(KIND_LABELS[FrameKind.Gpu]).toContain('GPU');
  });

  it('names GPU work in the legend only for a graph that has it', () => {
    const cpuOnly = new Uint8Array([FrameKind.Root, FrameKind.Native, FrameKind.Kernel]);
    const merged = new Uint8Array([FrameKind.Root, FrameKind.Native, FrameKind.Gpu, 0, 0]);
    expect(legendFor(cpuOnly, 3)).toBe(LEGEND);
    expect(legendFor(merged, 3)).toBe(GPU_LEGEND);
    // Only the frames the model holds count (the array grows ahead of them).
    expect(legendFor(merged, 2)).toBe(LEGEND);
    expect(GPU_LEGEND.map((l) => l.label)).toEqual(['process', 'kernel', 'native', 'JIT', 'unresolved', 'thread state', 'GPU work', 'search match']);
    expect(LEGEND.map((l) => l.label)).not.toContain('GPU work');
  });

  it('colours the gpu activity lane and words a synchronisation as waiting on the GPU', () => {
    expect(activityColor('gpu')).toBe('#7fc46b');
    const reasons = waitReasons({
      pid: 7, tid: 7, name: 'driver', wall: 1e9, states: { sleeping: 0.8e9 }, topFunctions: [], topBlocking: [],
      topReasons: [
        { reason: 'in cuStreamSynchronize stream 0x0', category: 'gpu', value: 0.6e9 },
        { reason: 'in clock_nanosleep', category: 'syscall', value: 0.2e9 },
      ],
    });
    expect(reasons.map((r) => r.text)).toEqual(['waiting on GPU in cuStreamSynchronize stream 0x0', 'waiting in clock_nanosleep']);
  });
});
