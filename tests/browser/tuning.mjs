// Browser test of the findings panel: a latency-sensitive process (wake_often) and three spinning
// threads pinned to CPU 1, in a CPU cgroup of the largest weight so the machine's other work does not
// decide the figures; the agent runs with --allow-tuning and a journal of the test's own. A person
// advises, sees the contention finding with its evidence link, dry-runs and applies its first action,
// sees the verdict with a before/after chart in the journal, and rolls back when it was kept.
//
// Registered by run.mjs; BROWSER_TESTS=tuning runs this one alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ARTIFACTS, ROOT, buildC, chosen, helpers, openPage, startAgent, startProgram, state, step, waitFor } from './lib.mjs';

function heavyGroup() {
  const v1 = '/sys/fs/cgroup/cpu';
  const path = join(existsSync(join(v1, 'cpu.shares')) ? v1 : '/sys/fs/cgroup/unified', `systemscope-browser-${process.pid}`);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, existsSync(join(v1, 'cpu.shares')) ? 'cpu.shares' : 'cpu.weight'), existsSync(join(v1, 'cpu.shares')) ? '262144' : '10000');
  return { add: (pid) => writeFileSync(join(path, 'cgroup.procs'), String(pid)), remove: () => { try { rmdirSync(path); } catch { /* processes still exiting */ } } };
}

export function tuningTest() {
test('findings and tuning in the browser: advise, dry run, apply, verdict, rollback', { timeout: 300_000, skip: !chosen('tuning') }, async (t) => {
  const group = heavyGroup();
  const victim = startProgram('taskset', ['-c', '1', buildC('wake_often', { file: join(ROOT, 'tests/workloads/wake_often.c') }), 200]);
  const hogs = startProgram('taskset', ['-c', '1', buildC('spinners', { file: join(ROOT, 'tests/workloads/spinners.c'), flags: ['-pthread'] }), 3, 200]);
  await sleep(300);
  group.add(victim.pid);
  group.add(hogs.pid);
  process.env.SYSTEMSCOPE_TUNING_JOURNAL = join(state.work, 'tuning-journal.json');
  const { base } = await startAgent('127.0.0.1', ['--allow-tuning'], 'agent-tuning.log');
  const page = await openPage(`${base}/`);
  const h = helpers(page);
  const finding = page.locator(`[data-testid="finding"][data-id="cpu-contention.pid${victim.pid}"]`);

  try {
    await step(t, 'advise: the contention finding with its evidence and a link to sched.runqlat', async () => {
      await h.byId('advise-duration').fill('5');
      await h.byId('advise').click();
      await finding.waitFor({ state: 'visible', timeout: 60_000 });
      assert.match(await h.text(finding.getByTestId('evidence-link').first()), /open sched\.runqlat/);
      await page.screenshot({ path: join(ARTIFACTS, 'ui-findings.png'), fullPage: true });
    });

    await step(t, 'dry run names the exact writes; apply ends in a verdict with a before/after chart', async () => {
      await finding.getByTestId('dry-run').first().click();
      await waitFor('the dry run', async () => /process\.nice pid:\d+ 0 → 19/.test(await h.text(finding.getByTestId('finding-result'))), 60_000);
      await finding.getByTestId('apply').first().click();
      const entry = h.byId('journal-entry').first();
      await waitFor('a verdict in the journal', async () => ['Kept', 'RolledBack', 'NotApplied'].includes(await entry.getAttribute('data-state') ?? ''), 180_000, 1000);
      assert.match((await entry.locator('svg').getAttribute('aria-label')) ?? '', /run-queue latency p99 .*before [\d.]+, after [\d.–]+ us/);
      await page.screenshot({ path: join(ARTIFACTS, 'ui-tuning-journal.png'), fullPage: true });
      if ((await entry.getAttribute('data-state')) === 'Kept') {
        await entry.getByTestId('rollback').click();
        await waitFor('the rollback', async () => (await entry.getAttribute('data-state')) === 'RolledBack', 30_000);
      }
      assert.deepEqual(page.errors, []);
    });
  } finally {
    victim.kill();
    hogs.kill();
    await sleep(500);
    group.remove();
  }
});
}
