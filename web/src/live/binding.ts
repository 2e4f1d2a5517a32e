import { ApiError, type ModelResponse, type QueryParams } from '../api/client';
import type { ModelInfo, Session, StreamMessage } from '../api/types';
import type { ApplyResult, LiveModel } from './live-model';

/** The part of the API client the binding uses (a fake in tests). */
export interface BindingApi {
  streamUrl(path: string): string;
  session(id: string): Promise<Session>;
  model<T>(id: string, model: string, params?: QueryParams, signal?: AbortSignal): Promise<ModelResponse<T>>;
}

/** The part of EventSource the binding uses. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (e: MessageEvent<string>) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

const CLOSED = 2;
const REOPEN_DELAY_MS = 2000;
/**
 * After the stream ends, the agent may not know the session for a moment (it detaches the sources
 * before it files the session as stopped and readable): the catch-up tries again this often.
 */
const CATCH_UP_RETRY_MS = 500;
const CATCH_UP_TRIES = 6;

/** Where the binding's stream stands. */
export type StreamState = 'connecting' | 'open' | 'ended';

interface Entry {
  info: ModelInfo;
  /** null: no panel is registered for the model's type (the model is listed, not kept). */
  model: LiveModel | null;
  listeners: Set<() => void>;
  /**
   * The agent's cursor for what the model holds: from the stream (`cursors`, after each applied
   * change) or from a GET (`X-Model-Cursor`). null: ask for the whole model.
   */
  serverCursor: string | null;
  resyncing: Promise<void> | null;
  applied: number;
  resyncs: number;
  /** The last resync got a 404: the agent did not know the session (or the model) then. */
  gone: boolean;
}

export interface BindingStats {
  messages: number;
  models: Record<string, { applied: number; resyncs: number; revision: number; cursor: string | null }>;
}

/**
 * The live-model binding of one session: it owns the session's only stream (Server-Sent Events, one
 * connection multiplexing every model), keeps one {@link LiveModel} per model instance current from
 * it, resyncs a model through `GET …/models/{id}?cursor=…` when a change does not apply, and runs
 * queries (time ranges, diffs, timeline viewports) on the panels' behalf. Panels never call the API.
 *
 * While the stream is open the agent counts this page as a viewer of the session, which keeps a
 * viewed session's lease alive. Nothing runs once it is closed: no timer, no connection. A stopped
 * session's models stay readable for a while: {@link load} fetches them whole, and when the stream
 * ends each model is brought up to date once from its cursor.
 */
export class LiveBinding {
  session: Session | null = null;
  state: StreamState = 'connecting';
  private readonly entries = new Map<string, Entry>();
  private readonly sessionListeners = new Set<(s: Session) => void>();
  private readonly modelsListeners = new Set<(models: ModelInfo[]) => void>();
  private readonly endListeners = new Set<(s: Session | null) => void>();
  private source: EventSourceLike | null = null;
  private reopenTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private messages = 0;
  private modelKey = '';

