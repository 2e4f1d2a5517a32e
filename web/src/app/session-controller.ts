import { ApiError, type ApiClient } from '../api/client';
import type { Session, StreamUpdate } from '../api/types';

export interface SessionListener {
  /** The session changed (state, counters), or there is none (null). */
  session(session: Session | null): void;
  /** A stream update arrived: the session and one entry per model it produces. */
  models(update: StreamUpdate): void;
  error(error: unknown): void;
}

const STORAGE_KEY = 'systemscope.session';
const REOPEN_DELAY_MS = 2000;

/**
 * One profiling session seen from the browser: the HTTP calls that drive it and the live stream
 * (Server-Sent Events) that brings its models. A reload of the page reattaches to the session it
 * showed. Nothing runs while there is no session: no timers, no connection.
 */
export class SessionController {
  current: Session | null = null;
  private source: EventSource | null = null;
  private reopenTimer = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly listener: SessionListener,
  ) {}

  get active(): boolean {
    return this.current !== null && this.current.state !== 'stopped';
  }

  async start(pid: number | null, frequency: number): Promise<void> {
    const body = pid === null ? { sources: ['cpu'], frequency } : { sources: ['cpu'], pid, frequency };
    this.attach(await this.api.startSession(body));
  }

  async stop(): Promise<void> {
    const session = this.current;
    if (!session) return;
    this.closeStream();
    try {
      await this.api.stopSession(session.id);
    } catch (e) {
      // Already gone is what we wanted.
      if (!(e instanceof ApiError && e.status === 404)) {
        this.openStream();
        throw e;
      }
    }
    this.ended(session);
  }

  async pause(): Promise<void> {
    if (this.current) this.set(await this.api.pause(this.current.id));
  }

  async resume(): Promise<void> {
    if (this.current) this.set(await this.api.resume(this.current.id));
  }

  async reset(): Promise<void> {
    if (this.current) this.set(await this.api.reset(this.current.id));
  }

  async retarget(pid: number | null): Promise<void> {
    if (this.current) this.set(await this.api.retarget(this.current.id, pid));
  }

  /** Reattaches to the session this tab showed before a reload, if it still runs. */
  async restore(): Promise<void> {
    const id = sessionStorage.getItem(STORAGE_KEY);
    if (!id) return;
    try {
      const session = await this.api.session(id);
      if (session.state !== 'stopped') this.attach(session);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      sessionStorage.removeItem(STORAGE_KEY);
    }
  }

  private attach(session: Session): void {
    this.current = session;
    sessionStorage.setItem(STORAGE_KEY, session.id);
    this.listener.session(session);
    this.openStream();
  }

  private set(session: Session): void {
    if (this.current && session.id === this.current.id) {
      this.current = session;
      this.listener.session(session);
    }
  }

  private ended(session: Session): void {
    this.closeStream();
    sessionStorage.removeItem(STORAGE_KEY);
    if (this.current && this.current.id === session.id) {
      this.current = { ...this.current, ...session, state: 'stopped' };
      this.listener.session(this.current);
    }
  }

  private openStream(): void {
    this.closeStream();
    const session = this.current;
    if (!session || session.state === 'stopped') return;
    const source = new EventSource(this.api.streamUrl(`/api/sessions/${encodeURIComponent(session.id)}/stream`));
    this.source = source;
    source.addEventListener('update', (e) => {
      if (source !== this.source) return;
      let data: StreamUpdate;
      try {
        data = JSON.parse((e as MessageEvent<string>).data) as StreamUpdate;
      } catch (err) {
        this.listener.error(err);
        return;
      }
      if (!data.session || data.session.id !== this.current?.id) return;
      this.current = data.session;
      this.listener.session(data.session);
      this.listener.models(data);
    });
    source.addEventListener('end', () => {
      if (source === this.source && this.current) this.ended(this.current);
    });
    // While CONNECTING the browser retries by itself (and the stream starts again with a full
    // model). CLOSED means it gave up, e.g. on a 404: ask the agent what became of the session.
    source.addEventListener('error', () => {
      if (source === this.source && source.readyState === EventSource.CLOSED) void this.streamClosed(session.id);
    });
  }

  private async streamClosed(id: string): Promise<void> {
    this.closeStream();
    try {
      const session = await this.api.session(id);
      if (session.state === 'stopped') {
        this.ended(session);
      } else if (this.current?.id === id) {
        this.set(session);
        this.reopenTimer = window.setTimeout(() => this.openStream(), REOPEN_DELAY_MS);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        if (this.current?.id === id) this.ended(this.current);
      } else if (this.current?.id === id) {
        this.listener.error(e);
        this.reopenTimer = window.setTimeout(() => this.openStream(), REOPEN_DELAY_MS);
      }
    }
  }

  private closeStream(): void {
    window.clearTimeout(this.reopenTimer);
    this.reopenTimer = 0;
    this.source?.close();
    this.source = null;
  }
}
