// Browser test: the embedded web UI in Debian's chromium, driven like a person would, against the
// real agent binary profiling a real workload.
//
//   SYSTEMSCOPE_BINARY=/abs/path/out/systemscope node tests/browser/run.mjs
//
// It builds a small C workload whose hot function has a distinctive name, starts
// `systemscope serve` on a free loopback port, opens the page, picks the workload in the process
// picker, starts a CPU profile, and checks what is on screen: samples arrive, searching the hot
// function reports more than half of the samples, hovering the match shows its name, zoom, pause,
// resume, reset and stop work. Screenshots and measurements go to tests/artifacts/. Everything it
// starts is stopped on the way out, failed or not.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = join(ROOT, 'tests/artifacts');
const BINARY = process.env.SYSTEMSCOPE_BINARY;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HOT = 'browser_test_hot_function';
const WORKLOAD_SECONDS = 60;

const state = { work: '', agents: [], workload: null, context: null, page: null, logs: [], failed: false };

/**
 * Runs one step as a subtest and stops the run at the first failure (later steps build on earlier
 * ones), leaving a full-page screenshot of the moment it failed.
 */
async function step(t, name, fn) {
  let error = null;
  await t.test(name, async () => {
    try {
      await fn();
    } catch (e) {
      error = e;
      throw e;
    }
  });
  if (error) {
    state.failed = true;
    await state.page?.screenshot({ path: join(ARTIFACTS, 'ui-failure.png'), fullPage: true }).catch(() => {});
    throw new Error(`step failed: ${name}`);
  }
}

/** Polls `probe` until it returns a truthy value; fails with `what` after `timeoutMs`. */
async function waitFor(what, probe, timeoutMs, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await sleep(intervalMs);
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Stops a child process: SIGTERM, then SIGKILL if it lingers. */
async function stopProcess(child, name) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    console.log(`# ${name} ignored SIGTERM; killing it`);
    child.kill('SIGKILL');
    await exited;
  }
}

