/**
 * What the sidebar shows, kept in step with the server: the session list, the open session's
 * transcript, and the last error.
 *
 * The server pushes change events carrying ids only; the model answers each by reading what
 * it affects through the REST API. A transcript only ever grows at its end, so catching up is
 * one request for the messages after the last one known, and the absolute `offset` of every
 * page tells exactly which of its messages are new, whatever else happened meanwhile.
 *
 * The session list is read page by page: "show more" asks for the page after the last session
 * listed, so any number of sessions can be reached, while a change (which may move any session
 * to the top) re-reads the sessions listed, in as few requests as the server allows.
 */

import { Event } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ApiError,
  ICodexApi,
  IMessage,
  IMessagePage,
  ISessionPage,
  ISessionSummary,
  MAX_PAGE,
  Role,
  storeChange
} from './api';
import { Coalescer } from './coalescer';

/** Sessions listed at first and added by each "show more", and messages loaded per request. */
const PAGE = 100;

/** How the transcript changed: another session (or none) opened, or messages loaded at one end. */
export type TranscriptChange =
  | { type: 'reset' }
  | { type: 'append'; messages: readonly IMessage[] }
  | { type: 'prepend'; messages: readonly IMessage[] };

export class ChatModel implements IDisposable {
  constructor(
    private readonly _api: ICodexApi,
    private readonly _events: Event.IManager
  ) {
    _events.stream.connect(this._onEvent, this);
  }

  /** The listed sessions, most recently updated first. */
  get sessions(): readonly ISessionSummary[] {
    return this._sessions;
  }

  /** How many sessions exist, listed or not. */
  get totalSessions(): number {
    return this._totalSessions;
  }

  get hasMoreSessions(): boolean {
    return this._sessions.length < this._totalSessions;
  }

  /** The id of the open session, from the moment it is asked for. */
  get openId(): string | null {
    return this._openId;
  }

  /** The open session's summary, once it is loaded. */
  get session(): ISessionSummary | null {
    return this._session;
  }

  /** The loaded messages of the open session: its latest ones, and earlier pages on request. */
  get messages(): readonly IMessage[] {
    return this._messages;
  }

  get hasEarlierMessages(): boolean {
    return this._start > 0;
  }

  /** What last went wrong, as one sentence for the user; null when all is well. */
  get error(): string | null {
    return this._error;
  }

  get sessionsChanged(): ISignal<this, void> {
    return this._sessionsChanged;
  }

  get transcriptChanged(): ISignal<this, TranscriptChange> {
    return this._transcriptChanged;
  }

