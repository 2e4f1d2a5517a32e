// Shared by the browser tests (run.mjs and the scheduler layer's scheduler.mjs): the agent, Debian's
// chromium through playwright-core, pages with their API requests logged, C workloads built with
// gcc, steps that stop a test at the first failure, and clean-up of everything started, failed or not.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(ROOT, 'tests/artifacts');
export const BINARY = process.env.SYSTEMSCOPE_BINARY;
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const state = { work: '', agents: [], workload: null, workloads: [], context: null, page: null, logs: [], failed: false };

/**
 * Runs one step as a subtest and stops the run at the first failure (later steps build on earlier
 * ones), leaving a full-page screenshot of the moment it failed.
 */
export async function step(t, name, fn) {
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
export async function waitFor(what, probe, timeoutMs, intervalMs = 200) {
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

export function freePort() {
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
export async function stopProcess(child, name) {
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
export async function startAgent(host, extraArgs, logName, token = null) {
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
export async function ensureBrowser() {
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


before(async () => {
  assert.ok(BINARY, 'SYSTEMSCOPE_BINARY must name the agent binary (e.g. SYSTEMSCOPE_BINARY=$PWD/out/systemscope)');
  assert.ok(existsSync(BINARY), `SYSTEMSCOPE_BINARY=${BINARY} does not exist: run 'make build'`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(ARTIFACTS, { recursive: true });
  rmSync(join(ARTIFACTS, 'ui-failure.png'), { force: true });
  state.work = mkdtempSync(join(tmpdir(), 'systemscope-browser-'));
});

after(async () => {
  await state.context?.close().catch(() => {});
  for (const agent of state.agents) await stopProcess(agent, 'agent');
  await stopProcess(state.workload, 'workload');
  for (const w of state.workloads) await stopProcess(w, 'workload');
  if (state.work) rmSync(state.work, { recursive: true, force: true });
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    // Synchronous best effort: children die with us rather than outlive the run.
    for (const child of [...state.agents, state.workload, ...state.workloads]) child?.kill('SIGKILL');
    process.exit(130);
  });
}


/**
 * Compiles a C workload (a file under tests/browser/, or source text) into the run's work folder,
 * once, with frame pointers so that stacks walk; returns the executable's path.
 */
export function buildC(name, { file = null, text = null, flags = [] } = {}) {
  const exe = join(state.work, name);
  if (existsSync(exe)) return exe;
  const source = file ?? join(state.work, `${name}.c`);
  if (text !== null) writeFileSync(source, text);
  const cc = spawnSync('gcc', ['-O1', '-fno-omit-frame-pointer', '-g', ...flags, '-o', exe, source], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `gcc failed for ${name}: ${cc.stderr}`);
  return exe;
}

/** Starts a workload (stopped at the end of the run, whatever happens). */
export function startProgram(exe, args) {
  const child = spawn(exe, args.map(String), { stdio: 'ignore' });
  assert.ok(child.pid > 0, `${exe} did not start`);
  state.workloads.push(child);
  return child;
}

/** Whether a test is chosen: BROWSER_TESTS=cpu,token,scheduler runs some of them (default: all). */
export function chosen(name) {
  const only = (process.env.BROWSER_TESTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return only.length === 0 || only.includes(name);
}

/** A page with its errors collected and a log of the API requests it makes. */
export async function openPage(url) {
  await ensureBrowser();
  const page = await state.context.newPage();
  state.page = page;
  page.errors = [];
  page.requests = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') state.logs.push(m.text());
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) page.requests.push({ at: Date.now(), method: r.method(), path: u.pathname, query: u.searchParams });
  });
  if (url) await page.goto(url);
  return page;
}

export const helpers = (page) => {
  const byId = (id) => page.getByTestId(id, { exact: true });
  const panel = (key) => page.locator(`[data-panel="${key}"]`);
  const inPanel = (key, id) => panel(key).getByTestId(id, { exact: true });
  const text = async (locator) => ((await locator.textContent()) ?? '').trim();
  const attr = (locator, name) => locator.getAttribute(name);
  const requestsTo = (pathPart, since = 0) => page.requests.filter((r) => r.at >= since && r.path.includes(pathPart));
  return { byId, panel, inPanel, text, attr, requestsTo };
};

