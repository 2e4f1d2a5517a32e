// Browser test: the embedded web UI in Debian's chromium, driven like a person would, against the
// real agent binary profiling a real workload.
//
//   SYSTEMSCOPE_BINARY=/abs/path/out/systemscope node tests/browser/run.mjs
//
// It builds a small C workload whose hot function has a distinctive name, starts
// `systemscope serve` on a free loopback port, opens the page, and works like a person: the start
// form made from /api/capabilities refuses a bad option next to its field; a CPU session on the
// workload shows its hot function; a brushed range on the time strip redraws the graph for that
// range; two panels sit side by side; a reload comes back to the same view from the URL; a tab
// closed without Stop leaves a session that another tab lists and stops, or that ends by its lease.
// The scheduler layer's test (thread timeline, off-CPU and on-CPU flame graphs, wakers, time series)
// is in scheduler.mjs, the activity lane's (slow system calls on the timeline and in the breakdown)
// in activity.mjs, run after these. BROWSER_TESTS=cpu,token,scheduler,activity runs some of them.
// Screenshots and measurements go to tests/artifacts/. Everything it starts is stopped on the way
// out, failed or not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ARTIFACTS, buildC, chosen, helpers, openPage, startAgent, startProgram, state, step, stopProcess, waitFor,
} from './lib.mjs';
import { activityTest } from './activity.mjs';
import { gpuTest } from './gpu.mjs';
import { schedulerTest } from './scheduler.mjs';
import { tuningTest } from './tuning.mjs';

const HOT = 'browser_test_hot_function';
const WORKLOAD_SECONDS = 120;

const WORKLOAD_C = `
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Where the time goes: a bounded burst of arithmetic, tens of milliseconds per call. */
__attribute__((noinline)) unsigned long ${HOT}(unsigned long seed) {
  volatile unsigned long acc = seed;
  for (unsigned long i = 0; i < 20000000UL; i++) acc = acc * 6364136223846793005UL + 1442695040888963407UL;
  return acc;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 120;
  if (!(seconds > 0) || seconds > 120) seconds = 120; /* never runs longer than two minutes */
  double end = now() + seconds;
  unsigned long acc = 1;
  while (now() < end) acc ^= ${HOT}(acc);
  printf("%lu\\n", acc);
  return 0;
}
`;


/** Builds the workload (once) and starts one that runs `seconds`. */
function startWorkload(seconds) {
  return startProgram(buildC('browser_workload', { text: WORKLOAD_C }), [seconds]);
}

