import { describe, expect, it } from 'vitest';
import type { OptionDescriptor, SourceDescriptor } from '../src/api/types';
import { buildStartRequest, checkOption, describeOption, type StartFormValues } from '../src/form/options';
import { fieldOfProblem } from '../src/ui/start-form';

const frequency: OptionDescriptor = { name: 'frequency', kind: 'integer', description: 'Samples per second on each CPU', unit: 'Hz', min: 1, max: 10000, default: 99 };
const ratio: OptionDescriptor = { name: 'ratio', kind: 'number', description: 'A ratio', min: 0, max: 1, default: 0.5 };
const states: OptionDescriptor = { name: 'states', kind: 'choices', description: 'States', choices: ['S', 'D', 'other'], default: ['S', 'D'] };
const wakers: OptionDescriptor = { name: 'wakers', kind: 'boolean', description: 'Wakers', default: true };

const cpu: SourceDescriptor = { id: 'cpu', title: 'On-CPU sampling', layer: 'cpu', description: '', implicit: false, available: true, mechanisms: [], reason: null, detail: null, options: [frequency] };
const offcpu: SourceDescriptor = { id: 'offcpu', title: 'Off-CPU time', layer: 'scheduler', description: '', implicit: false, available: true, mechanisms: [], reason: null, detail: null, options: [states, wakers, ratio] };
const process: SourceDescriptor = { ...cpu, id: 'process', implicit: true, options: [] };

function values(patch: Partial<StartFormValues> = {}): StartFormValues {
  return { sources: ['cpu'], options: {}, pids: [], comm: '', cgroup: '', detached: false, session: {}, ...patch };
}

describe('option checks', () => {
  it('never takes a fraction for an integer option', () => {
    const r = checkOption(frequency, '99.5');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe('99.5 is not a whole number: give a whole number from 1 to 10000 Hz.');
    expect(checkOption(frequency, '1e3').ok).toBe(false);
    expect(checkOption(frequency, 'abc')).toEqual({ ok: false, error: '“abc” is not a number: give a whole number from 1 to 10000 Hz.' });
    expect(checkOption(frequency, ' 999 ')).toEqual({ ok: true, value: 999 });
  });

  it('checks ranges and takes fractions for numbers', () => {
    expect(checkOption(frequency, '0')).toEqual({ ok: false, error: '0 is out of range: give a whole number from 1 to 10000 Hz.' });
    expect(checkOption(frequency, '10001').ok).toBe(false);
    expect(checkOption(ratio, '0.25')).toEqual({ ok: true, value: 0.25 });
    expect(checkOption(ratio, '1.5').ok).toBe(false);
    expect(checkOption(ratio, '')).toEqual({ ok: true, value: undefined });
    expect(checkOption(ratio, '', true).ok).toBe(false);
  });

  it('wants at least one choice, and known ones', () => {
    expect(checkOption(states, [])).toEqual({ ok: false, error: 'Pick at least one of S, D, other.' });
    expect(checkOption(states, ['D', 'S'])).toEqual({ ok: true, value: ['S', 'D'] });
    expect(checkOption(states, ['X']).ok).toBe(false);
    expect(checkOption(wakers, false)).toEqual({ ok: true, value: false });
  });

  it('describes an option with its range, unit and default', () => {
    expect(describeOption(frequency)).toBe('Samples per second on each CPU. Whole number from 1 to 10000 Hz; default 99 Hz.');
    expect(describeOption(states)).toBe('States. At least one of S, D, other; default S, D.');
  });
});

describe('start request', () => {
  it('sends only what differs from the defaults, and the filter', () => {
    const built = buildStartRequest([cpu, offcpu, process], values({
      sources: ['cpu', 'offcpu'],
      options: { cpu: { frequency: '99' }, offcpu: { states: ['S', 'D', 'other'], wakers: true, ratio: '' } },
      pids: [1234, 1234, 1240], comm: 'ngi', cgroup: 'system.slice/nginx.service', detached: true,
      session: { windowSeconds: '1', memoryBudgetMiB: '64', durationSeconds: '', graceSeconds: '5' },
    }));
    expect(built).toEqual({ request: {
      sources: ['cpu', { id: 'offcpu', options: { states: ['S', 'D', 'other'] } }],
      filter: { pids: [1234, 1240], comm: 'ngi', cgroup: '/system.slice/nginx.service' },
      graceSeconds: 5,
      detached: true,
    } });
  });

  it('collects every wrong field with its message, and sends nothing', () => {
    const built = buildStartRequest([cpu, offcpu], values({
      sources: ['cpu', 'offcpu'],
      options: { cpu: { frequency: '99.5' }, offcpu: { states: [] } },
      comm: 'a-very-long-process-name',
      session: { windowSeconds: '0' },
    }));
    expect('errors' in built && built.errors).toEqual({
      'source:cpu:frequency': '99.5 is not a whole number: give a whole number from 1 to 10000 Hz.',
      'source:offcpu:states': 'Pick at least one of S, D, other.',
      comm: 'A process name (comm) has at most 15 characters: give a prefix of it.',
      'session:windowSeconds': '0 is out of range: give a number from 0.1 to 60 s.',
    });
  });

  it('wants a source and does not send implicit ones', () => {
    expect(buildStartRequest([cpu, process], values({ sources: [] }))).toEqual({ errors: { sources: 'Choose at least one source.' } });
    expect(buildStartRequest([cpu, process], values({ sources: ['cpu', 'process'] }))).toEqual({ request: { sources: ['cpu'] } });
  });

  it('finds the field a problem detail is about', () => {
    expect(fieldOfProblem('source cpu: option frequency: 0 is not valid: give a whole number from 1 to 10000 Hz (default 99)')).toBe('source:cpu:frequency');
    expect(fieldOfProblem('windowSeconds 99 is out of range: use 0.1 to 60')).toBe('session:windowSeconds');
    expect(fieldOfProblem('pid 5 does not exist')).toBeNull();
  });
});
