import { FrameKind } from '../api/types';

/**
 * Frame colours. Each kind of frame gets its own family of colours so that kernel and user code,
 * process roots, unresolved addresses and synthetic thread states read apart at a glance; the shade
 * within a family comes from a hash of the name, so a function keeps its colour from one update to
 * the next and neighbours are told apart. Every family is distinct from every other one (no two
 * families share a colour), and the legend shows each family's whole range of shades.
 *
 *   root, process        slate blue-grey
 *   kernel               red → orange
 *   native (user)        amber → yellow
 *   JIT (user)           aqua → blue
 *   unresolved `m+0x…`   neutral grey (no hue)
 *   thread state         violet (`[blocked S]`, `[runnable]` leaves of off-CPU graphs)
 *   GPU work             green (kernels, copy directions, waits on top of the host stacks that asked)
 *   search match         magenta (one colour, drawn over the kind's)
 *   diff                 red (share grew) / blue (share shrank), deeper for larger changes
 */
export const Family = {
  Process: 0,
  Kernel: 1,
  Native: 2,
  Jit: 3,
  Unknown: 4,
  State: 5,
  Match: 6,
  Grew: 7,
  Shrank: 8,
  Gpu: 9,
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
  sat: [number, number];
  light: [number, number];
  /** Shades vary in lightness in a scrambled order (names), or in order (diff intensity). */
  ordered?: boolean;
}

const FAMILIES: readonly FamilySpec[] = [
  { label: 'process', hue: [212, 222], sat: [22, 22], light: [70, 80] },
  { label: 'kernel', hue: [0, 28], sat: [78, 78], light: [60, 68] },
  { label: 'native', hue: [38, 58], sat: [82, 82], light: [55, 63] },
  { label: 'JIT', hue: [178, 208], sat: [62, 62], light: [58, 68] },
  { label: 'unresolved', hue: [0, 0], sat: [0, 0], light: [60, 70] },
  { label: 'thread state', hue: [258, 276], sat: [48, 48], light: [66, 74] },
  { label: 'search match', hue: [310, 310], sat: [85, 85], light: [60, 60] },
  // Diff: shade 0 is "no change" (near white), shade 11 the largest change.
  { label: 'larger share', hue: [0, 0], sat: [0, 85], light: [94, 56], ordered: true },
  { label: 'smaller share', hue: [215, 215], sat: [0, 80], light: [94, 58], ordered: true },
  { label: 'GPU work', hue: [96, 140], sat: [55, 55], light: [50, 60] },
];

const FAMILY_BY_KIND: Readonly<Record<number, Family>> = {
  [FrameKind.Root]: Family.Process,
  [FrameKind.Process]: Family.Process,
  [FrameKind.Kernel]: Family.Kernel,
  [FrameKind.Native]: Family.Native,
  [FrameKind.Jit]: Family.Jit,
  [FrameKind.Unknown]: Family.Unknown,
  [FrameKind.State]: Family.State,
  [FrameKind.Gpu]: Family.Gpu,
};

/** Frame kind → colour family; kinds this UI does not know are drawn as unresolved. */
export function familyOfKind(kind: number): Family {
  return FAMILY_BY_KIND[kind] ?? Family.Unknown;
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
  const tl = spec.ordered ? t : ((shade * 5) % SHADES) / Math.max(SHADES - 1, 1);
  return {
    h: Math.round(spec.hue[0] + (spec.hue[1] - spec.hue[0]) * t),
    s: Math.round(spec.sat[0] + (spec.sat[1] - spec.sat[0]) * t),
    l: Math.round(spec.light[0] + (spec.light[1] - spec.light[0]) * tl),
  };
}

/** Index into {@link PALETTE} for a frame. */
export function colorIndex(kind: number, name: string): number {
  return familyOfKind(kind) * SHADES + (hashName(name) % SHADES);
}

/** Index of the search-match colour in {@link PALETTE}. */
export const MATCH_COLOR = Family.Match * SHADES;

/**
 * Colour of a frame in a differential flame graph: `change` is the frame's share of the selected
 * range minus its share of the baseline, `maxChange` the largest |change| drawn; red when the share
 * grew, blue when it shrank, the deeper the larger (as in Brendan Gregg's differential flame graphs).
 */
