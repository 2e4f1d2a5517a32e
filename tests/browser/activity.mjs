// Browser test of the timeline's activity lane: a session with the syscalls source alone (no
// scheduler states) on a real workload whose thread waits in slow read(2) calls of a pipe, checked
// as a person sees it — the span on the thread's lane, its details, the breakdown's reason.
//
// - activity_pipe (workloads/activity_pipe.c): thread "reader" waits ~120 ms at a time in read(2) of
//   a pipe (in wait_for_data) that thread "feeder" writes a byte to every 120 ms.
//
// Registered by run.mjs after the scheduler test; BROWSER_TESTS=activity runs this one alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ARTIFACTS, ROOT, buildC, chosen, helpers, openPage, startAgent, startProgram, state, step, stopProcess, waitFor,
} from './lib.mjs';

const TL = 'threads.timeline';
const BREAKDOWN = 'threads.breakdown';
const SLOW_US = 20000;
/** The reader's call as the agent labels it: the syscall, its fd and what the fd is (`read fd 3 pipe:[1234]`). */
const READ = /^(read fd \d+ pipe:\[\d+\])/;

/** The thread of process `pid` named `name` (its comm), from /proc: its tid. */
function threadNamed(pid, name) {
  const dir = `/proc/${pid}/task`;
  return Number(readdirSync(dir).find((tid) => readFileSync(`${dir}/${tid}/comm`, 'utf8').trim() === name) ?? 0);
}

/** The timeline panel's hook, evaluated in the page. */
const timeline = (page, fn, arg) => page.evaluate(([body, a]) => {
  const hook = window.__systemscope.panels['threads.timeline'];
  return new Function('tl', 'arg', body)(hook, a);
}, [fn, arg]);

