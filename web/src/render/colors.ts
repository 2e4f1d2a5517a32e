import { FrameKind } from '../api/types';

/**
 * Frame colours. Each kind of frame gets a family of hues so that kernel and user code read apart
 * at a glance; the shade within a family comes from a hash of the name, so a function keeps its
 * colour from one update to the next and neighbours are told apart.
 *
 *   kernel          red → orange
 *   native (user)   yellow → yellow-green
 *   JIT (user)      aqua → blue
 *   root, process, unknown `module+0x…`   grey
 *   search match    magenta (one colour, drawn over the kind's)
 */
export const Family = {
  Grey: 0,
  Kernel: 1,
  Native: 2,
  Jit: 3,
  Match: 4,
} as const;
export type Family = (typeof Family)[keyof typeof Family];

export const SHADES = 12;

export interface Hsl {
  h: number;
  s: number;
  l: number;
}

interface FamilySpec {
  label: string;
  hue: [number, number];
  sat: number;
  light: [number, number];
}

const FAMILIES: readonly FamilySpec[] = [
  { label: 'process / unknown', hue: [210, 230], sat: 6, light: [70, 80] },
  { label: 'kernel', hue: [0, 28], sat: 78, light: [60, 68] },
  { label: 'native', hue: [48, 95], sat: 68, light: [54, 62] },
  { label: 'JIT', hue: [178, 208], sat: 62, light: [58, 68] },
  { label: 'search match', hue: [300, 300], sat: 78, light: [62, 62] },
];

const FAMILY_BY_KIND: Readonly<Record<number, Family>> = {
  [FrameKind.Kernel]: Family.Kernel,
  [FrameKind.Native]: Family.Native,
  [FrameKind.Jit]: Family.Jit,
};

/** Root, process roots, unresolved `module+0x…` addresses and kinds this UI does not know are grey. */
export function familyOfKind(kind: number): Family {
  return FAMILY_BY_KIND[kind] ?? Family.Grey;
}

/** FNV-1a over UTF-16 code units: cheap, stable across sessions and browsers. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shadeHsl(family: Family, shade: number): Hsl {
  const spec = FAMILIES[family]!;
  const t = SHADES > 1 ? shade / (SHADES - 1) : 0;
  // Walk hue and lightness in different strides so neighbouring shades differ in both.
  const tl = ((shade * 5) % SHADES) / Math.max(SHADES - 1, 1);
  return {
    h: Math.round(spec.hue[0] + (spec.hue[1] - spec.hue[0]) * t),
    s: spec.sat,
    l: Math.round(spec.light[0] + (spec.light[1] - spec.light[0]) * tl),
  };
}

/** Index into {@link PALETTE} for a frame. */
export function colorIndex(kind: number, name: string): number {
  return familyOfKind(kind) * SHADES + (hashName(name) % SHADES);
}

/** Index of the search-match colour in {@link PALETTE}. */
export const MATCH_COLOR = Family.Match * SHADES;

export function paletteHsl(index: number): Hsl {
  return shadeHsl(Math.floor(index / SHADES) as Family, index % SHADES);
}

const css = ({ h, s, l }: Hsl): string => `hsl(${h} ${s}% ${l}%)`;

/** Every colour the flame graph uses, as CSS strings, indexed by {@link colorIndex}. */
export const PALETTE: readonly string[] = Array.from({ length: FAMILIES.length * SHADES }, (_, i) =>
  css(paletteHsl(i)),
);

/** The legend: one entry per family, in its middle shade. */
export const LEGEND: readonly { label: string; color: string }[] = FAMILIES.map((f, i) => ({
  label: f.label,
  color: css(shadeHsl(i as Family, Math.floor(SHADES / 2))),
}));
