/**
 * Stand-ins for the sidebar's two outside parts, the REST API and the server's event bus: the
 * unit boundary of these tests (the browser tests run the real ones against a real server).
 *
 * The fake API keeps sessions in memory and answers as the server does: most recently updated
 * first, a `total` with every list, absolute message offsets (a negative one counts from the end),
 * 404 for an unknown id. Tests read its requests, and can fail or hold one to see what the model
 * does meanwhile.
 */

import { ServerConnection } from '@jupyterlab/services';
import type { Event } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal, Stream } from '@lumino/signaling';

import {
  ApiError,
  ExportFormat,
  ICodexApi,
  IContextCell,
  ICurrent,
  IExportedFile,
  IImportReport,
  IMessage,
  IMessagePage,
  IReplyRun,
  ISearchHit,
  ISessionPage,
  ISessionSummary,
  IStoreChange,
  MAX_PAGE,
  MessageStatus,
  Role,
  STORE_CHANGED_SCHEMA
} from '../api';
import { INotebookDocument } from '../notebooksessions';

/** The sidebar's strings, untranslated. */
export const trans = nullTranslator.load('codex_jupyter');

/** The scope the fake server gives the notebook at contents path `path`. */
export function scopeOf(path: string): string {
  return `/root/${path}`;
}

type Method = keyof ICodexApi;

interface IStoredSession {
  summary: ISessionSummary;
  messages: IMessage[];
}

export class FakeApi implements ICodexApi {
  /** Every request, in the order made: the method and its arguments, e.g. `listSessions 0 100`. */
  readonly requests: string[] = [];

  /** The most requests that were ever under way at once. */
  maxConcurrent = 0;

  /** Called as each request is answered, with the request: a way to change the store between two requests. */
  onAnswer: ((request: string) => void) | null = null;

  /** Store a session (updated after every one stored before) with `count` messages; its id. */
  addSession(title: string | null = null, count = 0): string {
    const id = `session-${++this._ids}`;
    const now = this._tick();
    this._sessions.set(id, {
      summary: { id, title, created_at: now, updated_at: now, message_count: 0 },
      messages: []
    });
    this.addMessages(id, count);
    return id;
  }

  /** Store `count` sessions at once, the first stored first; their ids. */
  addSessions(count: number, title = 'session'): string[] {
    return Array.from({ length: count }, (_, n) => this.addSession(`${title} ${n}`));
  }

  /** Store `count` more messages in a session, as another client would: "message N" for its N-th. */
  addMessages(id: string, count: number): void {
    const stored = this._stored(id);
    for (let n = 0; n < count; n++) {
      this._append(stored, 'user', `message ${stored.messages.length}`);
    }
  }

  /** Delete a session, as another client would. */
  removeSession(id: string): void {
    this._sessions.delete(id);
  }

  /** Change a stored message, as a reply streaming in (or another client) would. */
  updateMessage(id: string, messageId: string, content: string, status: MessageStatus = 'streaming'): void {
    const stored = this._stored(id);
    stored.messages = stored.messages.map(message => {
      if (message.id !== messageId) {
        return message;
      }
      const updated: IMessage = { ...message, content, status };
      if (status === 'complete') {
        delete updated.status; // a complete message has no status field
      }
      return updated;
    });
  }

  /** Make a session current in the notebook at `path`, as its kernel would. */
  makeCurrent(path: string, id: string | null): void {
    this._current.set(path, id);
  }

  /** The stored messages of a session. */
  messagesOf(id: string): IMessage[] {
    return this._stored(id).messages;
  }

  /** Titles in the server's order (most recently updated first). */
  get titles(): (string | null)[] {
    return this._ordered().map(session => session.title);
  }

  /** Make the next call of `method` reject with `error` (without doing anything). */
  failNext(method: Method, error: Error): void {
    this._failures.set(method, error);
  }

  /** Hold the next call of `method` until the function returned is called; it is answered then. */
  hold(method: Method): () => void {
    let release!: () => void;
    this._holds.set(method, new Promise<void>(resolve => (release = resolve)));
    return () => release();
  }