/** Starts `systemscope serve` on a free port of `host` and waits until /api/health answers. */
async function startAgent(host, extraArgs, logName, token = null) {
  const port = await freePort();
  const health = `http://127.0.0.1:${port}/api/health`;
  // Output goes straight to a file: the log is kept whatever happens to this script.
  const log = openSync(join(ARTIFACTS, logName), 'w');
  const child = spawn(BINARY, ['serve', '--listen', `${host}:${port}`, ...extraArgs], { stdio: ['ignore', log, log] });
  closeSync(log);
  state.agents.push(child);
  const exit = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  await waitFor('the agent to answer /api/health', async () => {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}; see tests/artifacts/${logName}`);
    const r = await fetch(health, token ? { headers: { Authorization: `Bearer ${token}` } } : undefined);
    return r.ok && (await r.json()).status === 'ok';
  }, 20_000);
  return { child, port, base: `http://127.0.0.1:${port}`, exit };
}

/** Debian's chromium through playwright-core, with a fresh profile directory. */
async function ensureBrowser() {
  if (state.context) return state.context;
  state.context = await chromium.launchPersistentContext(join(state.work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: 1,
  });
  return state.context;
}

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
  double seconds = argc > 1 ? atof(argv[1]) : 60;
  if (!(seconds > 0) || seconds > 60) seconds = 60; /* never runs longer than a minute */
  double end = now() + seconds;
  unsigned long acc = 1;
  while (now() < end) acc ^= ${HOT}(acc);
  printf("%lu\\n", acc);
  return 0;
}
`;

before(async () => {
  assert.ok(BINARY, 'SYSTEMSCOPE_BINARY must name the agent binary (e.g. SYSTEMSCOPE_BINARY=$PWD/out/systemscope)');
  assert.ok(existsSync(BINARY), `SYSTEMSCOPE_BINARY=${BINARY} does not exist: run 'make build'`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(ARTIFACTS, { recursive: true });
  state.work = mkdtempSync(join(tmpdir(), 'systemscope-browser-'));
});

after(async () => {
  await state.context?.close().catch(() => {});
  for (const agent of state.agents) await stopProcess(agent, 'agent');
  await stopProcess(state.workload, 'workload');
  if (state.work) rmSync(state.work, { recursive: true, force: true });
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    // Synchronous best effort: children die with us rather than outlive the run.
    for (const child of [...state.agents, state.workload]) child?.kill('SIGKILL');
    process.exit(130);
  });
}

test('CPU flame graph of a live process in the browser', { timeout: 180_000 }, async (t) => {
  // --- the workload --------------------------------------------------------------------------
  const source = join(state.work, 'browser_workload.c');
  const exe = join(state.work, 'browser_workload');
  writeFileSync(source, WORKLOAD_C);
  const cc = spawnSync('gcc', ['-O1', '-fno-omit-frame-pointer', '-g', '-o', exe, source], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `gcc failed: ${cc.stderr}`);
  state.workload = spawn(exe, [String(WORKLOAD_SECONDS)], { stdio: 'ignore' });
  const pid = state.workload.pid;
  assert.ok(pid > 0, 'workload did not start');

  // --- the agent -----------------------------------------------------------------------------
  const { child: agent, base, exit: agentExit } = await startAgent('127.0.0.1', [], 'agent.log');
  const api = async (path, init) => {
    const r = await fetch(base + path, init);
    return { status: r.status, body: r.status === 204 ? null : await r.json().catch(() => null) };
  };

  // --- the browser ---------------------------------------------------------------------------
  await ensureBrowser();
  const page = state.context.pages()[0] ?? (await state.context.newPage());
  state.page = page;
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') state.logs.push(m.text());
  });
  const processRequests = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/processes') processRequests.push(Date.now());
  });
  const byId = (id) => page.getByTestId(id);
  const text = async (id) => ((await byId(id).textContent()) ?? '').trim();
  const number = async (id) => Number((await text(id)).replace(/[^\d.]/g, '') || NaN);

  await page.goto(`${base}/`);
  assert.equal(await page.title(), 'SystemScope');
  await byId('process-picker').waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await text('stat-state'), 'idle');

  await step(t, 'the picker lists the workload with its command line and CPU%', async () => {
    await byId('process-filter').fill(String(pid));
    const row = byId(`process-row-${pid}`);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], String(pid));
    assert.match(cells[1], /^\d+(\.\d+)?$/, `CPU% cell: ${cells[1]}`);
    assert.match(cells[3], /browser_workload/, `command line cell: ${cells[3]}`);
    assert.ok(await byId('process-row-all').isVisible(), 'the "All processes" entry is listed');
    await row.click();
    assert.match(await text('target-label'), new RegExp(`pid ${pid}`));
    assert.ok(processRequests.length >= 1, 'the open picker loaded the process list');
  });

  await step(t, 'a frequency out of range is refused with the problem details shown', async () => {
    await byId('frequency').fill('0');
    await byId('start').click();
    await byId('error').waitFor({ state: 'visible', timeout: 10_000 });
    const shown = `${await text('error-title')} ${await text('error-detail')}`;
    assert.ok((await text('error-title')).length > 0, 'the error has a title');
    assert.match(shown, /frequen|hz/i, `error shown: ${shown}`);
    assert.equal(await text('stat-state'), 'idle');
    assert.ok(await byId('start').isEnabled());
    await byId('frequency').fill('99');
  });

  let sessionId = '';
  let requestsWhileOpen = 0;
  await step(t, 'start: samples of the workload arrive and the flame graph is drawn', async () => {
    const startedAt = Date.now();
    await byId('start').click();
    await waitFor('state "running"', async () => (await text('stat-state')) === 'running', 10_000);
    requestsWhileOpen = processRequests.length;
    assert.ok(await byId('error').isHidden(), 'no error after start');
    assert.ok(await byId('process-picker').isHidden(), 'the picker closes once the session runs');
    assert.equal(await text('stat-rate'), '99 Hz');
    const sessions = (await api('/api/sessions')).body;
    const mine = sessions.find((s) => s.pid === pid && s.state === 'running');
    assert.ok(mine, `a running session for pid ${pid}: ${JSON.stringify(sessions)}`);
    sessionId = mine.id;

    await waitFor('samples in the stats bar and on the canvas', async () =>
      (await number('stat-samples')) > 0 && Number(await byId('flamegraph-canvas').getAttribute('data-total-samples')) > 0, 20_000);
    console.log(`# first samples on screen ${Date.now() - startedAt} ms after Start`);
    assert.ok(await byId('flamegraph-empty').isHidden(), 'the empty-state message is gone');
    assert.ok(Number(await byId('flamegraph-canvas').getAttribute('data-visible')) > 1, 'frames are drawn');
    assert.match(await text('stat-lost'), /^\d[\d,]*$/);
    assert.match(await text('stat-elapsed'), /\d+s$/);
  });

  await step(t, 'the flame graph updates live', async () => {
    const seen = new Set();
    await waitFor('three different sample totals on the canvas', async () => {
      seen.add(await byId('flamegraph-canvas').getAttribute('data-total-samples'));
      return seen.size >= 3;
    }, 15_000, 100);
  });

  let share = 0;
  await step(t, `searching ${HOT} highlights it with more than half of the samples`, async () => {
    await byId('search-input').fill(HOT);
    // Early samples may include start-up; the share settles as the profile grows.
    const result = await waitFor(`a search share above 50%`, async () => {
      const s = await text('search-result');
      const m = /^([\d,]+) frames?, [<>]?([\d.]+)% of samples$/.exec(s);
      return m && Number(m[2]) > 50 ? s : null;
    }, 20_000, 250);
    share = Number(/([\d.]+)%/.exec(result)[1]);
    console.log(`# search result: "${result}"`);
    assert.ok(share > 50, `share ${share}%`);
  });

  await step(t, 'hovering the match shows a tooltip naming the function', async () => {
    const rect = await waitFor('a visible match rectangle', () => byId('flamegraph-canvas').getAttribute('data-match-rect'), 5000);
    const [x, y, w, h] = rect.split(',').map(Number);
    assert.ok(w > 20, `the widest match is ${w}px wide`);
    const box = await byId('flamegraph-canvas').boundingBox();
    await page.mouse.move(box.x + x + w / 2, box.y + y + h / 2);
    await byId('flamegraph-tooltip').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await text('tooltip-name'), HOT);
    const tip = await text('flamegraph-tooltip');
    assert.match(tip, /native/i, `tooltip: ${tip}`);
    assert.match(tip, /samples\s*[\d,]+/, `tooltip: ${tip}`);
    assert.match(tip, /of total\s*[<>]?[\d.]+%/, `tooltip: ${tip}`);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-flamegraph.png') });
  });

  await step(t, 'click zooms into the frame; reset zoom returns', async () => {
    const [x, y, w, h] = (await byId('flamegraph-canvas').getAttribute('data-match-rect')).split(',').map(Number);
    const box = await byId('flamegraph-canvas').boundingBox();
    await page.mouse.click(box.x + x + w / 2, box.y + y + h / 2);
    await waitFor('the breadcrumb to end at the hot function', async () => (await text('breadcrumb')).endsWith(HOT), 5000);
    assert.ok(await byId('reset-zoom').isEnabled());
    await waitFor('the zoomed frame to span the canvas', async () => {
      const zoomed = (await byId('flamegraph-canvas').getAttribute('data-match-rect')).split(',').map(Number);
      return zoomed[2] >= box.width - 2;
    }, 5000);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-flamegraph-zoomed.png') });
    await byId('reset-zoom').click();
    await waitFor('the breadcrumb to clear', async () => (await text('breadcrumb')) === '', 5000);
  });

  await step(t, 'pause stops the count, resume restarts it', async () => {
    await byId('pause').click();
    await waitFor('state "paused"', async () => (await text('stat-state')) === 'paused', 5000);
    assert.ok(await byId('resume').isVisible());
    await sleep(1500); // let an update already on its way land
    const frozen = await number('stat-samples');
    await sleep(2500);
    assert.equal(await number('stat-samples'), frozen, 'no samples while paused');
    await byId('resume').click();
    await waitFor('state "running"', async () => (await text('stat-state')) === 'running', 5000);
    await waitFor('samples to grow again', async () => (await number('stat-samples')) > frozen, 10_000);
  });

  await step(t, 'a reload goes back to the running session', async () => {
    await page.reload();
    await waitFor('the restored session running with samples on the canvas', async () =>
      (await text('stat-state')) === 'running' && Number(await byId('flamegraph-canvas').getAttribute('data-total-samples')) > 0, 15_000);
    assert.ok(await byId('process-picker').isHidden(), 'the picker stays closed while the session runs');
    assert.match(await text('target-label'), new RegExp(`pid ${pid}`));
    assert.ok(await byId('stop').isEnabled());
    await byId('search-input').fill(HOT);
    await waitFor('the hot function found again', async () => / of samples$/.test(await text('search-result')), 10_000);
  });

  await step(t, 'reset empties the profile, which then grows again', async () => {
    const before = await number('stat-samples');
    await byId('reset').click();
    await waitFor('a smaller sample count after reset', async () => {
      const n = await number('stat-samples');
      return n < before && n >= 0;
    }, 10_000);
    await waitFor('the hot function back in the new profile', async () => /% of samples$/.test(await text('search-result')), 15_000);
  });

  await step(t, 'the closed picker did not poll the process list', async () => {
    // The picker closed when the session started and stayed closed through everything above (half
    // a minute or more): no process-list request may have been made since.
    assert.equal(processRequests.length, requestsWhileOpen, 'no /api/processes request while the picker is closed');
  });

  await step(t, 'choosing another target while running retargets the session live', async () => {
    const before = processRequests.length;
    const epoch = Number(await byId('flamegraph-canvas').getAttribute('data-epoch'));
    await byId('picker-toggle').click();
    await byId('process-picker').waitFor({ state: 'visible', timeout: 5000 });
    // The open picker refreshes itself every few seconds.
    await waitFor('the open picker to refresh the list twice', async () => processRequests.length >= before + 2, 10_000);
    await byId('process-row-all').click();
    await waitFor('the agent to profile all processes', async () => {
      const s = (await api(`/api/sessions/${sessionId}`)).body;
      return s && s.pid === null && s.state === 'running';
    }, 10_000);
    assert.equal(await text('target-label'), 'All processes');
    assert.ok(await byId('error').isHidden(), 'no error after retarget');
    // The profile restarts for the new target: a new epoch, which fills up again.
    await waitFor('a new profile with samples, the workload among them', async () => {
      const canvas = byId('flamegraph-canvas');
      return Number(await canvas.getAttribute('data-epoch')) > epoch && Number(await canvas.getAttribute('data-total-samples')) > 0
        && / of samples$/.test(await text('search-result'));
    }, 15_000);
    await byId('picker-toggle').click();
    assert.ok(await byId('process-picker').isHidden());
    // The whole machine for a few seconds, unfiltered: the picture of the README.
    await byId('search-input').fill('');
    await page.waitForTimeout(4000);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-all-processes.png') });
  });

  await step(t, 'stop ends the session on the agent', async () => {
    await byId('stop').click();
    await waitFor('state "stopped"', async () => (await text('stat-state')) === 'stopped', 10_000);
    assert.ok(await byId('start').isEnabled());
    const after = await api(`/api/sessions/${sessionId}`);
    assert.ok(after.status === 404 || after.body?.state === 'stopped', `after stop: ${after.status} ${JSON.stringify(after.body)}`);
    const running = (await api('/api/sessions')).body.filter((s) => s.state !== 'stopped');
    assert.deepEqual(running, [], 'no session left running');
  });

  await step(t, '100k-node tree: layout and render time in the browser', async () => {
    // A search that matches a few hundred functions, so that the search pass has work too.
    await byId('search-input').fill('function_12');
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
        // Grow from a random recent node, so stacks get deep and the tree gets a long tail.
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
      return { first, redraws };
    }, 100_000);
    const { first, redraws } = measured;
    assert.ok(first.nodes >= 100_000, `loaded ${JSON.stringify(first)}`);
    assert.ok(first.visible > 0 && first.visible < first.nodes, `visible ${first.visible} of ${first.nodes}`);
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
      profile: { searchShare: share },
    };
    writeFileSync(join(ARTIFACTS, 'browser-measurements.json'), JSON.stringify(summary, null, 2) + '\n');
    console.log(`# 100k nodes in chromium: ${JSON.stringify(summary)}`);
    assert.match(await text('search-result'), /frames?, [<>]?[\d.]+% of samples$/);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-flamegraph-100k.png') });
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  if (state.logs.length) console.log(`# console errors in the page: ${state.logs.join(' | ')}`);

  await stopProcess(agent, 'agent');
  console.log(`# agent exit after SIGTERM: ${JSON.stringify(await agentExit)}`);
});