export function activityTest() {
test('the activity lane: slow system calls on the thread timeline and in the breakdown, in the browser', { timeout: 300_000, skip: !chosen('activity') }, async (t) => {
  const exe = buildC('activity_pipe', { file: join(ROOT, 'tests/browser/workloads/activity_pipe.c'), flags: ['-fno-optimize-sibling-calls', '-pthread', '-Wall'] });
  const workload = startProgram(exe, [200]);
  const { child: agent, base } = await startAgent('127.0.0.1', [], 'agent-activity.log');
  const api = async (path) => {
    const r = await fetch(base + path);
    return { status: r.status, body: r.status === 204 ? null : await r.json().catch(() => null) };
  };
  const caps = (await api('/api/capabilities')).body;
  const syscalls = caps.sources.find((s) => s.id === 'syscalls');
  assert.ok(syscalls?.available, `the syscalls source cannot run here: ${syscalls?.reason}`);
  const page = await openPage(`${base}/`);
  const h = helpers(page);
  const measured = {};

  await step(t, 'start a session with the syscalls source alone, slow calls from 20 ms, on the workload', async () => {
    await h.byId('source-syscalls').waitFor({ state: 'visible', timeout: 10_000 });
    for (const s of caps.sources) {
      const box = h.byId(`source-${s.id}`);
      // Not every source is chosen in the form (some run along with the others).
      if (s.id !== 'syscalls' && s.available && await box.count() > 0 && await box.isChecked()) await box.uncheck();
    }
    await h.byId('source-syscalls').check();
    await h.byId('option-syscalls-slowUs').fill(String(SLOW_US));
    await h.byId('process-filter').fill(String(workload.pid));
    await h.byId(`process-row-${workload.pid}`).click();
    await h.byId('start').click();
    await h.byId('view-session').waitFor({ state: 'visible', timeout: 10_000 });
    const session = await page.evaluate(() => window.__systemscope.binding.session());
    // The process source (names, lifecycles) runs along with any other: no scheduler states.
    const ids = session.sources.map((s) => s.id);
    assert.ok(ids.includes('syscalls') && !ids.includes('sched'), `sources: ${ids}`);
    // The timeline exists without the scheduler: open it where the workspace put it.
    if (await h.byId(`tab-${TL}`).isVisible().catch(() => false)) await h.byId(`tab-${TL}`).click();
    await h.panel(TL).waitFor({ state: 'visible', timeout: 10_000 });
  });

  let reader = null;
  await step(t, 'the reader thread\'s activity lane shows its slow reads of the pipe, the legend their category', async () => {
    const tid = await waitFor('the reader thread', () => threadNamed(workload.pid, 'reader'), 5000);
    reader = await waitFor('the reader thread\'s track', () => timeline(page, 'return tl.tracks().find((t) => t.tid === arg) ?? null;', tid), 20_000, 500);
    if (reader.name !== 'reader') console.log(`# the reader's track is named "${reader.name}": a thread that existed before the session has no name without the scheduler`);
    const spans = await waitFor('spans of the reader drawn', async () => {
      const found = (await timeline(page, 'return tl.spans(arg);', reader.id)).filter((s) => READ.test(s.label ?? ''));
      return found.length > 0 && Number(await h.inPanel(TL, 'timeline-canvas').getAttribute('data-spans')) > 0 ? found : null;
    }, 20_000, 500);
    if (!spans[0].label.startsWith('read')) console.log(`# the agent labels read(2) "${spans[0].label}" (its syscall-name table): no fd or pipe to show`);
    const s = await timeline(page, 'return tl.state();');
    assert.equal(s.lanes, true, 'rows have activity lanes');
    assert.ok(s.categories.includes('syscall'), `categories: ${s.categories}`);
    const legend = await h.inPanel(TL, 'timeline-legend-category').allTextContents();
    assert.ok(legend.includes('syscall'), `the legend: ${legend}`);
    // A session without the scheduler: no state slices, the lane alone.
    assert.deepEqual(await timeline(page, 'return tl.slices(arg);', reader.id), []);
  });

  await step(t, 'hovering and clicking a read shows what it was: the category, the pipe, its duration and stack', async () => {
    // Four seconds of history: a 2 s view of whole reads, away from the live edge.
    const end = await waitFor('4 s of timeline', async () => {
      const e = await timeline(page, 'return tl.state().end;');
      return e > 4e9 ? e : null;
    }, 20_000, 500);
    const view = { t0: end - 2.5e9, t1: end - 0.5e9 };
    const before = await timeline(page, 'return tl.state().answers;');
    await timeline(page, 'tl.setViewport(arg.t0, arg.t1);', view);
    let last = null;
    await waitFor('an answer for the view', async () => {
      const st = await timeline(page, 'return tl.state();');
      last = { answers: st.answers, before, held: st.held, view, viewport: st.viewport, queries: st.queries, lastQuery: st.lastQuery, status: await h.text(h.inPanel(TL, 'timeline-status')) };
      return st.answers > before && st.held && st.held.t0 <= view.t0 && st.held.t1 >= view.t1;
    }, 10_000).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}`);
    });
    await sleep(300);
    const spans = (await timeline(page, 'return tl.spans(arg);', reader.id))
      .filter((s) => READ.test(s.label ?? '') && s.merged === 1 && s.start > view.t0 && s.start + s.duration < view.t1);
    assert.ok(spans.length >= 5, `whole reads in a 2 s view: ${spans.length}`);
    const durations = spans.map((s) => s.duration).sort((a, b) => a - b);
    const median = durations[Math.floor(durations.length / 2)];
    measured.reads = { inView: spans.length, medianMs: median / 1e6, label: spans[0].label };
    assert.ok(median > SLOW_US * 1000 && median < 200e6, `reads of ~120 ms: median ${(median / 1e6).toFixed(1)} ms`);
    const span = spans[Math.floor(spans.length / 2)];
    const point = await timeline(page, 'return tl.spanPointAt(arg.track, arg.t, 0);', { track: reader.id, t: span.start + span.duration / 2 });
    await page.mouse.move(point.x, point.y);
    const tip = h.inPanel(TL, 'timeline-tooltip');
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await h.text(tip.locator('.fg-tooltip-name')), new RegExp(`^syscall · ${READ.source.slice(1)}`));
    await page.mouse.click(point.x, point.y);
    const detail = await waitFor('the span details', async () => {
      const d = await timeline(page, 'return tl.state().detail;');
      return d && d.lane === 'spans' && d.state ? d : null;
    }, 5000);
    assert.equal(detail.start, span.start, 'the clicked span, not another');
    assert.equal(await h.text(h.inPanel(TL, 'span-category')), 'syscall');
    const label = await h.text(h.inPanel(TL, 'span-label'));
    assert.match(label, READ, `the call and what it read: ${label}`);
    const frames = await h.inPanel(TL, 'span-stack').locator('li code').allTextContents();
    measured.stack = frames;
    assert.ok(frames.includes('wait_for_data'), `the stack it was called from: ${frames.join(' ← ')}`);
    assert.match(await h.text(h.inPanel(TL, 'span-duration')), /ms$/);
    // A pipe is no device: nothing to go to.
    assert.equal(await h.inPanel(TL, 'jump-to-related').count(), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-activity-span.png') });
    await page.mouse.move(5, 5);
  });

  await step(t, 'the breakdown says what the reader waited in, with its time and share', async () => {
    if (await h.byId(`tab-${BREAKDOWN}`).isVisible().catch(() => false)) await h.byId(`tab-${BREAKDOWN}`).click();
    else await h.byId(`menu-add-${BREAKDOWN}`).click().catch(() => {});
    const row = h.panel(BREAKDOWN).locator(`[data-testid="breakdown-thread"][data-tid="${reader.tid}"]`);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    const reason = row.getByTestId('breakdown-reason').first();
    await reason.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await h.text(reason);
    measured.breakdownReason = text;
    assert.match(await h.text(reason.locator('.bd-reason-text')), new RegExp(`^waiting in ${READ.source.slice(1)}`));
    assert.equal(await reason.getAttribute('data-category'), 'syscall');
    // The reader does nothing but wait in that read.
    const share = Number(/(\d+(?:\.\d+)?)%$/.exec(text)?.[1] ?? 0);
    assert.ok(share >= 50, `the read's share of the reader's time: ${share}%`);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-activity-breakdown.png') });
  });

  await step(t, 'measurements: drawing activity lanes (about 2,000 spans) and the real panel', async () => {
    if (await h.byId(`tab-${TL}`).isVisible().catch(() => false)) await h.byId(`tab-${TL}`).click();
    const withLanes = await page.evaluate(() => window.__systemscope.bench.timeline(6000, 28, 1600, 9, 0, true, 2000));
    const without = await page.evaluate(() => window.__systemscope.bench.timeline(6000, 28, 1600, 9, 0, true, 0));
    const drawn = await timeline(page, 'return tl.state().drawn;');
    measured.bench = { withLanes, without };
    measured.panel = { spans: drawn.spans, slices: drawn.slices, labels: drawn.labels, drawMs: drawn.drawMs };
    assert.ok(withLanes.spans >= 1900 && withLanes.spans <= 2100, JSON.stringify(withLanes));
    writeFileSync(join(ARTIFACTS, 'browser-measurements-activity.json'), JSON.stringify(measured, null, 2) + '\n');
    console.log(`# activity lane measurements: ${JSON.stringify(measured)}`);
    await h.byId('stop').click();
    await waitFor('stopped', async () => (await h.text(h.byId('stat-state'))) === 'stopped', 10_000);
  });

  assert.deepEqual([...page.errors], [], 'no uncaught errors in the page');
  if (state.logs.length) console.log(`# console errors in the page: ${state.logs.join(' | ')}`);
  const running = (await api('/api/sessions')).body.filter((s) => s.state !== 'stopped');
  assert.deepEqual(running, [], 'no session left running');
  await page.close();
  await stopProcess(agent, 'agent');
  await stopProcess(workload, 'activity_pipe');
});
}
