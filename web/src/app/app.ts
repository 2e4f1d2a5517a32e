import { ApiClient, ApiError } from '../api/client';
import { benchTimeline, benchTimeseries } from '../bench';
import type { ModelInfo, ProcessFilterRequest, ProcessInfo, Session, StartSessionRequest } from '../api/types';
import { LiveBinding } from '../live/binding';
import type { LiveModel } from '../live/live-model';
import { SelectionStore } from '../live/selection';
import { panelFor, type OtherModel, type PanelContext } from '../panels/registry';
import { h, setText } from '../ui/dom';
import { ErrorBanner } from '../ui/error-banner';
import { RangeChip } from '../ui/range-chip';
import { SessionBar } from '../ui/session-bar';
import { SessionsList } from '../ui/sessions-list';
import { FindingsPanel } from '../ui/findings-panel';
import { evidenceSource } from '../model/tuning';
import { StartForm } from '../ui/start-form';
import { formatViewState, modelOfKey, parseViewState, type ViewState } from './url-state';
import { Workspace } from './workspace';

type Hooks = { panels: Record<string, object>; [name: string]: object };
declare global {
  interface Window {
    /** Inspection hooks (what browser tests use to find things on canvases and to measure). */
    __systemscope?: Hooks;
  }
}

/**
 * The workspace: a start form made from the agent's capabilities and the list of running sessions
 * (home), or one session joined — its bar (state, counters, lease, controls) and its panels, one
 * per model instance, fed by one live-model binding. The URL names the session, the open panels,
 * the layout and the selected time range, so a reload or a shared link shows the same view.
 * Nothing runs while idle: no stream without a session, no polling of lists that are not shown or
 * while the page is hidden.
 */