test('a workspace on a live CPU session, in the browser', { timeout: 360_000, skip: !chosen('cpu') }, async (t) => {
  state.workload = startWorkload(WORKLOAD_SECONDS);
  const pid = state.workload.pid;
  const { child: agent, base, exit: agentExit } = await startAgent('127.0.0.1', [], 'agent.log');
  const api = async (path, init) => {
    const r = await fetch(base + path, init);
    return { status: r.status, body: r.status === 204 ? null : await r.json().catch(() => null) };
  };

  let page = await openPage(`${base}/`);
  let h = helpers(page);
  assert.equal(await page.title(), 'SystemScope');
  const FG = 'cpu.flamegraph';

  await step(t, 'the start form is made from the capabilities, and the picker lists the workload', async () => {
    await h.byId('source-cpu').waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await h.byId('source-cpu').isChecked(), 'cpu is chosen by default');
    assert.equal(await h.byId('option-cpu-frequency').inputValue(), '99');
    assert.match(await h.text(page.locator('[data-source="cpu"]')), /Whole number from 1 to 10000 Hz; default 99 Hz/);
    await h.byId('process-filter').fill(String(pid));
    const row = h.byId(`process-row-${pid}`);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], String(pid));
    assert.match(cells[3], /browser_workload/, `command line cell: ${cells[3]}`);
    // Keyboard: from the filter, ArrowDown reaches the first match and Enter chooses it.
    await h.byId('process-filter').press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), `process-row-${pid}`);
    await page.keyboard.press('Enter');
    assert.equal(await row.getAttribute('aria-selected'), 'true');
    assert.match(await h.text(h.byId('filter-summary')), new RegExp(`pid ${pid}`));
  });

  await step(t, 'an invalid option is refused next to its field, and nothing is sent', async () => {
    const posts = () => page.requests.filter((r) => r.method === 'POST' && r.path === '/api/sessions').length;
    for (const [value, pattern] of [['99.5', /not a whole number/], ['0', /out of range/], ['many', /not a number/]]) {
      await h.byId('option-cpu-frequency').fill(value);
      await h.byId('start').click();
      const error = h.byId('error-option-cpu-frequency');
      await error.waitFor({ state: 'visible', timeout: 5000 });
      assert.match(await h.text(error), pattern);
      assert.equal(await h.byId('option-cpu-frequency').getAttribute('aria-invalid'), 'true');
    }
    assert.equal(posts(), 0, 'no session was requested');
    await page.screenshot({ path: join(ARTIFACTS, 'ui-start-form.png') });
    await h.byId('option-cpu-frequency').fill('99');
  });

  let sessionId = '';
  await step(t, 'start: the session view opens, samples of the workload arrive and the flame graph is drawn', async () => {
    const startedAt = Date.now();
    await h.byId('start').click();
    await h.byId('view-session').waitFor({ state: 'visible', timeout: 10_000 });
    sessionId = new URL(page.url()).searchParams.get('session');
    assert.ok(sessionId, `the URL names the session: ${page.url()}`);
    const s = (await api(`/api/sessions/${sessionId}`)).body;
    assert.deepEqual(s.filter.pids, [pid]);
    assert.equal(s.lease.kind, 'viewed');
    await h.panel(FG).waitFor({ state: 'visible', timeout: 10_000 });
    await waitFor('samples on the canvas', async () => Number(await h.inPanel(FG, 'flamegraph-canvas').getAttribute('data-total-samples')) > 0, 20_000);
    console.log(`# first samples on screen ${Date.now() - startedAt} ms after Start`);
    assert.equal(await h.text(h.byId('stat-state')), 'running');
    assert.match(await h.text(h.byId('stat-target')), new RegExp(`pid ${pid}`));
    assert.ok(await h.inPanel(FG, 'flamegraph-empty').isHidden(), 'no empty-state message');
    // Counters per source, with rates measured from consecutive snapshots.
    await waitFor('a measured samples rate', async () => /^[\d.,]+\/s$/.test(await h.text(h.byId('counter-rate-cpu-samples')).catch(() => '')), 10_000);
    assert.match(await h.text(h.byId('counter-value-cpu-samples')), /^[\d,]+$/);
    assert.ok(await h.byId('process-picker').isHidden(), 'the form and its picker are gone');
  });

  let share = 0;
  await step(t, `searching ${HOT} highlights it with more than half of the samples`, async () => {
    await h.inPanel(FG, 'search-input').fill(HOT);
    const result = await waitFor('a search share above 50%', async () => {
      const s = await h.text(h.inPanel(FG, 'search-result'));
      const m = /^([\d,]+) frames?, [<>]?([\d.]+)% of samples$/.exec(s);
      return m && Number(m[2]) > 50 ? s : null;
    }, 20_000, 250);
    share = Number(/([\d.]+)%/.exec(result)[1]);
    console.log(`# search result: "${result}"`);
    // The top-functions table lists it too.
    await waitFor('the hot function in the top functions', async () => (await h.panel(FG).getByTestId('top-row').allTextContents()).some((r) => r.includes(HOT)), 5000);
  });

  await step(t, 'hovering the match shows a tooltip naming the function; a click zooms into it', async () => {
    const canvas = h.inPanel(FG, 'flamegraph-canvas');
    const rect = await waitFor('a visible match rectangle', () => canvas.getAttribute('data-match-rect'), 5000);
    const [x, y, w, hh] = rect.split(',').map(Number);
    assert.ok(w > 20, `the widest match is ${w}px wide`);
    const box = await canvas.boundingBox();
    await page.mouse.move(box.x + x + w / 2, box.y + y + hh / 2);
    await h.inPanel(FG, 'flamegraph-tooltip').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await h.text(h.inPanel(FG, 'tooltip-name')), HOT);
    const tip = await h.text(h.inPanel(FG, 'flamegraph-tooltip'));
    assert.match(tip, /native/i, `tooltip: ${tip}`);
    assert.match(tip, /samples\s*[\d,]+/, `tooltip: ${tip}`);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-flamegraph.png') });
    await page.mouse.click(box.x + x + w / 2, box.y + y + hh / 2);
    await waitFor('the breadcrumb to end at the hot function', async () => (await h.text(h.inPanel(FG, 'breadcrumb'))).endsWith(HOT), 5000);
    await h.inPanel(FG, 'reset-zoom').click();
    await waitFor('the breadcrumb to clear', async () => (await h.text(h.inPanel(FG, 'breadcrumb'))) === '', 5000);
  });

  await step(t, 'pause: state, samples and elapsed time stand still; resume', async () => {
    await h.byId('pause').click();
    await waitFor('state "paused"', async () => (await h.text(h.byId('stat-state'))) === 'paused', 5000);
    await sleep(1500);
    const samples = await h.text(h.byId('counter-value-cpu-samples'));
    const elapsed = await h.text(h.byId('stat-elapsed'));
    await sleep(2500);
    assert.equal(await h.text(h.byId('counter-value-cpu-samples')), samples, 'no samples while paused');
    assert.equal(await h.text(h.byId('stat-elapsed')), elapsed, 'elapsed does not count while paused');
    await h.byId('resume').click();
    await waitFor('state "running"', async () => (await h.text(h.byId('stat-state'))) === 'running', 5000);
  });

  let liveTotal = 0;
  let rangeQuery = null;
  await step(t, 'brushing a range on the time strip redraws the graph for that range', async () => {
    const canvas = h.inPanel(FG, 'flamegraph-canvas');
    const strip = h.inPanel(FG, 'time-strip');
    await waitFor('at least four windows on the strip', async () => Number(await strip.getAttribute('data-windows')) >= 4, 20_000);
    liveTotal = Number(await canvas.getAttribute('data-total-samples'));
    const queriesBefore = Number(await canvas.getAttribute('data-queries'));
    const since = Date.now();
    const box = await strip.boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + 12, { steps: 6 });
    await page.mouse.up();
    await waitFor('the graph in range mode', async () => (await canvas.getAttribute('data-mode')) === 'range' && (await canvas.getAttribute('data-range')), 10_000);
    const ranged = h.requestsTo(`/models/${FG}`, since).filter((r) => r.query.has('t0') && r.query.has('t1'));
    assert.ok(ranged.length >= 1, 'a ?t0&t1 query was made through the binding');
    rangeQuery = { t0: Number(ranged[0].query.get('t0')), t1: Number(ranged[0].query.get('t1')) };
    assert.ok(rangeQuery.t1 > rangeQuery.t0, JSON.stringify(rangeQuery));
    assert.ok(Number(await canvas.getAttribute('data-queries')) > queriesBefore);
    const rangeTotal = Number(await canvas.getAttribute('data-total-samples'));
    assert.ok(rangeTotal > 0 && rangeTotal < liveTotal, `range total ${rangeTotal} < live total ${liveTotal}`);
    assert.match(await h.text(h.inPanel(FG, 'range-label')), /^Range .* windows?/);
    const url = new URL(page.url());
    assert.equal(Number(url.searchParams.get('t0')), rangeQuery.t0, 'the URL keeps the range');
    await page.screenshot({ path: join(ARTIFACTS, 'ui-range.png') });
  });

  await step(t, 'a reload restores the view from the URL: the session, the panel and the range', async () => {
    const before = page.url();
    await page.reload();
    await h.panel(FG).waitFor({ state: 'visible', timeout: 10_000 });
    const canvas = h.inPanel(FG, 'flamegraph-canvas');
    await waitFor('the restored range view with samples', async () =>
      (await canvas.getAttribute('data-mode')) === 'range' && Number(await canvas.getAttribute('data-total-samples')) > 0, 15_000);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('session'), sessionId);
    assert.equal(Number(url.searchParams.get('t0')), rangeQuery.t0);
    assert.equal(page.url(), before, 'the same URL after the reload');
    assert.equal(await h.text(h.byId('stat-state')), 'running');
  });

  await step(t, 'two panels side by side: a second view of the flame graph, in diff mode against a baseline', async () => {
    await h.inPanel(FG, 'panel-duplicate').click();
    const second = `${FG}~2`;
    await h.panel(second).waitFor({ state: 'visible', timeout: 5000 });
    await h.byId('layout-columns').click();
    const a = await h.panel(FG).boundingBox();
    const b = await h.panel(second).boundingBox();
    assert.ok(Math.abs(a.y - b.y) < 2 && b.x >= a.x + a.width - 2, `side by side: ${JSON.stringify({ a, b })}`);
    // The shared range applies to both; the second compares it with the period before it.
    const since = Date.now();
    await h.inPanel(second, 'compare-mode').selectOption('range');
    const canvas2 = h.inPanel(second, 'flamegraph-canvas');
    await waitFor('the second panel drawn as a diff', async () => (await canvas2.getAttribute('data-colouring')) === 'diff', 10_000);
    assert.ok(h.requestsTo(`/models/${FG}`, since).some((r) => r.query.has('baseline.t0')), 'a diff query with a baseline range');
    await h.inPanel(second, 'orientation').click();
    await waitFor('the second panel drawn as an icicle', async () => (await canvas2.getAttribute('data-orientation')) === 'icicle', 5000);
    assert.ok(Number(await h.inPanel(FG, 'flamegraph-canvas').getAttribute('data-total-samples')) > 0);
    assert.match(new URL(page.url()).searchParams.get('panels'), /cpu\.flamegraph,cpu\.flamegraph~2/);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-two-panels.png') });
    // Back to live for what follows.
    await h.inPanel(FG, 'range-clear').click();
    await waitFor('live again', async () => (await h.inPanel(FG, 'flamegraph-canvas').getAttribute('data-mode')) === 'live', 5000);
    await h.inPanel(second, 'panel-close').click();
  });

  await step(t, 'a flame graph diffed against another session’s', async () => {
    const other = await api('/api/sessions', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pid, detached: true, durationSeconds: 60 }),
    });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const otherId = other.body.id;
    try {
      await waitFor('history in the other session', async () => {
        const r = await api(`/api/sessions/${otherId}/models/cpu.flamegraph?t0=0`);
        return r.status === 200 && r.body.totalSamples > 0;
      }, 15_000, 500);
      const since = Date.now();
      await h.inPanel(FG, 'compare-mode').selectOption('session');
      const choice = `${otherId}/cpu.flamegraph`;
      await waitFor('the other session offered', async () => (await h.inPanel(FG, 'compare-session').locator('option').evaluateAll((os) => os.map((o) => o.value))).includes(choice), 10_000);
      await h.inPanel(FG, 'compare-session').selectOption(choice);
      const canvas = h.inPanel(FG, 'flamegraph-canvas');
      await waitFor('the graph drawn as a diff', async () => (await canvas.getAttribute('data-colouring')) === 'diff' && (await canvas.getAttribute('data-mode')) === 'diff', 10_000);
      const q = h.requestsTo(`/models/${FG}`, since).find((r) => r.query.get('baseline.session') === otherId);
      assert.ok(q, 'a query with baseline.session');
      assert.equal(q.query.get('baseline.model'), 'cpu.flamegraph');
      await page.screenshot({ path: join(ARTIFACTS, 'ui-diff-sessions.png') });
      await h.inPanel(FG, 'compare-mode').selectOption('off');
      await waitFor('live again', async () => (await canvas.getAttribute('data-mode')) === 'live', 5000);
    } finally {
      await api(`/api/sessions/${otherId}`, { method: 'DELETE' });
    }
  });

  await step(t, 'changing the processes of a running session asks first', async () => {
    await h.byId('change-filter').click();
    await h.byId('filter-editor').waitFor({ state: 'visible', timeout: 5000 });
    await h.byId('edit-process-row-all').click();
    await h.byId('filter-apply').click();
    await h.byId('confirm-dialog').waitFor({ state: 'visible', timeout: 5000 });
    await h.byId('confirm-cancel').click();
    assert.deepEqual((await api(`/api/sessions/${sessionId}`)).body.filter.pids, [pid], 'the filter is unchanged');
    await h.byId('change-filter').click();
  });

  await step(t, 'nothing polls while the lists are not shown', async () => {
    const since = Date.now();
    await sleep(7000);
    assert.deepEqual(h.requestsTo('/api/processes', since), [], 'no process-list request');
    assert.deepEqual(h.requestsTo('/api/sessions', since).filter((r) => r.path === '/api/sessions'), [], 'no session-list request');
  });

  await step(t, 'a tab closed without Stop: another tab lists the session and stops it', async () => {
    await page.close();
    page = await openPage(`${base}/`);
    h = helpers(page);
    const item = h.byId(`session-item-${sessionId}`);
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await waitFor('the lease to show no viewer', async () => /no viewer: ends in \d+/.test(await h.text(h.byId(`session-lease-${sessionId}`))), 10_000);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-sessions.png') });
    await h.byId(`session-stop-${sessionId}`).click();
    await waitFor('the session to leave the list', async () => !(await item.isVisible()), 10_000);
    const after = await api(`/api/sessions/${sessionId}`);
    assert.ok(after.status === 404 || after.body?.state === 'stopped', `after stop: ${after.status} ${JSON.stringify(after.body)}`);
    if (after.body) assert.match(after.body.endReason ?? '', /user/);
  });

  await step(t, 'a viewed session ends by its lease when its last viewer leaves, and says why', async () => {
    await h.byId('advanced').click();
    await h.byId('session-graceSeconds').fill('2');
    await h.byId('start').click();
    await h.byId('view-session').waitFor({ state: 'visible', timeout: 10_000 });
    const id = new URL(page.url()).searchParams.get('session');
    assert.equal((await api(`/api/sessions/${id}`)).body.lease.graceSeconds, 2);
    await page.close();
    // Asking about the session (GET /api/sessions/ID) would renew its lease: watch the list instead.
    const closedAt = Date.now();
    await waitFor('the session to stop by itself', async () => !(await api('/api/sessions')).body.some((s) => s.id === id), 15_000, 250);
    console.log(`# the session stopped ${Date.now() - closedAt} ms after its last viewer left (grace 2 s)`);
    const ended = (await api(`/api/sessions/${id}`)).body;
    assert.equal(ended?.state, 'stopped', JSON.stringify(ended));
    assert.ok(ended.endReason, 'it says why it ended');
    page = await openPage(`${base}/?session=${id}`);
    h = helpers(page);
    await h.byId('session-ended').waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok((await h.text(h.byId('session-ended'))).includes(ended.endReason), await h.text(h.byId('session-ended')));
    assert.equal(await h.text(h.byId('stat-state')), 'stopped');
    await page.screenshot({ path: join(ARTIFACTS, 'ui-lease-ended.png') });
  });

  await step(t, 'a target that exits shows "target exited"', async () => {
    const short = startWorkload(8);
    page = await openPage(`${base}/`);
    h = helpers(page);
    await h.byId('process-filter').fill(String(short.pid));
    await h.byId(`process-row-${short.pid}`).click();
    await h.byId('start').click();
    await h.byId('view-session').waitFor({ state: 'visible', timeout: 10_000 });
    await waitFor('"target exited"', async () => (await h.text(h.byId('stat-state'))) === 'target exited', 20_000);
    assert.ok(await h.byId('target-exited').isVisible());
    await h.byId('stop').click();
    await waitFor('stopped', async () => (await h.text(h.byId('stat-state'))) === 'stopped', 10_000);
  });

  await step(t, 'a kernel thread that records nothing gets a hint, not "press Start"', async () => {
    await h.byId('new-session').click();
    await h.byId('process-filter').fill('kthreadd');
    await h.byId('process-row-2').click();
    await h.byId('start').click();
    await h.panel(FG).waitFor({ state: 'visible', timeout: 10_000 });
    const empty = h.inPanel(FG, 'flamegraph-empty');
    await waitFor('the kernel-thread hint', async () => /kernel thread/.test(await h.text(empty)), 15_000);
    assert.doesNotMatch(await h.text(empty), /press start/i);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-kernel-thread.png') });
    await h.byId('stop').click();
    await waitFor('stopped', async () => (await h.text(h.byId('stat-state'))) === 'stopped', 10_000);
  });

  await step(t, 'measurements: a 100k-node flame graph and 100k timeline slices drawn in chromium', async () => {
    await h.inPanel(FG, 'search-input').fill('function_12');
    const measured = await page.evaluate((nodes) => {
      // A deterministic synthetic call tree in the agent's columnar format.
      let s = 12345;
      const rand = (n) => {
        s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
        return (s >>> 0) % n;
      };
      const names = [];
      const kinds = [];
      const modules = [];
      const frameOf = new Map();
      const frame = (name, kind, module) => {
        const key = `${kind}:${name}`;
        let id = frameOf.get(key);
        if (id === undefined) {
          id = names.length;
          names.push(name); kinds.push(kind); modules.push(module);
          frameOf.set(key, id);
        }
        return id;
      };
      frame('all', 0, null);
      const parents = [-1];
      const frames = [0];
      const depth = [0];
      const childKey = new Map();
      while (parents.length < nodes) {
        const p = parents.length <= 6 ? 0 : parents.length - 1 - rand(Math.min(parents.length - 1, 5000));
        const d = depth[p] + 1;
        const f = d === 1 ? frame(`proc${rand(6)}`, 1, null)
          : rand(12) === 0 ? frame(`kernel_fn_${rand(400)}`, 2, 'kernel')
          : rand(10) === 0 ? frame(`Jit.Method${rand(2000)}`, 4, 'jit')
          : frame(`function_${rand(6000)}`, 3, 'app');
        const key = p * 65536 + f;
        if (childKey.has(key)) continue;
        childKey.set(key, parents.length);
        parents.push(p); frames.push(f); depth.push(d);
      }
      const selfs = parents.map((_, i) => (i === 0 ? 0 : 1 + rand(50)));
      const totals = selfs.slice();
      for (let i = parents.length - 1; i > 0; i--) totals[parents[i]] += totals[i];
      const update = {
        epoch: 1000, version: 1, full: true, totalSamples: totals[0], frameBase: 0,
        frameNames: names, frameModules: modules, frameKinds: kinds, nodeBase: 0,
        nodeParents: parents, nodeFrames: frames, nodeTotals: totals, nodeSelfs: selfs,
        updatedNodes: [], updatedTotals: [], updatedSelfs: [],
      };
      const hook = window.__systemscope.flamegraph;
      const first = hook.load(update);
      const redraws = [];
      for (let i = 0; i < 5; i++) redraws.push(hook.redraw());
      // 100k slices: every row on one tall canvas (2,624 px), and a 900 px viewport of the same data.
      const timeline = window.__systemscope.bench.timeline(100_000, 100, 1600, 7, 0);
      const timelineViewport = window.__systemscope.bench.timeline(100_000, 100, 1600, 7, 900);
      return { first, redraws, timeline, timelineViewport };
    }, 100_000);
    const { first, redraws, timeline, timelineViewport } = measured;
    assert.ok(first.nodes >= 100_000, `loaded ${JSON.stringify(first)}`);
    assert.ok(first.visible > 0 && first.visible < first.nodes, `visible ${first.visible} of ${first.nodes}`);
    assert.equal(timeline.slices, 100_000, JSON.stringify(timeline));
    const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const summary = {
      nodes: first.nodes,
      visible: first.visible,
      firstDraw: { layoutMs: first.layoutMs, searchMs: first.searchMs, visibleMs: first.visibleMs, drawMs: first.drawMs, rasterMs: first.rasterMs },
      redrawMedian: {
        visibleMs: median(redraws.map((r) => r.visibleMs)),
        drawMs: median(redraws.map((r) => r.drawMs)),
        rasterMs: median(redraws.map((r) => r.rasterMs)),
      },
      timeline100k: { allRows: timeline, viewport900px: timelineViewport },
      profile: { searchShare: share },
    };
    writeFileSync(join(ARTIFACTS, 'browser-measurements.json'), JSON.stringify(summary, null, 2) + '\n');
    console.log(`# 100k nodes and 100k timeline slices in chromium: ${JSON.stringify(summary)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-flamegraph-100k.png') });
  });

  assert.deepEqual([...page.errors], [], 'no uncaught errors in the page');
  if (state.logs.length) console.log(`# console errors in the page: ${state.logs.join(' | ')}`);
  const running = (await api('/api/sessions')).body.filter((s) => s.state !== 'stopped');
  assert.deepEqual(running, [], 'no session left running');

  await stopProcess(agent, 'agent');
  console.log(`# agent exit after SIGTERM: ${JSON.stringify(await agentExit)}`);
});

test('with a token: the page passes ?token= on to the API and the live stream', { timeout: 90_000, skip: !chosen('token') }, async (t) => {
  // Beyond loopback the agent wants a token on every /api request. The page is opened with
  // ?token=… and must send it as a bearer header on fetches and as ?token= on the EventSource.
  const token = `browser-test-${process.pid}-${Date.now()}-token`;
  const tokenFile = join(state.work, 'token');
  writeFileSync(tokenFile, token + '\n');
  const { child: agent, port } = await startAgent('0.0.0.0', ['--token-file', tokenFile], 'agent-token.log', token);
  const base = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${base}/api/health`)).status, 401, 'the API refuses requests without the token');
  const page = await openPage(null);
  const h = helpers(page);

  await step(t, 'without the token the page says the agent refused', async () => {
    await page.goto(`${base}/`);
    await waitFor('the picker to report the refusal', async () => /unauthori[sz]ed/i.test(await h.text(h.byId('process-status'))), 10_000);
  });

  await step(t, 'with ?token= the form loads, a session streams samples, and the URL keeps the token', async () => {
    await page.goto(`${base}/?token=${encodeURIComponent(token)}`);
    await waitFor('the process list', async () => /^\d+ processes/.test(await h.text(h.byId('process-status'))), 10_000);
    await h.byId('source-cpu').waitFor({ state: 'visible', timeout: 10_000 });
    await h.byId('start').click();
    await waitFor('samples from the stream', async () =>
      Number(await h.inPanel('cpu.flamegraph', 'flamegraph-canvas').getAttribute('data-total-samples')) > 0, 20_000);
    assert.equal(new URL(page.url()).searchParams.get('token'), token);
    await h.byId('stop').click();
    await waitFor('state "stopped"', async () => (await h.text(h.byId('stat-state'))) === 'stopped', 10_000);
    assert.ok(await h.byId('error').isHidden(), `no error: ${await h.text(h.byId('error'))}`);
  });

  await page.close();
  await stopProcess(agent, 'agent');
});

// The scheduler layer's test and the activity lane's (modules of their own), after these.
schedulerTest();
activityTest();
gpuTest();
tuningTest();