  listSessions(offset: number, limit: number): Promise<ISessionPage> {
    return this._answer('listSessions', [offset, limit], () => {
      if (limit > MAX_PAGE) {
        throw new ApiError(`The server refused: limit must be at most ${MAX_PAGE}`, 400);
      }
      const sessions = this._ordered();
      return { sessions: sessions.slice(offset, offset + limit), total: sessions.length, offset, limit };
    });
  }

  createSession(title: string | null = null): Promise<ISessionSummary> {
    return this._answer('createSession', [title], () => this._stored(this.addSession(title)).summary);
  }

  getSession(id: string, offset: number, limit: number): Promise<IMessagePage> {
    return this._answer('getSession', [id, offset, limit], () => {
      const { summary, messages } = this._stored(id);
      const start = offset < 0 ? Math.max(messages.length + offset, 0) : offset;
      return { ...summary, offset: start, messages: messages.slice(start, start + limit) };
    });
  }

  deleteSession(id: string): Promise<void> {
    return this._answer('deleteSession', [id], () => {
      this._stored(id);
      this.removeSession(id);
    });
  }

  addMessage(id: string, role: Role, content: string): Promise<IMessage> {
    return this._answer('addMessage', [id, role, content], () => this._append(this._stored(id), role, content));
  }

  getMessage(id: string, messageId: string): Promise<IMessage> {
    return this._answer('getMessage', [id, messageId], () => {
      const found = this._stored(id).messages.find(message => message.id === messageId);
      if (!found) {
        throw new ApiError('This session no longer exists.', 404);
      }
      return found;
    });
  }

  renameSession(id: string, title: string): Promise<ISessionSummary> {
    return this._answer('renameSession', [id, title], () => {
      const stored = this._stored(id);
      stored.summary = { ...stored.summary, title, updated_at: this._tick() };
      return stored.summary;
    });
  }

  /** Messages containing `query`, in the order stored. */
  search(query: string, limit: number): Promise<ISearchHit[]> {
    return this._answer('search', [query, limit], () =>
      Array.from(this._sessions.values())
        .flatMap(({ summary, messages }) =>
          messages
            .filter(message => message.content.includes(query))
            .map(message => ({
              session_id: summary.id,
              session_title: summary.title,
              message_id: message.id,
              role: message.role,
              timestamp: message.timestamp,
              snippet: message.content,
              highlights: [] as [number, number][]
            }))
        )
        .slice(0, limit)
    );
  }

  getCurrent(path: string): Promise<ICurrent> {
    return this._answer('getCurrent', [path], () => this._currentOf(path));
  }

  setCurrent(path: string, sessionId: string | null): Promise<ICurrent> {
    return this._answer('setCurrent', [path, sessionId], () => {
      if (sessionId !== null) {
        this._stored(sessionId);
      }
      this._current.set(path, sessionId);
      return this._currentOf(path);
    });
  }

  /** Store the question and begin the reply, empty and streaming: the test makes it grow. */
  ask(id: string, content: string, context: IContextCell[]): Promise<IReplyRun> {
    return this._answer('ask', [id, content, JSON.stringify(context)], () => {
      const stored = this._stored(id);
      const question = this._append(stored, 'user', content);
      const reply = this._append(stored, 'assistant', '');
      this.updateMessage(id, reply.id, '', 'streaming');
      const run = { run_id: `run-${++this._ids}`, session_id: id, message_id: reply.id, question_id: question.id };
      return { ...run, status: 'streaming' as const };
    });
  }

  stopReply(id: string, runId: string): Promise<IReplyRun> {
    return this._answer('stopReply', [id, runId], () => {
      const reply = this._stored(id).messages.find(message => message.status === 'streaming');
      if (!reply) {
        throw new ApiError('This session no longer exists.', 404);
      }
      this.updateMessage(id, reply.id, reply.content, 'cancelled');
      return { run_id: runId, session_id: id, message_id: reply.id, question_id: '', status: 'cancelled' as const };
    });
  }

  exportSession(id: string, format: ExportFormat): Promise<IExportedFile> {
    return this._answer('exportSession', [id, format], () => {
      const stored = this._stored(id);
      return { name: `${stored.summary.title}.${format}`, content: new Blob([JSON.stringify(stored)]) };
    });
  }

