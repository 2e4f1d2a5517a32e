import { describe, expect, it } from 'vitest';
import { colorIndex, Family, familyOfKind, LEGEND, MATCH_COLOR, PALETTE, paletteHsl, SHADES } from '../src/render/colors';
import { K } from './call-tree';

const names = Array.from({ length: 200 }, (_, i) => `fn_${i}_${(i * 31) % 17}`);

function huesOf(kind: number): { h: number; s: number; l: number }[] {
  return names.map((n) => paletteHsl(colorIndex(kind, n)));
}

describe('colour by kind', () => {
  it('maps kinds to families', () => {
    expect(familyOfKind(K.kernel)).toBe(Family.Kernel);
    expect(familyOfKind(K.native)).toBe(Family.Native);
    expect(familyOfKind(K.jit)).toBe(Family.Jit);
    expect(familyOfKind(K.root)).toBe(Family.Grey);
    expect(familyOfKind(K.process)).toBe(Family.Grey);
    expect(familyOfKind(K.unknown)).toBe(Family.Grey);
    expect(familyOfKind(42)).toBe(Family.Grey);
  });

  it('draws kernel frames red to orange, native yellow to green, JIT aqua to blue, the rest grey', () => {
    for (const c of huesOf(K.kernel)) {
      expect(c.h).toBeGreaterThanOrEqual(0);
      expect(c.h).toBeLessThanOrEqual(30);
      expect(c.s).toBeGreaterThan(50);
    }
    for (const c of huesOf(K.native)) {
      expect(c.h).toBeGreaterThanOrEqual(45);
      expect(c.h).toBeLessThanOrEqual(100);
      expect(c.s).toBeGreaterThan(50);
    }
    for (const c of huesOf(K.jit)) {
      expect(c.h).toBeGreaterThanOrEqual(170);
      expect(c.h).toBeLessThanOrEqual(215);
    }
    for (const kind of [K.root, K.process, K.unknown]) {
      for (const c of huesOf(kind)) expect(c.s).toBeLessThan(15);
    }
  });

  it('never gives a kernel frame a user frame colour, and keeps a name in its colour', () => {
    const kernel = new Set(names.map((n) => PALETTE[colorIndex(K.kernel, n)]));
    const user = new Set([...names.map((n) => PALETTE[colorIndex(K.native, n)]), ...names.map((n) => PALETTE[colorIndex(K.jit, n)])]);
    for (const c of kernel) expect(user.has(c)).toBe(false);
    expect(colorIndex(K.native, 'memcpy')).toBe(colorIndex(K.native, 'memcpy'));
    // Names spread over the shades of a family.
    expect(new Set(names.map((n) => colorIndex(K.native, n))).size).toBe(SHADES);
  });

  it('has a distinct search-match colour and a legend entry per family', () => {
    for (const kind of [K.root, K.process, K.kernel, K.native, K.jit, K.unknown]) {
      for (const n of names) expect(colorIndex(kind, n)).not.toBe(MATCH_COLOR);
    }
    expect(paletteHsl(MATCH_COLOR).h).toBe(300);
    expect(LEGEND.map((l) => l.label)).toEqual(['process / unknown', 'kernel', 'native', 'JIT', 'search match']);
    for (const c of PALETTE) expect(c).toMatch(/^hsl\(\d+ \d+% \d+%\)$/);
  });
});
