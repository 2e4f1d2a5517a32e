// Browser test of the GPU views: a session with the gpu and sched sources on a CUDA driver-API
// program over the stand-in libcuda.so.1 (tests/workloads/gpu), checked as a person sees it — the
// API spans on a device track of the timeline, the per-API table, and the merged CPU + GPU flame
// graph with the kernel on top of the function that launched it, drawn as GPU work.
//
// - gpu_steps (tests/workloads/gpu/gpu_steps.c): per step a copy, 4 launches from launch_kernels
//   (vector_add, scale_kernel), a stream synchronisation (the stand-in sleeps 20 ms), a copy back;
//   between steps a 200 ms pause. It waits until the agent's probes are on its functions.
//
// Registered by run.mjs after the activity test; BROWSER_TESTS=gpu runs this one alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACTS, ROOT, buildC, chosen, helpers, openPage, startAgent, startProgram, state, step, stopProcess, waitFor,
} from './lib.mjs';

const TL = 'threads.timeline';
const LAUNCHES = 'gpu.flame.launches';
const KERNEL = 'vector_add';

/** The timeline panel's hook, evaluated in the page. */
const timeline = (page, fn, arg) => page.evaluate(([body, a]) => {
  const hook = window.__systemscope.panels['threads.timeline'];
  return new Function('tl', 'arg', body)(hook, a);
}, [fn, arg]);

/** Opens a model's panel: its tab where the workspace put one, else from the add menu. */
async function open(h, key) {
  if (await h.byId(`tab-${key}`).isVisible().catch(() => false)) await h.byId(`tab-${key}`).click();
  else if (await h.panel(key).isHidden().catch(() => true)) await h.byId(`menu-add-${key}`).click().catch(() => {});
  await h.panel(key).waitFor({ state: 'visible', timeout: 10_000 });
}