export function startApp(root: HTMLElement): void {
  const api = ApiClient.fromLocation(window.location);
  const errors = new ErrorBanner();
  const selection = new SelectionStore();
  const hooks: Hooks = (window.__systemscope = { panels: {} });

  let binding: LiveBinding | null = null;
  let restoring: ViewState | null = null;
  let knownModels = new Set<string>();
  let targetInfo: ProcessInfo[] = [];
  let targetKey = '';

  const sessionsList = new SessionsList(api, {
    open: (s) => void join(s, null),
    stop: async (s) => {
      try {
        await api.stopSession(s.id);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) errors.show(e);
      }
      if (binding?.sessionId === s.id) await refreshEnded(s.id);
    },
  });
  const startForm = new StartForm(api, (request) => start(request));
  // Evidence opens a session on the model's source, for the finding's processes.
  const findingsPanel = new FindingsPanel(api, (link, pids) => void start({ sources: [evidenceSource(link)], filter: pids.length ? { pids } : {} }).catch((e) => errors.show(e)), (e) => errors.show(e));
  const sessionBar = new SessionBar({
    pause: async () => void (binding && binding.describe(await api.pause(binding.sessionId))),
    resume: async () => void (binding && binding.describe(await api.resume(binding.sessionId))),
    reset: async () => void (binding && binding.describe(await api.reset(binding.sessionId))),
    stop: async () => {
      if (!binding) return;
      const id = binding.sessionId;
      try {
        await api.stopSession(id);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
      await refreshEnded(id);
    },
    leave: () => leave(),
    setFilter: async (filter: ProcessFilterRequest) => {
      if (binding) binding.describe(await api.setFilter(binding.sessionId, filter));
    },
  }, api, (e) => errors.show(e));

  const rangeChip = new RangeChip(selection, 'Live');
  const workspace = new Workspace({
    hasPanel: (type) => panelFor(type) !== undefined,
    createPanel: (key, info, host) => createPanel(key, info, host),
    changed: () => writeUrl(),
  }, rangeChip.element);

  const sessionsToggle = h('button', { type: 'button', 'data-testid': 'sessions-toggle', 'aria-expanded': 'false', onclick: () => setDrawer(drawer.hidden) }, 'Sessions');
  const newSession = h('button', { type: 'button', 'data-testid': 'new-session', onclick: () => leave() }, 'New session');
  const current = h('span', { class: 'current-session', 'data-testid': 'current-session' });
  const drawer = h('div', { class: 'drawer', hidden: true, 'data-testid': 'sessions-drawer' });
  const home = h('main', { class: 'home', 'data-testid': 'view-home' });
  const sessionView = h('main', { class: 'session-view', 'data-testid': 'view-session', hidden: true }, sessionBar.element, workspace.element);

  root.replaceChildren(
    h('header', { class: 'topbar' }, h('h1', {}, 'SystemScope'), current, h('span', { class: 'spacer' }), sessionsToggle, newSession),
    errors.element,
    drawer,
    home,
    sessionView,
  );

  selection.subscribe(() => writeUrl());

  function setDrawer(open: boolean): void {
    drawer.hidden = !open;
    sessionsToggle.setAttribute('aria-expanded', String(open));
    if (open) drawer.append(sessionsList.element);
    sessionsList.setShown(open || !home.hidden);
  }

  function showHome(): void {
    sessionView.hidden = true;
    home.hidden = false;
    drawer.hidden = true;
    sessionsToggle.hidden = true;
    newSession.hidden = true;
    setText(current, '');
    home.replaceChildren(startForm.element, sessionsList.element, findingsPanel.element);
    void findingsPanel.load();
    sessionsList.setCurrent(null);
    sessionsList.setShown(true);
    startForm.setOpen(true);
    void loadCapabilities();
    document.title = 'SystemScope';
    writeUrl();
  }

  function showSession(): void {
    home.hidden = true;
    sessionView.hidden = false;
    sessionsToggle.hidden = false;
    newSession.hidden = false;
    startForm.setOpen(false);
    setDrawer(false);
  }

  let capabilitiesLoaded = false;
  async function loadCapabilities(): Promise<void> {
    if (capabilitiesLoaded) return;
    try {
      startForm.setCapabilities(await api.capabilities());
      capabilitiesLoaded = true;
    } catch (e) {
      startForm.showCapabilitiesError(e instanceof Error ? e.message : String(e));
    }
  }

  async function start(request: StartSessionRequest): Promise<void> {
    errors.clear();
    const session = await api.startSession(request);
    await join(session, { session: session.id, panels: null, layout: null, active: null, range: null });
  }

  /** Shows `session`: a binding for its stream, its panels as the URL (or the default) says. */
  async function join(session: Session, view: ViewState | null): Promise<void> {
    closeBinding();
    errors.clear();
    selection.set(view?.range ?? null);
    restoring = view ?? { session: session.id, panels: null, layout: null, active: null, range: null };
    const b = new LiveBinding(api, session.id, (info) => createModel(info), undefined, (e) => errors.show(e));
    binding = b;
    knownModels = new Set();
    b.onSession((s) => onSession(s));
    b.onModels((models) => onModels(models));
    b.onEnd(() => writeUrl());
    showSession();
    sessionsList.setCurrent(session.id);
    b.describe(session);
    // A stopped session has no stream, but its models stay readable for a while.
    if (session.state !== 'stopped') b.connect();
    else void b.load();
    hooks['binding'] = { stats: () => b.stats(), state: () => b.state, session: () => b.session };
  }

  function closeBinding(): void {
    binding?.close();
    binding = null;
    workspace.clear();
    hooks.panels = {};
    delete hooks['flamegraph'];
    targetInfo = [];
    targetKey = '';
  }

  function leave(): void {
    closeBinding();
    selection.set(null);
    showHome();
  }

  async function refreshEnded(id: string): Promise<void> {
    try {
      const s = await api.session(id);
      if (binding?.sessionId === id) binding.handle({ session: s, models: {} });
    } catch (e) {
      if (binding?.sessionId === id && binding.session) {
        binding.handle({ session: { ...binding.session, state: 'stopped', endReason: binding.session.endReason ?? 'stopped' }, models: {} });
      }
      if (!(e instanceof ApiError && e.status === 404)) errors.show(e);
    }
  }

  function createModel(info: ModelInfo): LiveModel | null {
    return panelFor(info.type)?.createModel(info) ?? null;
  }

  function onModels(models: ModelInfo[]): void {
    workspace.setModels(models);
    if (restoring) {
      workspace.restore(restoring.panels, restoring.layout, restoring.active, restoring.areas ?? null);
      restoring = null;
    } else {
      workspace.openNew(models, knownModels);
    }
    knownModels = new Set(models.map((m) => m.id));
    writeUrl();
  }

  function onSession(s: Session): void {
    sessionBar.update(s);
    setText(current, `Session ${s.id} · ${s.filter?.description ?? ''}`);
    document.title = `${s.targetExited ? 'target exited' : s.state} · ${s.filter?.description ?? s.id} — SystemScope`;
    void resolveTarget(s);
  }

  /** What the filter's pids are (kernel threads have no user stacks): asked once per filter. */
  async function resolveTarget(s: Session): Promise<void> {
    const pids = s.filter?.pids ?? [];
    const key = `${s.id}:${pids.join(',')}`;
    if (key === targetKey) return;
    targetKey = key;
    const known = startForm.knownProcesses().filter((p) => pids.includes(p.pid));
    targetInfo = known;
    if (pids.length === 0 || known.length === pids.length) return;
    try {
      const all = await api.processes();
      if (targetKey === key) targetInfo = all.filter((p) => pids.includes(p.pid));
    } catch {
      // Only a hint is lost.
    }
  }

  function createPanel(key: string, info: ModelInfo, host: HTMLElement): ReturnType<NonNullable<ReturnType<typeof panelFor>>['create']> | null {
    const definition = panelFor(info.type);
    const b = binding;
    if (!definition || !b) return null;
    const model = b.model(info.id);
    if (!model) return null;
    const ctx: PanelContext = {
      key,
      info: () => b.info(info.id) ?? info,
      model,
      session: () => b.session,
      onModelChange: (listener) => b.onModel(info.id, listener),
      onSessionChange: (listener) => b.onSession(listener),
      query: (params, signal) => b.query(info.id, params, signal),
      selection,
      otherModels: async (): Promise<OtherModel[]> => {
        const sessions = await api.sessions();
        return sessions.filter((s) => s.id !== b.sessionId && s.state !== 'stopped').flatMap((s) =>
          s.models.filter((m) => m.type === info.type).map((m) => ({ sessionId: s.id, description: s.filter?.description ?? '', model: m })));
      },
      targetProcesses: () => targetInfo,
      showError: (e) => errors.show(e),
      expose: (hook) => {
        hooks.panels[key] = hook;
        if (info.type === 'flamegraph' && !hooks['flamegraph']) hooks['flamegraph'] = hook;
      },
    };
    return definition.create(host, ctx);
  }

  function viewState(): ViewState {
    if (!binding) return { session: null, panels: null, layout: null, active: null, range: null };
    return {
      session: binding.sessionId,
      panels: restoring ? restoring.panels : workspace.open,
      layout: restoring ? restoring.layout : workspace.layout,
      active: restoring ? restoring.active : workspace.active,
      range: selection.range,
      areas: restoring ? restoring.areas ?? null : workspace.areas,
    };
  }

  function writeUrl(): void {
    const search = formatViewState(viewState(), window.location.search);
    if (search !== window.location.search) history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
  }

  hooks['bench'] = { timeline: benchTimeline, timeseries: benchTimeseries };
  hooks['app'] = {
    view: () => viewState(),
    open: () => workspace.open.slice(),
    models: () => binding?.models.map((m) => modelOfKey(m.id)) ?? [],
  };

  // A reload or a shared link goes back to the session it names; otherwise the home view.
  const initial = parseViewState(window.location.search);
  if (initial.session) {
    const id = initial.session;
    api.session(id).then((s) => join(s, initial), (e: unknown) => {
      showHome();
      errors.show(e instanceof ApiError && e.status === 404
        ? new ApiError(404, `Session ${id} is gone`, 'The agent no longer knows it (it stopped a while ago, or the agent restarted). Start a new one or open a running one.')
        : e);
    });
  } else {
    showHome();
  }
}
