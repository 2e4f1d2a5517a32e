import { ApiClient } from '../api/client';
import type { Session, StreamUpdate } from '../api/types';
import { registeredPanels, type Panel, type PanelContext } from '../panels/registry';
import { h, setText } from '../ui/dom';
import { ErrorBanner } from '../ui/error-banner';
import { ALL_PROCESSES, ProcessPicker, type Target } from '../ui/process-picker';
import { StatsBar } from '../ui/stats-bar';
import { SessionController } from './session-controller';

const FREQUENCIES = [19, 49, 99, 199, 499, 997];
const DEFAULT_FREQUENCY = 99;

type Hooks = Record<string, object>;
declare global {
  interface Window {
    /** Inspection hooks of the panels (what the browser test uses to find a frame to hover). */
    __systemscope?: Hooks;
  }
}

/**
 * The page: target and session controls, the stats bar, the process picker, and one panel per
 * registered model type. Stream updates are routed to panels by the model's key in the update.
 */
export function startApp(root: HTMLElement): void {
  const api = ApiClient.fromLocation(window.location);
  const errors = new ErrorBanner();
  const stats = new StatsBar();
  const panels = new Map<string, Panel>();
  let target: Target = ALL_PROCESSES;
  let busy = false;
  let shownSession: string | null = null;

  const controller = new SessionController(api, {
    session: (s) => onSession(s),
    models: (update) => route(update),
    error: (e) => errors.show(e),
  });

  const picker = new ProcessPicker(api, (t) => void pick(t));
  const targetLabel = h('span', { class: 'target-label', 'data-testid': 'target-label' }, target.label);
  const pickerToggle = h('button', { type: 'button', 'data-testid': 'picker-toggle', 'aria-expanded': 'false', onclick: () => setPickerOpen(!picker.open) }, 'Choose process…');
  const frequency = h('input', {
    type: 'number', min: 1, step: 1, value: DEFAULT_FREQUENCY, list: 'frequencies', class: 'frequency',
    'aria-label': 'Sampling frequency (Hz)', 'data-testid': 'frequency',
  });
  const button = (id: string, label: string, action: () => Promise<void>, cls = ''): HTMLButtonElement =>
    h('button', { type: 'button', class: cls, 'data-testid': id, onclick: () => void run(action) }, label);
  const start = button('start', 'Start', async () => {
    await controller.start(target.pid, Number(frequency.value));
  }, 'primary');
  const stop = button('stop', 'Stop', () => controller.stop());
  const pause = button('pause', 'Pause', () => controller.pause());
  const resume = button('resume', 'Resume', () => controller.resume());
  const reset = button('reset', 'Reset', () => controller.reset());

  const panelArea = h('main', { class: 'panels' });
  const ctx: PanelContext = {
    api,
    sessionId: () => controller.current?.id ?? null,
    showError: (e) => errors.show(e),
    expose: (name, hook) => {
      (window.__systemscope ??= {})[name] = hook;
    },
  };
  for (const definition of registeredPanels()) {
    const host = h('section', { class: 'panel', 'data-model-type': definition.modelType, 'aria-label': definition.title });
    panelArea.append(host);
    panels.set(definition.modelType, definition.create(host, ctx));
  }

  root.replaceChildren(
    h('header', { class: 'topbar' },
      h('h1', {}, 'SystemScope'),
      h('div', { class: 'target' }, h('span', { class: 'muted' }, 'Target'), targetLabel, pickerToggle),
      h('label', { class: 'freq' }, h('span', { class: 'muted' }, 'Frequency'), frequency, h('span', { class: 'muted' }, 'Hz'),
        h('datalist', { id: 'frequencies' }, ...FREQUENCIES.map((f) => h('option', { value: f })))),
      h('div', { class: 'controls' }, start, pause, resume, reset, stop)),
    errors.element,
    stats.element,
    picker.element,
    panelArea,
  );

  function setPickerOpen(open: boolean): void {
    picker.setOpen(open);
    pickerToggle.setAttribute('aria-expanded', String(open));
    setText(pickerToggle, open ? 'Hide processes' : 'Choose process…');
  }

  /** Runs one user action at a time; shows its error. Returns whether it succeeded. */
  async function run(action: () => Promise<void>): Promise<boolean> {
    if (busy) return false;
    busy = true;
    errors.clear();
    refreshControls();
    try {
      await action();
      return true;
    } catch (e) {
      errors.show(e);
      return false;
    } finally {
      busy = false;
      refreshControls();
    }
  }

  function setTarget(t: Target): void {
    target = t;
    setText(targetLabel, t.label);
    picker.setSelected(t.pid);
  }

  async function pick(t: Target): Promise<void> {
    const previous = target;
    setTarget(t);
    // While a session runs, choosing another target retargets it live.
    if (controller.active && controller.current?.pid !== t.pid) {
      if (!(await run(() => controller.retarget(t.pid)))) setTarget(previous);
    }
  }

  function onSession(session: Session | null): void {
    if (session && session.id !== shownSession) {
      // Another session: its models start from nothing.
      shownSession = session.id;
      for (const panel of panels.values()) panel.clear();
      if (session.state !== 'stopped') setPickerOpen(false);
    }
    // The label follows the session (e.g. after a reload, which restores the session but not the label).
    if (session && session.state !== 'stopped' && session.pid !== target.pid) {
      setTarget(session.pid === null ? ALL_PROCESSES : { pid: session.pid, label: `pid ${session.pid}` });
    }
    stats.update(session);
    refreshControls();
  }

  function route(update: StreamUpdate): void {
    for (const [modelType, model] of Object.entries(update)) {
      if (modelType === 'session' || model === null || model === undefined) continue;
      panels.get(modelType)?.update(model, update.session);
    }
  }

  function refreshControls(): void {
    const s = controller.current;
    const active = controller.active;
    start.disabled = busy || active;
    stop.disabled = busy || !active;
    pause.hidden = s?.state === 'paused';
    resume.hidden = !pause.hidden;
    pause.disabled = busy || s?.state !== 'running';
    resume.disabled = busy || s?.state !== 'paused';
    reset.disabled = busy || !active;
    frequency.disabled = active;
    document.body.dataset['sessionState'] = s?.state ?? 'idle';
  }

  stats.update(null);
  refreshControls();
  // After a reload the tab goes back to its session; otherwise one starts by choosing a target.
  void controller.restore().then(() => {
    if (!controller.active) setPickerOpen(true);
  });
}
