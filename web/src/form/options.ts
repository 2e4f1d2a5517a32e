import type { Capabilities, OptionDescriptor, ProcessFilterRequest, SourceDescriptor, StartSessionRequest } from '../api/types';

/** What a form control holds: text for numbers, a flag for booleans, the checked names for choices. */
export type RawValue = string | boolean | string[];

export type Checked = { ok: true; value: number | boolean | string[] | undefined } | { ok: false; error: string };

const INTEGER = /^\s*[+-]?\d+\s*$/;
const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function rangeText(d: { min?: number | null; max?: number | null; unit?: string | null }): string {
  const unit = d.unit ? ` ${d.unit}` : '';
  const hasMin = typeof d.min === 'number';
  const hasMax = typeof d.max === 'number';
  if (hasMin && hasMax) return ` from ${d.min} to ${d.max}${unit}`;
  if (hasMin) return ` of at least ${d.min}${unit}`;
  if (hasMax) return ` of at most ${d.max}${unit}`;
  return unit ? ` (${unit.trim()})` : '';
}

/** The help line of an option: what it is, its range, its default. */
export function describeOption(d: OptionDescriptor): string {
  const text = d.description.trim();
  const parts: string[] = [text && !/[.!?]$/.test(text) ? `${text}.` : text];
  switch (d.kind) {
    case 'integer':
    case 'number': {
      const what = d.kind === 'integer' ? 'Whole number' : 'Number';
      parts.push(d.default === null ? `${what}${rangeText(d)}; empty by default.` : `${what}${rangeText(d)}; default ${d.default}${d.unit ? ` ${d.unit}` : ''}.`);
      break;
    }
    case 'boolean':
      parts.push(`Default ${d.default ? 'on' : 'off'}.`);
      break;
    case 'choices':
      parts.push(`At least one of ${d.choices.join(', ')}; default ${d.default.join(', ')}.`);
      break;
    case 'names':
      parts.push(`Comma-separated, such as ${d.example}; empty for all.`);
      break;
  }
  return parts.filter((p) => p !== '').join(' ');
}

/**
 * Checks a control's value against an option's declaration, as the agent will, so that the person
 * sees what is wrong next to the field before anything is sent (99.5 is never sent for an integer).
 * Empty text means "the default" unless `required`; the value is then undefined (not sent).
 */
export function checkOption(d: OptionDescriptor, raw: RawValue, required = false): Checked {
  switch (d.kind) {
    case 'integer':
    case 'number': {
      const text = typeof raw === 'string' ? raw : '';
      if (text.trim() === '') return required ? { ok: false, error: `Give a ${d.kind === 'integer' ? 'whole number' : 'number'}${rangeText(d)}.` } : { ok: true, value: undefined };
      if (d.kind === 'integer' && !INTEGER.test(text)) {
        return { ok: false, error: DECIMAL.test(text)
          ? `${text.trim()} is not a whole number: give a whole number${rangeText(d)}.`
          : `“${text.trim()}” is not a number: give a whole number${rangeText(d)}.` };
      }
      if (d.kind === 'number' && !DECIMAL.test(text)) return { ok: false, error: `“${text.trim()}” is not a number: give a number${rangeText(d)}.` };
      const value = Number(text);
      if (!Number.isFinite(value) || (d.kind === 'integer' && !Number.isSafeInteger(value))) {
        return { ok: false, error: `${text.trim()} is out of range: give a ${d.kind === 'integer' ? 'whole number' : 'number'}${rangeText(d)}.` };
      }
      if ((typeof d.min === 'number' && value < d.min) || (typeof d.max === 'number' && value > d.max)) {
        return { ok: false, error: `${text.trim()} is out of range: give a ${d.kind === 'integer' ? 'whole number' : 'number'}${rangeText(d)}.` };
      }
      return { ok: true, value };
    }
    case 'boolean':
      return { ok: true, value: raw === true };
    case 'choices': {
      const picked = Array.isArray(raw) ? raw : [];
      const unknown = picked.filter((c) => !d.choices.includes(c));
      if (unknown.length > 0) return { ok: false, error: `Unknown choice ${unknown.join(', ')}: pick from ${d.choices.join(', ')}.` };
      if (picked.length === 0) return { ok: false, error: `Pick at least one of ${d.choices.join(', ')}.` };
      return { ok: true, value: d.choices.filter((c) => picked.includes(c)) };
    }
    case 'names': {
      const text = typeof raw === 'string' ? raw : '';
      const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '');
      return { ok: true, value: names.length === 0 ? undefined : names };
    }
  }
}

/** Whether a checked value is the option's default (and need not be sent). */
export function isDefault(d: OptionDescriptor, value: unknown): boolean {
  if (value === undefined) return true;
  if (d.kind === 'names') return (value as string[]).length === 0;
  if (d.kind === 'choices') {
    const v = value as string[];
    return v.length === d.default.length && v.every((c) => d.default.includes(c));
  }
  return value === d.default;
}