  constructor(
    private readonly api: BindingApi,
    readonly sessionId: string,
    private readonly createModel: (info: ModelInfo) => LiveModel | null,
    private readonly openEventSource: EventSourceFactory = (url) => new EventSource(url) as unknown as EventSourceLike,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** The session's models as last listed by the agent. */
  get models(): ModelInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  model(id: string): LiveModel | null {
    return this.entries.get(id)?.model ?? null;
  }

  info(id: string): ModelInfo | null {
    return this.entries.get(id)?.info ?? null;
  }

  onSession(listener: (s: Session) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  /** The list of models changed (a model appeared, or the session was first described). */
  onModels(listener: (models: ModelInfo[]) => void): () => void {
    this.modelsListeners.add(listener);
    return () => this.modelsListeners.delete(listener);
  }

  /** The session stopped (with its final description), or the agent no longer knows it (null). */
  onEnd(listener: (s: Session | null) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Called after every applied change of model `id`. */
  onModel(id: string, listener: () => void): () => void {
    const entry = this.entries.get(id);
    if (!entry) return () => {};
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /** Takes a session description (from a list or a start) before the stream's first message. */
  describe(session: Session): void {
    this.setSession(session);
  }

  /** Opens the stream. */
  connect(): void {
    if (this.closed || this.state === 'ended') return;
    this.closeSource();
    const source = this.openEventSource(this.api.streamUrl(`/api/sessions/${encodeURIComponent(this.sessionId)}/stream`));
    this.source = source;
    this.state = 'connecting';
    source.addEventListener('update', (e) => {
      if (source !== this.source) return;
      let message: StreamMessage;
      try {
        message = JSON.parse(e.data) as StreamMessage;
      } catch (err) {
        this.onError(err);
        return;
      }
      this.state = 'open';
      this.handle(message);
    });
    source.addEventListener('end', () => {
      if (source !== this.source) return;
      this.closeSource();
      this.end(this.session);
    });
    // While CONNECTING the browser retries by itself (and the stream starts again with whole
    // models). CLOSED means it gave up, e.g. on a 404: ask the agent what became of the session.
    source.addEventListener('error', () => {
      if (source === this.source && source.readyState === CLOSED) void this.streamClosed();
    });
  }

  /** Closes the stream and forgets the listeners (the view of this session goes away). */
  close(): void {
    this.closed = true;
    this.closeSource();
    this.sessionListeners.clear();
    this.modelsListeners.clear();
    this.endListeners.clear();
    for (const entry of this.entries.values()) entry.listeners.clear();
  }

  /** One stream message: the session, and the change of every model whose version moved. */
  handle(message: StreamMessage): void {
    if (!message.session || message.session.id !== this.sessionId) return;
    this.messages++;
    this.setSession(message.session);
    const cursors = message.cursors ?? {};
    for (const [id, view] of Object.entries(message.models ?? {})) {
      const entry = this.entries.get(id);
      if (!entry?.model || view === null || view === undefined) continue;
      this.applyTo(entry, view, cursors[id] ?? null);
    }
    if (message.session.state === 'stopped') {
      this.closeSource();
      this.end(message.session);
    }
  }

  /**
   * A query on model `id` (a time range, a diff, a timeline viewport, a slice): the agent's answer.
   * Pass an AbortSignal to drop a query that a newer one replaces.
   */
  async query<T>(id: string, params: QueryParams, signal?: AbortSignal): Promise<T> {
    const response = await this.api.model<T>(this.sessionId, id, params, signal);
    return response.body;
  }

  /** Brings model `id` up to date with the agent: what changed since its cursor, or the whole model. */
  resync(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry?.model) return Promise.resolve();
    entry.resyncing ??= this.doResync(entry).finally(() => {
      entry.resyncing = null;
    });
    return entry.resyncing;
  }

  /**
   * Fetches every kept model (`GET …/models/{id}`: whole, or since the cursor held): a session
   * joined after it stopped has no stream, but its models stay readable for a while.
   */
  async load(): Promise<void> {
    await Promise.all([...this.entries.values()].filter((e) => e.model).map((e) => this.resync(e.info.id)));
  }

  /** Whether the last resync of some model found the session unknown to the agent (404). */
  private get anyGone(): boolean {
    return [...this.entries.values()].some((e) => e.gone);
  }

  stats(): BindingStats {
    const models: BindingStats['models'] = {};
    for (const [id, e] of this.entries) {
      models[id] = { applied: e.applied, resyncs: e.resyncs, revision: e.model?.revision ?? 0, cursor: e.serverCursor };
    }
    return { messages: this.messages, models };
  }

  private async doResync(entry: Entry): Promise<void> {
    const model = entry.model!;
    entry.resyncs++;
    entry.gone = false;
    try {
      const cursor = entry.serverCursor;
      let result: ApplyResult = 'resync';
      if (cursor !== null) {
        const since = await this.fetchModel(entry, { cursor }).catch((e: unknown) => {
          // A cursor the agent does not take (another format): ask for everything instead.
          if (e instanceof ApiError && e.status === 400) return null;
          throw e;
        });
        if (since !== null) result = model.apply(since);
      }
      if (result === 'resync') {
        model.clear();
        entry.serverCursor = null;
        result = model.apply(await this.fetchModel(entry, {}));
      }
      if (result === 'applied') {
        entry.applied++;
        this.notify(entry);
      } else if (result === 'resync') {
        throw new Error(`model ${entry.info.id}: the agent's whole view does not load`);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) entry.gone = true;
      else this.onError(e);
    }
  }

  private async fetchModel(entry: Entry, params: QueryParams): Promise<unknown> {
    const response = await this.api.model<unknown>(this.sessionId, entry.info.id, params);
    entry.serverCursor = response.cursor;
    return response.body;
  }

  /**
   * Applies one change from the stream; `cursor` is what the agent says the client holds after it.
   * A change that does not apply leaves the cursor of the last one that did, to resync from.
   */
  private applyTo(entry: Entry, view: unknown, cursor: string | null): void {
    if (entry.resyncing) {
      // A resync is on its way; it brings at least this change. Applying now could only be refused.
      void entry.resyncing.then(() => this.applyTo(entry, view, cursor));
      return;
    }
    const result = entry.model!.apply(view);
    if (result === 'applied') {
      entry.serverCursor = cursor;
      entry.applied++;
      this.notify(entry);
    } else if (result === 'resync') {
      void this.resync(entry.info.id);
    }
  }

  private notify(entry: Entry): void {
    for (const listener of [...entry.listeners]) {
      try {
        listener();
      } catch (e) {
        this.onError(e);
      }
    }
  }

  private setSession(session: Session): void {
    this.session = session;
    let changed = false;
    for (const info of session.models ?? []) {
      const entry = this.entries.get(info.id);
      if (entry) {
        entry.info = info;
      } else {
        this.entries.set(info.id, {
          info, model: this.createModel(info), listeners: new Set(), serverCursor: null, resyncing: null, applied: 0, resyncs: 0, gone: false,
        });
        changed = true;
      }
    }
    const key = (session.models ?? []).map((m) => `${m.id}:${m.type}`).join(',');
    if (key !== this.modelKey) {
      this.modelKey = key;
      changed = true;
    }
    for (const listener of [...this.sessionListeners]) listener(session);
    if (changed) for (const listener of [...this.modelsListeners]) listener(this.models);
  }

  private end(session: Session | null): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    if (session && session.state !== 'stopped') session = { ...session, state: 'stopped' };
    if (session) this.setSession(session);
    for (const listener of [...this.endListeners]) listener(session);
    // The last window collected at the stop may not have reached the stream: one catch-up from
    // each model's cursor (the agent keeps a stopped session's models readable for a while).
    if (session && !this.closed) void this.catchUp(CATCH_UP_TRIES);
  }

  private async catchUp(tries: number): Promise<void> {
    await this.load();
    if (!this.anyGone || tries <= 1 || this.closed) return;
    await new Promise<void>((resolve) => {
      this.reopenTimer = setTimeout(resolve, CATCH_UP_RETRY_MS);
    });
    this.reopenTimer = null;
    if (!this.closed) await this.catchUp(tries - 1);
  }

  private async streamClosed(): Promise<void> {
    this.closeSource();
    try {
      const session = await this.api.session(this.sessionId);
      if (session.state === 'stopped') {
        this.end(session);
      } else if (!this.closed) {
        this.setSession(session);
        this.reopenTimer = setTimeout(() => this.connect(), REOPEN_DELAY_MS);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.end(this.session ? { ...this.session, state: 'stopped', endReason: this.session.endReason ?? 'the agent no longer knows this session' } : null);
      } else if (!this.closed) {
        this.onError(e);
        this.reopenTimer = setTimeout(() => this.connect(), REOPEN_DELAY_MS);
      }
    }
  }

  private closeSource(): void {
    if (this.reopenTimer !== null) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    this.source?.close();
    this.source = null;
  }
}