  importFile(name: string, content: string): Promise<IImportReport> {
    return this._answer('importFile', [name], () => {
      const id = this.addSession(name);
      return {
        format: 'json',
        sessions: [{ id, original_id: id, title: name, message_count: 0 }],
        skipped_messages: 0
      };
    });
  }

  /** Record a request, let a hold or failure act on it, then answer it from the store as it is by then. */
  private async _answer<T>(method: Method, args: unknown[], answer: () => T): Promise<T> {
    const request = [method, ...args].join(' ');
    this.requests.push(request);
    this._concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this._concurrent);
    try {
      const held = this._holds.get(method);
      this._holds.delete(method);
      await held;
      await Promise.resolve(); // a real request never answers synchronously
      const failure = this._failures.get(method);
      this._failures.delete(method);
      if (failure) {
        throw failure;
      }
      this.onAnswer?.(request);
      return answer();
    } finally {
      this._concurrent--;
    }
  }

  private _stored(id: string): IStoredSession {
    const stored = this._sessions.get(id);
    if (!stored) {
      throw new ApiError('This session no longer exists.', 404);
    }
    return stored;
  }

  private _append(stored: IStoredSession, role: Role, content: string): IMessage {
    const message = { id: `message-${++this._ids}`, role, content, timestamp: this._tick() };
    stored.messages.push(message);
    stored.summary = { ...stored.summary, updated_at: message.timestamp, message_count: stored.messages.length };
    return message;
  }

  private _currentOf(path: string): ICurrent {
    const id = this._current.get(path) ?? null;
    return { scope: scopeOf(path), session: id && this._sessions.has(id) ? this._stored(id).summary : null };
  }

  private _ordered(): ISessionSummary[] {
    const summaries = Array.from(this._sessions.values(), stored => stored.summary);
    return summaries.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  /** A clock that moves a second per change, so the order of changes is the order of times. */
  private _tick(): string {
    this._now += 1000;
    return new Date(this._now).toISOString();
  }

  private _ids = 0;
  private _now = Date.UTC(2026, 0, 1);
  private _concurrent = 0;
  private readonly _sessions = new Map<string, IStoredSession>();
  private readonly _current = new Map<string, string | null>();
  private readonly _failures = new Map<Method, Error>();
  private readonly _holds = new Map<Method, Promise<void>>();
}

/** The event bus as the model sees it: a stream of emissions. */
export class FakeEvents implements Event.IManager {
  readonly serverSettings = ServerConnection.makeSettings();

  get stream(): Event.Stream {
    return this._stream;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Every subscriber receives what is emitted, as from the server's bus. */
  async emit(request: Event.Request): Promise<void> {
    this._stream.emit({ ...request.data, schema_id: request.schema_id, version: request.version });
  }

  /** Announce a store change as the server does after each one: ids only. */
  announce(
    kind: IStoreChange['kind'],
    sessionId: string | null = null,
    { messageId = null, scope = null }: { messageId?: string | null; scope?: string | null } = {}
  ): void {
    const change = { kind, session_id: sessionId, message_id: messageId, scope, external: true };
    void this.emit({ schema_id: STORE_CHANGED_SCHEMA, version: '1', data: change });
  }

  dispose(): void {
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _isDisposed = false;
  private readonly _stream = new Stream<Event.IManager, Event.Emission>(this);
}

/** A notebook's model as the sidebar sees it: its metadata, changed by the test (as the kernel's bridge would) or the sidebar. */
export class FakeNotebook implements INotebookDocument {
  constructor(public path = 'analysis.ipynb') {}

  get metadataChanged(): Signal<this, { key: string }> {
    return this._metadataChanged;
  }

  getMetadata(key: string): unknown {
    const value = this._metadata.get(key);
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); // a copy, as Lab's model gives
  }

  setMetadata(key: string, value: unknown): void {
    this._metadata.set(key, JSON.parse(JSON.stringify(value)));
    this._metadataChanged.emit({ key });
  }

  private readonly _metadata = new Map<string, unknown>();
  private readonly _metadataChanged = new Signal<this, { key: string }>(this);
}

/**
 * Resolves once everything already under way has finished: the fakes answer on promise jobs only,
 * and those all run before the next timer does.
 */
export function settled(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}