/**
 * The session-wide settings of POST /api/sessions, declared like source options (docs/api.md). The
 * ranges here are used only until the agent's own (`capabilities.session`) arrive.
 */
export const SESSION_OPTIONS: readonly OptionDescriptor[] = [
  { name: 'windowSeconds', kind: 'number', description: 'How often aggregated data is collected: the time resolution of history.', unit: 's', min: 0.1, max: 60, default: 1 },
  { name: 'memoryBudgetMiB', kind: 'integer', description: 'Memory the session’s models may keep for history; the oldest windows go first.', unit: 'MiB', min: 4, max: 4096, default: 64 },
  { name: 'durationSeconds', kind: 'number', description: 'Stop by itself after this long (empty: no limit).', unit: 's', min: 0, max: 604800, default: null },
  { name: 'graceSeconds', kind: 'number', description: 'A viewed session stops this long after its last viewer leaves.', unit: 's', min: 1, max: 3600, default: 30 },
];

/** The session settings with the ranges and defaults the agent gives (`capabilities.session`). */
export function sessionOptions(ranges: Capabilities['session'] | undefined): OptionDescriptor[] {
  return SESSION_OPTIONS.map((d) => {
    const r = ranges?.[d.name as keyof NonNullable<Capabilities['session']>];
    if (!r || (d.kind !== 'integer' && d.kind !== 'number')) return d;
    return { ...d, min: r.min, max: r.max, default: r.default };
  });
}

export interface StartFormValues {
  /** Selected source ids. */
  sources: string[];
  /** Raw option values by source id, then option name. */
  options: Record<string, Record<string, RawValue>>;
  pids: number[];
  comm: string;
  cgroup: string;
  detached: boolean;
  /** Raw values of SESSION_OPTIONS by name. */
  session: Record<string, string>;
}

/** Field key → message, for the fields that are wrong: `source:cpu:frequency`, `session:windowSeconds`, `sources`, `comm`. */
export type FieldErrors = Record<string, string>;

export function fieldKey(sourceId: string | null, option: string): string {
  return sourceId === null ? `session:${option}` : `source:${sourceId}:${option}`;
}

/**
 * Builds the body of POST /api/sessions from the form, or the messages of every field that is
 * wrong. Options equal to their default are left out (the agent applies the default).
 */
export function buildStartRequest(
  sources: readonly SourceDescriptor[], values: StartFormValues, session: readonly OptionDescriptor[] = SESSION_OPTIONS,
): { request: StartSessionRequest } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const request: StartSessionRequest = {};
  const chosen = sources.filter((s) => values.sources.includes(s.id) && !s.implicit);
  if (chosen.length === 0) errors['sources'] = 'Choose at least one source.';
  const unavailable = chosen.filter((s) => !s.available);
  if (unavailable.length > 0) errors['sources'] = `${unavailable.map((s) => s.id).join(', ')} cannot run here: ${unavailable.map((s) => s.reason ?? 'unavailable').join('; ')}`;

  request.sources = chosen.map((s) => {
    const options: Record<string, unknown> = {};
    for (const d of s.options) {
      const raw = values.options[s.id]?.[d.name];
      if (raw === undefined) continue;
      const checked = checkOption(d, raw);
      if (!checked.ok) errors[fieldKey(s.id, d.name)] = checked.error;
      else if (!isDefault(d, checked.value)) options[d.name] = checked.value;
    }
    return Object.keys(options).length > 0 ? { id: s.id, options } : s.id;
  });

  const filter: ProcessFilterRequest = {};
  const pids = [...new Set(values.pids)].filter((p) => Number.isInteger(p) && p > 0);
  if (pids.length > 0) filter.pids = pids;
  const comm = values.comm.trim();
  if (comm) {
    if (comm.length > 15) errors['comm'] = 'A process name (comm) has at most 15 characters: give a prefix of it.';
    else filter.comm = comm;
  }
  const cgroup = values.cgroup.trim();
  if (cgroup) {
    if (/\s/.test(cgroup)) errors['cgroup'] = 'A cgroup path has no spaces, such as /system.slice/nginx.service.';
    else filter.cgroup = cgroup.startsWith('/') ? cgroup : `/${cgroup}`;
  }
  if (Object.keys(filter).length > 0) request.filter = filter;

  for (const d of session) {
    const raw = values.session[d.name] ?? '';
    const checked = checkOption(d, raw);
    if (!checked.ok) errors[fieldKey(null, d.name)] = checked.error;
    else if (checked.value !== undefined && !isDefault(d, checked.value)) {
      (request as Record<string, unknown>)[d.name] = checked.value;
    }
  }
  if (values.detached) request.detached = true;

  return Object.keys(errors).length > 0 ? { errors } : { request };
}
