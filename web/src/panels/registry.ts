import type { ApiClient } from '../api/client';
import type { Session } from '../api/types';

/** What a panel may use from the application. */
export interface PanelContext {
  api: ApiClient;
  /** Id of the session whose models are shown, or null. */
  sessionId(): string | null;
  /** Shows an error (problem details) to the user. */
  showError(error: unknown): void;
  /** Publishes a small inspection hook at `window.__systemscope[name]` (used by the browser test). */
  expose(name: string, hook: object): void;
}

/** A live view of one model type. */
export interface Panel {
  /** A model of this panel's type arrived with the session that produced it. */
  update(model: unknown, session: Session): void;
  /** Forget everything (another session is shown now). */
  clear(): void;
}

/**
 * A visualisation: the model type it renders (the key of that model in a session stream update,
 * e.g. `flamegraph`) and how to create it. A new visualisation is a new module with one of these
 * plus one registration line in panels/index.ts.
 */
export interface PanelDefinition {
  modelType: string;
  title: string;
  create(host: HTMLElement, ctx: PanelContext): Panel;
}

const definitions = new Map<string, PanelDefinition>();

export function registerPanel(definition: PanelDefinition): void {
  if (definitions.has(definition.modelType)) {
    throw new Error(`a panel for model type '${definition.modelType}' is already registered`);
  }
  definitions.set(definition.modelType, definition);
}

export function registeredPanels(): PanelDefinition[] {
  return [...definitions.values()];
}