export function diffColorIndex(change: number, maxChange: number): number {
  if (!(maxChange > 0) || change === 0 || !Number.isFinite(change)) return Family.Grew * SHADES;
  const level = Math.min(SHADES - 1, Math.max(1, Math.round((Math.abs(change) / maxChange) * (SHADES - 1))));
  return (change > 0 ? Family.Grew : Family.Shrank) * SHADES + level;
}

export function paletteHsl(index: number): Hsl {
  return shadeHsl(Math.floor(index / SHADES) as Family, index % SHADES);
}

export const css = ({ h, s, l }: Hsl): string => `hsl(${h} ${s}% ${l}%)`;

/** Every colour the flame graph uses, as CSS strings, indexed by {@link colorIndex}. */
export const PALETTE: readonly string[] = Array.from({ length: FAMILIES.length * SHADES }, (_, i) =>
  css(paletteHsl(i)),
);

export interface LegendEntry {
  label: string;
  family: Family;
  /** CSS background showing every shade the family uses (a gradient, or one colour). */
  swatch: string;
  /** The family's shades (what the swatch shows). */
  colors: string[];
}

function legendEntry(family: Family): LegendEntry {
  const colors = Array.from({ length: SHADES }, (_, s) => css(shadeHsl(family, s)));
  // Sorted by hue then lightness so the gradient reads as the range, not as noise.
  const sorted = Array.from({ length: SHADES }, (_, s) => shadeHsl(family, s)).sort((a, b) => a.h - b.h || a.l - b.l).map(css);
  const unique = [...new Set(sorted)];
  return {
    label: FAMILIES[family]!.label,
    family,
    swatch: unique.length === 1 ? unique[0]! : `linear-gradient(90deg, ${unique.join(', ')})`,
    colors,
  };
}

/** The legend of a flame graph: one entry per frame family plus the search match. */
export const LEGEND: readonly LegendEntry[] = [
  Family.Process, Family.Kernel, Family.Native, Family.Jit, Family.Unknown, Family.State, Family.Match,
].map((f) => legendEntry(f as Family));

/** The legend of a graph with device work on top (merged CPU + GPU graphs): GPU work before the search match. */
export const GPU_LEGEND: readonly LegendEntry[] = [
  Family.Process, Family.Kernel, Family.Native, Family.Jit, Family.Unknown, Family.State, Family.Gpu, Family.Match,
].map((f) => legendEntry(f as Family));

/** The legend for a graph whose first `count` frames have these kinds: GPU work is named only where it is drawn. */
export function legendFor(kinds: ArrayLike<number>, count: number): readonly LegendEntry[] {
  for (let i = 0; i < Math.min(count, kinds.length); i++) if (kinds[i] === FrameKind.Gpu) return GPU_LEGEND;
  return LEGEND;
}

/** The legend of a differential flame graph. */
export const DIFF_LEGEND: readonly LegendEntry[] = [Family.Grew, Family.Shrank].map((f) => legendEntry(f as Family));

/**
 * Activity-lane categories (what a thread did or waited for), in fixed colours that read apart from
 * the thread states drawn above them (green, amber, pale blue, red): mid-light so that dark label
 * text stays legible. A category without its own colour gets one from its name, in the same range.
 */
export const ACTIVITY_COLORS: Readonly<Record<string, string>> = {
  syscall: '#8f9ae8',
  blockio: '#d39a62',
  tcp: '#5cbfae',
  fault: '#e48ac0',
  memory: '#b9c25a',
  gpu: '#7fc46b',
  // The .NET runtime's spans: GC pauses, lock waits, exceptions (instants).
  gc: '#c98bd9',
  lock: '#e0b85a',
  exception: '#ee7f6f',
};

export function activityColor(category: string): string {
  return ACTIVITY_COLORS[category] ?? hslToHex(hashName(category) % 360, 50, 68);
}

/** `#rrggbb` of an HSL colour (hue in degrees, saturation and lightness in %). */
export function hslToHex(h: number, s: number, l: number): string {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number): string => {
    const k = (n + h / 30) % 12;
    const c = l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}