  get errorChanged(): ISignal<this, void> {
    return this._errorChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Load what is shown, and follow the server's changes from then on. Calling it again
   * catches up on changes whose events were missed (while the event socket reconnected).
   */
  refresh(): Promise<void> {
    this._following = true;
    return this._catchUp();
  }

  open(id: string | null): void {
    this._setError(null);
    this._show(id);
  }

  async createSession(): Promise<void> {
    await this._act('Could not start a session.', async () => {
      this._show((await this._api.createSession()).id);
    });
    void this._relist();
  }

  async deleteSession(id: string): Promise<void> {
    await this._act('Could not delete the session.', async () => {
      await this._api.deleteSession(id);
      if (this._openId === id) {
        this._show(null);
      }
    });
    void this._relist();
  }

  /**
   * Add a message to the open session, or to a new one when none is open (as `%%codex_say`
   * does), so typed text is never lost. Resolves whether the message was stored.
   */
  async send(role: Role, content: string): Promise<boolean> {
    const sent = await this._act('Could not send the message.', async () => {
      let id = this._openId;
      if (!id) {
        id = (await this._api.createSession()).id;
        this._show(id);
      }
      await this._api.addMessage(id, role, content);
      return true;
    });
    void this._catchUp();
    return sent ?? false;
  }

  /** Load the page of messages before the earliest one loaded. */
  async showEarlier(): Promise<void> {
    const id = this._openId;
    const start = this._start;
    if (!id || start === 0) {
      return;
    }
    await this._act('Could not load earlier messages.', async () => {
      const offset = Math.max(start - PAGE, 0);
      const page = await this._api.getSession(id, offset, start - offset);
      if (this._openId === id && this._start === start) {
        this._messages = [...page.messages, ...this._messages];
        this._start = offset;
        this._transcriptChanged.emit({ type: 'prepend', messages: page.messages });
      }
    });
  }

  /** List the next page of sessions; resolves once it is listed. */
  showMoreSessions(): Promise<void> {
    this._wantedSessions += PAGE;
    return this._sessionSync.request();
  }

  dismissError(): void {
    this._setError(null);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events.stream.disconnect(this._onEvent, this);
    Signal.clearData(this);
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    const change = storeChange(emission);
    // Nothing shown depends on which session is current in a notebook.
    if (!change || !this._following || change.kind === 'current_changed') {
      return;
    }
    void this._relist();
    if (change.session_id === this._openId) {
      if (change.kind === 'session_deleted') {
        this._show(null);
      } else if (change.kind === 'message_added') {
        void this._transcriptSync.request();
      }
    }
  }

  /** Open a session without touching the error line (also how a deleted session closes). */
  private _show(id: string | null): void {
    if (id === this._openId) {
      return;
    }
    this._openId = id;
    this._session = null;
    this._messages = [];
    this._start = 0;
    this._transcriptChanged.emit({ type: 'reset' });
    void this._transcriptSync.request();
  }

  private async _catchUp(): Promise<void> {
    await Promise.all([this._relist(), this._transcriptSync.request()]);
  }

  /** The list may have changed anywhere: read again the sessions listed. */
  private _relist(): Promise<void> {
    this._listStale = true;
    return this._sessionSync.request();
  }

  /** Re-read the sessions listed if the list changed, else list those asked for and not listed yet. */
  private async _syncSessions(): Promise<void> {
    const stale = this._listStale;
    this._listStale = false; // a change from now on asks for another run, which re-reads
    const from = stale ? 0 : this._sessions.length;
    if (!stale && from >= Math.min(this._wantedSessions, this._totalSessions)) {
      return;
    }
    try {
      const { sessions, total } = await this._readSessions(from, this._wantedSessions);
      // A session that moved down between two pages comes twice: list it once, where first seen.
      const listed = stale ? [] : [...this._sessions];
      const seen = new Set(listed.map(session => session.id));
      for (const session of sessions) {
        if (!seen.has(session.id)) {
          seen.add(session.id);
          listed.push(session);
        }
      }
      this._sessions = listed;
      this._totalSessions = total;
      this._sessionsChanged.emit();
    } catch (error) {
      if (stale) {
        this._listStale = true; // still to be re-read
      }
      this._fail('Could not list the sessions.', error);
    }
  }

  /** The sessions at positions `from` to `to` (or the end), in as few requests as the server allows. */
  private async _readSessions(from: number, to: number): Promise<{ sessions: ISessionSummary[]; total: number }> {
    const sessions: ISessionSummary[] = [];
    let page: ISessionPage;
    do {
      const offset = from + sessions.length;
      page = await this._api.listSessions(offset, Math.min(to - offset, MAX_PAGE));
      sessions.push(...page.sessions);
    } while (page.sessions.length === page.limit && from + sessions.length < to);
    return { sessions, total: page.total };
  }

  /** Load the open session's latest page, or once loaded, every message after the last one known. */
  private async _syncTranscript(): Promise<void> {
    const id = this._openId;
    if (!id) {
      return;
    }
    try {
      let page: IMessagePage;
      do {
        const loaded = this._session !== null;
        page = await this._api.getSession(id, loaded ? this._end : -PAGE, PAGE);
        if (this._openId !== id) {
          return; // another session opened meanwhile, and asked for its own run
        }
        this._session = Private.summary(page);
        if (!loaded) {
          this._messages = page.messages;
          this._start = page.offset;
          this._transcriptChanged.emit({ type: 'reset' });
        } else {
          const fresh = page.messages.slice(this._end - page.offset);
          if (fresh.length > 0) {
            this._messages = [...this._messages, ...fresh];
            this._transcriptChanged.emit({ type: 'append', messages: fresh });
          }
        }
      } while (page.messages.length > 0 && this._end < page.message_count);
    } catch (error) {
      if (this._openId !== id) {
        return;
      }
      if (error instanceof ApiError && error.status === 404) {
        this._show(null);
      }
      this._fail('Could not load the session.', error);
    }
  }

  /** Run a user's action: the error line now tells about this action only. */
  private async _act<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    this._setError(null);
    try {
      return await action();
    } catch (error) {
      this._fail(what, error);
      return undefined;
    }
  }

  private _fail(what: string, error: unknown): void {
    if (error instanceof ApiError) {
      this._setError(`${what} ${error.message}`);
    } else {
      console.error('codex-jupyter:', error); // a bug here, not the server's doing
      this._setError(`${what} Something unexpected happened (see the browser console).`);
    }
  }

  private _setError(error: string | null): void {
    if (error !== this._error) {
      this._error = error;
      this._errorChanged.emit();
    }
  }

  /** The position just after the last loaded message. */
  private get _end(): number {
    return this._start + this._messages.length;
  }

  private _following = false;
  private _isDisposed = false;
  private _sessions: ISessionSummary[] = [];
  private _totalSessions = 0;
  private _wantedSessions = PAGE;
  private _listStale = true;
  private _openId: string | null = null;
  private _session: ISessionSummary | null = null;
  private _messages: IMessage[] = [];
  private _start = 0;
  private _error: string | null = null;
  private readonly _sessionSync = new Coalescer(() => this._syncSessions());
  private readonly _transcriptSync = new Coalescer(() => this._syncTranscript());
  private readonly _sessionsChanged = new Signal<this, void>(this);
  private readonly _transcriptChanged = new Signal<this, TranscriptChange>(this);
  private readonly _errorChanged = new Signal<this, void>(this);
}

namespace Private {
  export function summary(page: IMessagePage): ISessionSummary {
    const { id, title, created_at, updated_at, message_count } = page;
    return { id, title, created_at, updated_at, message_count };
  }
}
