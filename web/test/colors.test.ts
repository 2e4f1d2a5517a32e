import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_COLORS, activityColor, colorIndex, DIFF_LEGEND, diffColorIndex, Family, familyOfKind, LEGEND, MATCH_COLOR, PALETTE, paletteHsl, SHADES,
} from '../src/render/colors';
import { K } from './call-tree';

const names = Array.from({ length: 200 }, (_, i) => `fn_${i}_${(i * 31) % 17}`);

function huesOf(kind: number): { h: number; s: number; l: number }[] {
  return names.map((n) => paletteHsl(colorIndex(kind, n)));
}

function paletteOf(kind: number): Set<string> {
  return new Set(names.map((n) => PALETTE[colorIndex(kind, n)]!));
}

describe('colour by kind', () => {
  it('maps every frame kind to its own family', () => {
    expect(familyOfKind(K.kernel)).toBe(Family.Kernel);
    expect(familyOfKind(K.native)).toBe(Family.Native);
    expect(familyOfKind(K.jit)).toBe(Family.Jit);
    expect(familyOfKind(K.root)).toBe(Family.Process);
    expect(familyOfKind(K.process)).toBe(Family.Process);
    expect(familyOfKind(K.unknown)).toBe(Family.Unknown);
    expect(familyOfKind(6)).toBe(Family.State);
    expect(familyOfKind(42)).toBe(Family.Unknown);
  });

  it('draws kernel red to orange, native amber to yellow, JIT aqua to blue, state violet', () => {
    for (const c of huesOf(K.kernel)) {
      expect(c.h).toBeGreaterThanOrEqual(0);
      expect(c.h).toBeLessThanOrEqual(30);
      expect(c.s).toBeGreaterThan(50);
    }
    for (const c of huesOf(K.native)) {
      expect(c.h).toBeGreaterThanOrEqual(35);
      expect(c.h).toBeLessThanOrEqual(60);
      expect(c.s).toBeGreaterThan(50);
    }
    for (const c of huesOf(K.jit)) {
      expect(c.h).toBeGreaterThanOrEqual(170);
      expect(c.h).toBeLessThanOrEqual(215);
    }
    for (const c of huesOf(6)) {
      expect(c.h).toBeGreaterThanOrEqual(250);
      expect(c.h).toBeLessThanOrEqual(280);
    }
  });

  it('gives process frames and unresolved frames different colours (no shared grey)', () => {
    const process = paletteOf(K.process);
    const unknown = paletteOf(K.unknown);
    for (const c of process) expect(unknown.has(c)).toBe(false);
    // Process frames are tinted (blue-grey), unresolved ones neutral grey.
    for (const c of huesOf(K.process)) expect(c.s).toBeGreaterThan(10);
    for (const c of huesOf(K.unknown)) expect(c.s).toBe(0);
  });

  it('never shares a colour between two families', () => {
    const kinds = [K.process, K.kernel, K.native, K.jit, K.unknown, 6];
    const families = kinds.map(paletteOf);
    for (let a = 0; a < families.length; a++) {
      for (let b = a + 1; b < families.length; b++) {
        for (const c of families[a]!) expect(families[b]!.has(c), `${kinds[a]} and ${kinds[b]} share ${c}`).toBe(false);
      }
    }
    expect(colorIndex(K.native, 'memcpy')).toBe(colorIndex(K.native, 'memcpy'));
    expect(new Set(names.map((n) => colorIndex(K.native, n))).size).toBe(SHADES);
  });

  it('has a distinct search-match colour and an honest legend: one entry per family showing its whole range', () => {
    for (const kind of [K.root, K.process, K.kernel, K.native, K.jit, K.unknown, 6]) {
      for (const n of names) expect(colorIndex(kind, n)).not.toBe(MATCH_COLOR);
    }
    expect(LEGEND.map((l) => l.label)).toEqual(['process', 'kernel', 'native', 'JIT', 'unresolved', 'thread state', 'search match']);
    // Every shade a family draws with is in its legend entry, and the swatch shows more than one
    // colour when the family has more than one (a gradient, not one representative shade).
    for (const entry of LEGEND) {
      const drawn = new Set(Array.from({ length: SHADES }, (_, s) => PALETTE[entry.family * SHADES + s]!));
      expect(new Set(entry.colors)).toEqual(drawn);
      if (drawn.size > 1) {
        expect(entry.swatch).toMatch(/^linear-gradient/);
        for (const c of drawn) expect(entry.swatch).toContain(c);
      }
    }
    for (const c of PALETTE) expect(c).toMatch(/^hsl\(\d+ \d+% \d+%\)$/);
  });

  it('colours a diff red where the share grew and blue where it shrank, deeper for larger changes', () => {
    const grew = paletteHsl(diffColorIndex(0.2, 0.2));
    const grewLess = paletteHsl(diffColorIndex(0.05, 0.2));
    const shrank = paletteHsl(diffColorIndex(-0.2, 0.2));
    const same = paletteHsl(diffColorIndex(0, 0.2));
    expect(grew.h).toBe(0);
    expect(shrank.h).toBe(215);
    expect(grew.s).toBeGreaterThan(grewLess.s);
    expect(grew.l).toBeLessThan(grewLess.l);
    expect(same.s).toBe(0);
    expect(same.l).toBeGreaterThan(90);
    expect(DIFF_LEGEND.map((l) => l.label)).toEqual(['larger share', 'smaller share']);
  });
});

describe('activity colours', () => {
  it('gives the .NET runtime spans (gc, lock, exception) fixed colours of their own, apart from the other layers', () => {
    const runtime = ['gc', 'lock', 'exception'].map((c) => activityColor(c));
    expect(new Set(runtime).size).toBe(3);
    for (const other of ['syscall', 'blockio', 'tcp', 'fault', 'memory']) {
      expect(runtime).not.toContain(activityColor(other));
    }
    expect(runtime).toEqual(['gc', 'lock', 'exception'].map((c) => ACTIVITY_COLORS[c]));
  });
});