test('with a token: the page passes ?token= on to the API and the live stream', { timeout: 90_000 }, async (t) => {
  // Beyond loopback the agent wants a token on every /api request. The page is opened with
  // ?token=… and must send it as a bearer header on fetches and as ?token= on the EventSource.
  const token = `browser-test-${process.pid}-${Date.now()}-token`;
  const tokenFile = join(state.work, 'token');
  writeFileSync(tokenFile, token + '\n');
  const { child: agent, port } = await startAgent('0.0.0.0', ['--token-file', tokenFile], 'agent-token.log', token);
  const base = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${base}/api/health`)).status, 401, 'the API refuses requests without the token');
  await ensureBrowser();
  const page = await state.context.newPage();
  state.page = page;
  const byId = (id) => page.getByTestId(id);
  const text = async (id) => ((await byId(id).textContent()) ?? '').trim();

  await step(t, 'without the token the page says the agent refused', async () => {
    await page.goto(`${base}/`);
    await waitFor('the picker to report the refusal', async () => /unauthori[sz]ed/i.test(await text('process-status')), 10_000);
  });

  await step(t, 'with ?token= the picker loads and a session streams samples', async () => {
    await page.goto(`${base}/?token=${encodeURIComponent(token)}`);
    await waitFor('the process list', async () => /^\d+ processes/.test(await text('process-status')), 10_000);
    await byId('process-row-all').click();
    await byId('start').click();
    await waitFor('samples from the stream', async () =>
      Number(await byId('flamegraph-canvas').getAttribute('data-total-samples')) > 0, 20_000);
    await byId('stop').click();
    await waitFor('state "stopped"', async () => (await text('stat-state')) === 'stopped', 10_000);
    assert.ok(await byId('error').isHidden(), `no error: ${await text('error')}`);
  });

  await page.close();
  await stopProcess(agent, 'agent');
});