export function gpuTest() {
test('GPU calls in the browser: a device track, the per-API table, the merged flame graph', { timeout: 300_000, skip: !chosen('gpu') }, async (t) => {
  const library = buildC('libcuda.so.1', { file: join(ROOT, 'tests/workloads/gpu/cuda.c'), flags: ['-shared', '-fPIC', '-Wall'] });
  const exe = buildC('gpu_steps', { file: join(ROOT, 'tests/workloads/gpu/gpu_steps.c'), flags: ['-Wall'] });
  const workload = startProgram(exe, [library, 400, 200]);
  const { child: agent, base } = await startAgent('127.0.0.1', [], 'agent-gpu.log');
  const api = async (path) => {
    const r = await fetch(base + path);
    return { status: r.status, body: r.status === 204 ? null : await r.json().catch(() => null) };
  };
  const caps = (await api('/api/capabilities')).body;
  const gpu = caps.sources.find((s) => s.id === 'gpu');
  assert.ok(gpu?.available, `the gpu source cannot run here: ${gpu?.reason}`);
  const page = await openPage(`${base}/`);
  const h = helpers(page);
  const measured = {};
  let session = null;

  await step(t, 'start a session with the gpu and sched sources on the driver program', async () => {
    await h.byId('source-gpu').waitFor({ state: 'visible', timeout: 10_000 });
    for (const s of caps.sources) {
      const box = h.byId(`source-${s.id}`);
      if (!['gpu', 'sched'].includes(s.id) && s.available && await box.count() > 0 && await box.isChecked()) await box.uncheck();
    }
    await h.byId('source-gpu').check();
    await h.byId('source-sched').check();
    await h.byId('process-filter').fill(String(workload.pid));
    await h.byId(`process-row-${workload.pid}`).click();
    await h.byId('start').click();
    await h.byId('view-session').waitFor({ state: 'visible', timeout: 10_000 });
    session = await page.evaluate(() => window.__systemscope.binding.session());
    const ids = session.sources.map((s) => s.id);
    assert.ok(ids.includes('gpu') && ids.includes('sched'), `sources: ${ids}`);
    const models = session.models.map((m) => m.id);
    for (const id of [LAUNCHES, 'gpu.flame.copies', 'gpu.flame.waits', 'gpu.idle', 'gpu.busy', 'gpu.memory']) assert.ok(models.includes(id), `models: ${models}`);
  });

  await step(t, 'the timeline has a device track with the API calls, linked to the driver thread', async () => {
    await open(h, TL);
    // One track per process and stream: the stream's track holds the synchronisations (a call slower
    // than the threshold on the default stream, as under load, gets a track of its own).
    let device = null;
    const spans = await waitFor('API spans on the stream\'s device track', async () => {
      for (const track of (await timeline(page, 'return tl.tracks();')).filter((tr) => tr.kind === 'device')) {
        const found = await timeline(page, 'return tl.spans(arg);', track.id);
        if (found.some((s) => /cuStreamSynchronize/.test(s.label ?? ''))) {
          device = track;
          return found;
        }
      }
      return null;
    }, 30_000, 500);
    measured.device = { name: device.name, spans: spans.length, label: spans.find((s) => /cuStreamSynchronize/.test(s.label ?? '')).label };
    const thread = (await timeline(page, 'return tl.tracks();')).find((tr) => tr.kind === 'thread' && tr.tid === workload.pid);
    assert.ok(thread, 'the driver thread has a track');
    const threadSpans = await timeline(page, 'return tl.spans(arg);', thread.id);
    assert.ok(threadSpans.some((s) => /cuStreamSynchronize/.test(s.label ?? '')), 'the synchronisation is on the thread\'s activity lane too');
    const legend = await h.inPanel(TL, 'timeline-legend-category').allTextContents();
    assert.ok(legend.includes('gpu'), `the legend: ${legend}`);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-gpu-timeline.png') });
  });

  await step(t, 'the per-API table lists the calls with their counts', async () => {
    const table = session.models.find((m) => m.id === 'gpu.calls');
    assert.ok(table?.type === 'table', `the per-API table among ${session.models.map((m) => `${m.id} (${m.type})`)}`);
    await open(h, table.id);
    const text = await waitFor('cuLaunchKernel in the table', async () => {
      const t = await h.text(h.inPanel(table.id, 'table'));
      return t.includes('cuLaunchKernel') ? t : null;
    }, 30_000, 500);
    measured.table = { id: table.id, rows: (await page.evaluate((k) => window.__systemscope.panels[k].state(), table.id)).rows };
    assert.ok(text.includes('cuStreamSynchronize'), 'the synchronisation has its row');
    await page.screenshot({ path: join(ARTIFACTS, 'ui-gpu-table.png') });
  });

  await step(t, 'the merged flame graph: the kernel, drawn as GPU work, on top of launch_kernels', async () => {
    await open(h, LAUNCHES);
    const canvas = h.inPanel(LAUNCHES, 'flamegraph-canvas');
    await waitFor('launches on the canvas', async () => Number(await canvas.getAttribute('data-total-samples')) >= 8, 30_000, 500);
    const legend = await h.inPanel(LAUNCHES, 'legend').locator('li').allTextContents();
    assert.ok(legend.includes('GPU work'), `the legend names GPU work: ${legend}`);
    const rectOf = async (name) => {
      await h.inPanel(LAUNCHES, 'search-input').fill(name);
      await waitFor(`a match for ${name}`, async () => /^[\d,]+ frames?, /.test(await h.text(h.inPanel(LAUNCHES, 'search-result'))), 10_000, 250);
      const rect = await waitFor(`the match rectangle of ${name}`, () => canvas.getAttribute('data-match-rect'), 5000);
      return rect.split(',').map(Number);
    };
    // A flame graph grows upwards: the kernel sits above the launching function, within its width.
    // The live graph can re-lay out between the two searches (new stacks arrive), so both are read again until they agree.
    let last = null;
    const above = ([kx, ky, kw], [lx, ly, lw]) => ky < ly && kx >= lx - 1 && kx + kw <= lx + lw + 1;
    await waitFor('the kernel above launch_kernels', async () => {
      last = [await rectOf(KERNEL), await rectOf('launch_kernels')];
      return above(...last) ? last : null;
    }, 20_000, 500).catch(() => null);
    const [[kx, ky, kw, kh], [lx, ly, lw]] = last;
    assert.ok(above(...last), `kernel ${[kx, ky, kw]} above launch_kernels ${[lx, ly, lw]}`);
    await h.inPanel(LAUNCHES, 'search-input').fill(KERNEL);
    await waitFor('the kernel matched again', async () => (await canvas.getAttribute('data-match-rect')) !== null, 5000);
    const box = await canvas.boundingBox();
    await page.mouse.move(box.x + kx + kw / 2, box.y + ky + kh / 2);
    await h.inPanel(LAUNCHES, 'flamegraph-tooltip').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await h.text(h.inPanel(LAUNCHES, 'tooltip-name')), KERNEL);
    const tip = await h.text(h.inPanel(LAUNCHES, 'flamegraph-tooltip'));
    assert.match(tip, /GPU work/, `tooltip: ${tip}`);
    assert.match(tip, /launches/, `tooltip: ${tip}`);
    measured.flame = { tooltip: tip, kernel: [kx, ky, kw, kh], launcher: [lx, ly, lw] };
    await page.screenshot({ path: join(ARTIFACTS, 'ui-gpu-flamegraph.png') });
    await page.mouse.move(5, 5);
  });

  await step(t, 'the idle gaps and the busy share have data', async () => {
    await open(h, 'gpu.idle');
    await waitFor('idle gaps listed', async () => (await page.evaluate(() => window.__systemscope.panels['gpu.idle']?.state().rows ?? 0)) > 0, 30_000, 500);
    const text = await h.text(h.inPanel('gpu.idle', 'table'));
    assert.match(text, /sleeping/, 'a pause between steps reads as sleeping');
    writeFileSync(join(ARTIFACTS, 'browser-measurements-gpu.json'), JSON.stringify(measured, null, 2) + '\n');
    console.log(`# gpu views: ${JSON.stringify(measured)}`);
    await h.byId('stop').click();
    await waitFor('stopped', async () => (await h.text(h.byId('stat-state'))) === 'stopped', 10_000);
  });

  assert.deepEqual([...page.errors], [], 'no uncaught errors in the page');
  if (state.logs.length) console.log(`# console errors in the page: ${state.logs.join(' | ')}`);
  const running = (await api('/api/sessions')).body.filter((s) => s.state !== 'stopped');
  assert.deepEqual(running, [], 'no session left running');
  await page.close();
  await stopProcess(agent, 'agent');
  await stopProcess(workload, 'gpu_steps');
});
}
