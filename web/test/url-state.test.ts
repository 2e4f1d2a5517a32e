import { describe, expect, it } from 'vitest';
import { formatViewState, modelOfKey, nextKey, parseViewState } from '../src/app/url-state';
import { moveKey } from '../src/app/workspace';

describe('view state in the URL', () => {
  it('round-trips the session, panels, layout, active panel and range, keeping the token', () => {
    const search = formatViewState({
      session: '1a2b3c4d', panels: ['cpu.flamegraph', 'offcpu.flamegraph', 'cpu.flamegraph~2'], layout: 'columns', active: 'offcpu.flamegraph',
      range: { t0: 1.5e9, t1: 3e9 },
    }, '?token=secret');
    expect(search).toBe('?token=secret&session=1a2b3c4d&panels=cpu.flamegraph,offcpu.flamegraph,cpu.flamegraph~2&layout=columns&active=offcpu.flamegraph&t0=1500000000&t1=3000000000');
    expect(parseViewState(search)).toEqual({
      session: '1a2b3c4d', panels: ['cpu.flamegraph', 'offcpu.flamegraph', 'cpu.flamegraph~2'], layout: 'columns', active: 'offcpu.flamegraph',
      range: { t0: 1.5e9, t1: 3e9 }, areas: null,
    });
  });

  it('keeps the overview\'s areas: on top, side by side (the rest in tabs)', () => {
    const state = {
      session: 's1', panels: ['threads.timeline', 'cpu.flamegraph', 'offcpu.flamegraph', 'sched.runqlen'], layout: 'overview' as const,
      active: 'sched.runqlen', range: null, areas: { top: ['threads.timeline'], side: ['cpu.flamegraph', 'offcpu.flamegraph'] },
    };
    const search = formatViewState(state, '');
    expect(search).toBe('?session=s1&panels=threads.timeline,cpu.flamegraph,offcpu.flamegraph,sched.runqlen&layout=overview&top=threads.timeline&side=cpu.flamegraph,offcpu.flamegraph&active=sched.runqlen');
    expect(parseViewState(search)).toEqual(state);
    // Other layouts do not write areas.
    expect(formatViewState({ ...state, layout: 'tabs' }, '')).not.toContain('top=');
  });

  it('drops the view when there is no session, and ignores what does not parse', () => {
    expect(formatViewState({ session: null, panels: ['x'], layout: 'tabs', active: null, range: null }, '?session=old&token=t&t0=1&t1=2')).toBe('?token=t');
    expect(parseViewState('?session=<script>&layout=diagonal&t0=5&t1=2&panels=a.b,bad panel')).toEqual({
      session: null, panels: ['a.b'], layout: null, active: null, range: { t0: 2, t1: 5 }, areas: null,
    });
    expect(parseViewState('').panels).toBeNull();
  });

  it('names more views of one model and finds the model of a key', () => {
    expect(nextKey('cpu.flamegraph', [])).toBe('cpu.flamegraph');
    expect(nextKey('cpu.flamegraph', ['cpu.flamegraph', 'cpu.flamegraph~2'])).toBe('cpu.flamegraph~3');
    expect(modelOfKey('cpu.flamegraph~2')).toBe('cpu.flamegraph');
    expect(modelOfKey('cpu.flamegraph')).toBe('cpu.flamegraph');
  });

  it('moves a panel to a place', () => {
    expect(moveKey(['a', 'b', 'c'], 'c', 0)).toEqual(['c', 'a', 'b']);
    expect(moveKey(['a', 'b', 'c'], 'a', 5)).toEqual(['b', 'c', 'a']);
    expect(moveKey(['a', 'b'], 'x', 0)).toEqual(['a', 'b']);
  });
});
