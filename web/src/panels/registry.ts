import type { QueryParams } from '../api/client';
import type { ModelInfo, ProcessInfo, Session } from '../api/types';
import type { LiveModel } from '../live/live-model';
import type { SelectionStore } from '../live/selection';

/** Another session whose model a panel may compare with (a flame graph diff across sessions). */
export interface OtherModel {
  sessionId: string;
  description: string;
  model: ModelInfo;
}

/** What a panel may use from the application. Panels never call the API themselves. */
export interface PanelContext<M extends LiveModel = LiveModel> {
  /** The panel's key in the workspace (the model id, plus `~N` for a second view of it). */
  readonly key: string;
  /** The model instance this panel shows (id, type, title, unit, sources). */
  info(): ModelInfo;
  /** The live model the binding keeps current. */
  readonly model: M;
  /** The session as last described (state, counters, filter, lease). */
  session(): Session | null;
  /** Called after every applied change of the model; returns the unsubscribe function. */
  onModelChange(listener: () => void): () => void;
  /** Called with every new session description; returns the unsubscribe function. */
  onSessionChange(listener: (session: Session) => void): () => void;
  /** A query on the model (time range, diff, viewport, slice), run by the binding. */
  query<T>(params: QueryParams, signal?: AbortSignal): Promise<T>;
  /** The time range selected in the workspace, shared by every panel. */
  readonly selection: SelectionStore;
  /** Models of the same type in other running sessions (for comparisons); the app asks the agent. */
  otherModels(): Promise<OtherModel[]>;
  /** What is known about the processes of the session's filter (kernel threads have no command line). */
  targetProcesses(): ProcessInfo[];
  /** Shows an error (problem details) to the user. */
  showError(error: unknown): void;
  /** Publishes a small inspection hook at `window.__systemscope.panels[key]` (used by browser tests). */
  expose(hook: object): void;
}

/** A live view of one model instance. */
export interface Panel {
  /** Shown or hidden (an inactive tab): hidden panels do not draw. */
  setVisible(visible: boolean): void;
  /** The panel goes away: drop listeners, timers and pending queries. */
  dispose(): void;
}

/**
 * A visualisation: the model type it renders, how to keep a model of that type live (its client
 * side: delta application and cursor), and how to create the panel for one model instance. A new
 * visualisation is a new module with one of these plus one registration line in panels/index.ts.
 */
export interface PanelDefinition<M extends LiveModel = LiveModel> {
  modelType: string;
  /** What the panel shows, in general ("Flame graph"); each instance is titled by its model. */
  title: string;
  createModel(info: ModelInfo): M;
  create(host: HTMLElement, ctx: PanelContext<M>): Panel;
}

const definitions = new Map<string, PanelDefinition>();

export function registerPanel<M extends LiveModel>(definition: PanelDefinition<M>): void {
  if (definitions.has(definition.modelType)) {
    throw new Error(`a panel for model type '${definition.modelType}' is already registered`);
  }
  definitions.set(definition.modelType, definition as unknown as PanelDefinition);
}

export function panelFor(modelType: string): PanelDefinition | undefined {
  return definitions.get(modelType);
}

export function registeredPanels(): PanelDefinition[] {
  return [...definitions.values()];
}
