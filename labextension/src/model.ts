/**
 * What the sidebar shows, kept in step with where sessions live: the workspace's session list,
 * the active notebook's own sessions, the open session's transcript, the reply it is asked for,
 * and the last error.
 *
 * The server pushes change events carrying ids only; the model answers each by reading what it
 * affects through the REST API. A notebook's sessions announce their changes the same way (see
 * ./notebooksessions), so both are followed alike. A transcript only ever grows at its end, or
 * has a message updated in place (a reply streaming in), so catching up is one request for the
 * messages after the last one known, and the absolute `offset` of every page tells exactly which
 * of its messages are new, whatever else happened meanwhile.
 *
 * The transcript holds a window of the session's messages: the latest ones (and then it follows
 * new ones), or a page around a message found by a search, or the first page; earlier and later
 * pages load on request.
 *
 * The session list is read page by page: "show more" asks for the page after the last session
 * listed, so any number of sessions can be reached, while a change (which may move any session
 * to the top) re-reads the sessions listed, in as few requests as the server allows. A reply
 * that streams updates its message ten times a second: those updates re-read the message only,
 * never the list.
 */

import { Event } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ApiError,
  ICodexApi,
  IContextCell,
  IMessage,
  IMessagePage,
  IReplyRun,
  ISessionPage,
  ISessionStore,
  ISessionSummary,
  IStoreChange,
  MAX_PAGE,
  Role,
  storeChange
} from './api';
import { Coalescer } from './coalescer';
import { NotebookSessions } from './notebooksessions';

/** Sessions listed at first and added by each "show more", and messages loaded per request. */
const PAGE = 100;
/** Messages shown before a message opened from a search, for context. */
const CONTEXT_BEFORE = 20;

/** Where a session lives: the server's workspace file, or the active notebook's metadata. */
export type Place = 'workspace' | 'notebook';

/** A session, and where it lives. */
export interface ISessionRef {
  place: Place;
  id: string;
}

/** Which messages of a session to load: from `start` on, or (null) the latest, following new ones; and one to bring into view. */
interface IWindow {
  start: number | null;
  focus: string | null;
}

/**
 * How the transcript changed: another session (or none, or another window of it) opened, with
 * perhaps a message to bring into view; messages loaded at one end; a message updated in place
 * (a reply that grows); the open session's title or message count changed.
 */
export type TranscriptChange =
  | { type: 'reset'; focus: string | null }
  | { type: 'append'; messages: readonly IMessage[] }
  | { type: 'prepend'; messages: readonly IMessage[] }
  | { type: 'update'; message: IMessage }
  | { type: 'summary' };

export class ChatModel implements IDisposable {
  constructor(
    private readonly _api: ICodexApi,
    private readonly _events: Event.IManager,
    private readonly _trans: TranslationBundle
  ) {
    _events.stream.connect(this._onEvent, this);
  }

  /** The listed workspace sessions, most recently updated first. */
  get sessions(): readonly ISessionSummary[] {
    return this._sessions;
  }

  /** How many workspace sessions exist, listed or not. */
  get totalSessions(): number {
    return this._totalSessions;
  }

  get hasMoreSessions(): boolean {
    return this._sessions.length < this._totalSessions;
  }

  /** The active notebook's own sessions, or null when no notebook is active. */
  get notebook(): NotebookSessions | null {
    return this._notebook;
  }

  /** The id of the open session, from the moment it is asked for. */
  get openId(): string | null {
    return this._openId;
  }

  /** Where the open session lives. */
  get openPlace(): Place {
    return this._openPlace;
  }

  /** The open session's summary, once it is loaded. */
  get session(): ISessionSummary | null {
    return this._session;
  }

  /** The loaded messages of the open session, oldest first. */
  get messages(): readonly IMessage[] {
    return this._messages;
  }

  get hasEarlierMessages(): boolean {
    return this._start > 0;
  }

  get hasLaterMessages(): boolean {
    return this._session !== null && this._end < this._session.message_count;
  }

  /** The reply asked for in the open session, while it streams. */
  get run(): IReplyRun | null {
    return this._run && this._run.session_id === this._openId ? this._run : null;
  }

  /** Whether the open session can be asked: replies run in the server, which writes the workspace file only. */
  get canAsk(): boolean {
    return this._openPlace === 'workspace';
  }

  /** What last went wrong, as one sentence for the user; null when all is well. */
  get error(): string | null {
    return this._error;
  }

  get sessionsChanged(): ISignal<this, void> {
    return this._sessionsChanged;
  }

  /** The active notebook changed, or its sessions did. */
  get notebookChanged(): ISignal<this, void> {
    return this._notebookChanged;
  }

  get transcriptChanged(): ISignal<this, TranscriptChange> {
    return this._transcriptChanged;
  }

  get runChanged(): ISignal<this, void> {
    return this._runChanged;
  }

  get errorChanged(): ISignal<this, void> {
    return this._errorChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether `id` in `place` is the open session. */
  isOpen(place: Place, id: string | null): boolean {
    return id !== null && this._openId === id && this._openPlace === place;
  }

  /** Where sessions of `place` are read and written; null for a notebook's when none is active. */
  store(place: Place): ISessionStore | null {
    return place === 'workspace' ? this._api : this._notebook;
  }

  /**
   * Load what is shown, and follow the server's changes from then on. Calling it again
   * catches up on changes whose events were missed (while the event socket reconnected).
   */
  refresh(): Promise<void> {
    this._following = true;
    return this._catchUp();
  }

  /** Show the sessions of the active notebook (null: none is active); a session of the one before closes. */
  setNotebook(notebook: NotebookSessions | null): void {
    if (notebook === this._notebook) {
      return;
    }
    this._notebook?.changed.disconnect(this._onNotebookChanges, this);
    this._notebook = notebook;
    notebook?.changed.connect(this._onNotebookChanges, this);
    if (this._openPlace === 'notebook') {
      this._show(null);
    }
    this._notebookChanged.emit();
  }

  open(id: string | null, place: Place = 'workspace'): void {
    this._setError(null);
    this._show(id, place);
  }

  /** Open a session around one of its messages, which the transcript brings into view. */
  async openAt(place: Place, id: string, messageId: string): Promise<void> {
    const position = await this._act(this._trans.__('Could not open the message.'), () =>
      this._positionOf(place, id, messageId)
    );
    if (position === undefined) {
      return;
    }
    if (position < 0) {
      this._show(id, place);
      this._setError(this._trans.__('That message is no longer in the session.'));
      return;
    }
    this._show(id, place, { start: Math.max(position - CONTEXT_BEFORE, 0), focus: messageId });
  }

  async createSession(): Promise<void> {
    await this._act(this._trans.__('Could not start a session.'), async () => {
      this._show((await this._api.createSession()).id);
    });
    void this._relist();
  }

  async deleteSession(place: Place, id: string): Promise<void> {
    await this._act(this._trans.__('Could not delete the session.'), async () => {
      await this._storeOf(place).deleteSession(id);
      if (this.isOpen(place, id)) {
        this._show(null);
      }
    });
    void this._relist();
  }

  /** Give a session a new title; resolves whether it was stored. */
  async renameSession(place: Place, id: string, title: string): Promise<boolean> {
    const renamed = await this._act(this._trans.__('Could not rename the session.'), async () => {
      await this._storeOf(place).renameSession(id, title);
      return true;
    });
    void this._catchUp();
    return renamed ?? false;
  }

  /**
   * Add a message to the open session, or to a new one when none is open (as `%%codex_say`
   * does), so typed text is never lost. Resolves whether the message was stored.
   */
  async send(role: Role, content: string): Promise<boolean> {
    const sent = await this._act(this._trans.__('Could not send the message.'), async () => {
      const { place, id } = await this._openOrStart();
      await this._storeOf(place).addMessage(id, role, content);
      return true;
    });
    void this._catchUp();
    return sent ?? false;
  }

  /**
   * Ask the assistant in the open session (or a new one): the server stores the question, with
   * the `context` cells below it, and streams the reply into the session. Resolves whether the
   * question was stored.
   */
  async ask(content: string, context: IContextCell[]): Promise<boolean> {
    const asked = await this._act(this._trans.__('Could not ask.'), async () => {
      if (!this.canAsk) {
        throw new ApiError(this._trans.__('Replies are stored in the workspace: open a workspace session to ask.'));
      }
      const { id } = await this._openOrStart();
      this._setRun(await this._api.ask(id, content, context));
      return true;
    });
    void this._catchUp();
    return asked ?? false;
  }

  /** Stop the reply streaming in the open session; what came so far is kept, marked stopped. */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run) {
      return;
    }
    await this._act(this._trans.__('Could not stop the reply.'), async () => {
      await this._api.stopReply(run.session_id, run.run_id);
      if (this._run === run) {
        this._setRun(null);
      }
    });
  }

  /** Load the page of messages before the earliest one loaded. */
  async showEarlier(): Promise<void> {
    const id = this._openId;
    const place = this._openPlace;
    const shown = this._shown;
    const start = this._start;
    if (!id || start === 0) {
      return;
    }
    await this._act(this._trans.__('Could not load earlier messages.'), async () => {
      const offset = Math.max(start - PAGE, 0);
      const page = await this._storeOf(place).getSession(id, offset, start - offset);
      if (this._shown === shown && this._start === start) {
        this._messages = [...page.messages, ...this._messages];
        this._start = offset;
        this._transcriptChanged.emit({ type: 'prepend', messages: page.messages });
      }
    });
  }

  /** Load the page of messages after the latest one loaded, when the window is not at the end. */
  async showLater(): Promise<void> {
    const id = this._openId;
    const place = this._openPlace;
    const shown = this._shown;
    const end = this._end;
    if (!id || !this.hasLaterMessages) {
      return;
    }
    await this._act(this._trans.__('Could not load later messages.'), async () => {
      const page = await this._storeOf(place).getSession(id, end, PAGE);
      if (this._shown === shown && this._end === end) {
        this._session = summary(page);
        this._atEnd = end + page.messages.length >= page.message_count;
        this._messages = [...this._messages, ...page.messages];
        this._transcriptChanged.emit({ type: 'append', messages: page.messages });
        this._transcriptChanged.emit({ type: 'summary' });
      }
    });
  }

  /** Show the open session from its first message. */
  showFirst(): void {
    if (this._openId) {
      this._show(this._openId, this._openPlace, { start: 0, focus: null });
    }
  }

  /** Show the open session's latest messages, and follow new ones again. */
  showLatest(): void {
    if (this._openId) {
      this._show(this._openId, this._openPlace, { start: null, focus: null });
    }
  }

  /** List the next page of sessions; resolves once it is listed. */
  showMoreSessions(): Promise<void> {
    this._wantedSessions += PAGE;
    return this._sessionSync.request();
  }

  /** Show an error from an action taken outside the model (an export, an import). */
  reportError(what: string, error: unknown): void {
    this._fail(what, error);
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
    this._notebook?.changed.disconnect(this._onNotebookChanges, this);
    Signal.clearData(this);
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    const change = storeChange(emission);
    if (change && this._following) {
      this._onChange('workspace', change);
    }
  }

  private _onNotebookChanges(_: NotebookSessions, changes: IStoreChange[]): void {
    this._notebookChanged.emit();
    for (const change of changes) {
      this._onChange('notebook', change);
    }
  }

  private _onChange(place: Place, change: IStoreChange): void {
    // Which session is current in a notebook is followed by ./notebooklink; a streamed update changes no summary.
    if (change.kind === 'current_changed') {
      return;
    }
    if (place === 'workspace' && change.kind !== 'message_updated') {
      void this._relist();
    }
    if (!this.isOpen(place, change.session_id)) {
      return;
    }
    switch (change.kind) {
      case 'session_deleted':
        this._show(null);
        break;
      case 'session_created': // only for a notebook's session edited by hand: load it again
        this._show(change.session_id, place, { start: this._atEnd ? null : this._start, focus: null });
        break;
      case 'message_updated':
        if (change.message_id) {
          this._pendingUpdates.add(change.message_id);
          void this._updateSync.request();
        }
        break;
      default:
        void this._transcriptSync.request();
    }
  }

  /**
   * Open a session without touching the error line (also how a deleted session closes): its
   * latest messages, unless it is open already. With `window`, load that window, even if it is.
   */
  private _show(id: string | null, place: Place = 'workspace', window?: IWindow): void {
    if (!window && (id === null ? this._openId === null : this.isOpen(place, id))) {
      return;
    }
    this._shown++;
    this._openId = id;
    this._openPlace = place;
    this._session = null;
    this._messages = [];
    this._start = window?.start ?? 0;
    this._atEnd = (window?.start ?? null) === null;
    this._focus = window?.focus ?? null;
    this._pendingUpdates.clear();
    this._transcriptChanged.emit({ type: 'reset', focus: null });
    this._runChanged.emit();
    void this._transcriptSync.request();
  }

  /** The open session, or a new workspace session (opened) when none is open. */
  private async _openOrStart(): Promise<ISessionRef> {
    if (this._openId) {
      return { place: this._openPlace, id: this._openId };
    }
    const id = (await this._api.createSession()).id;
    this._show(id);
    return { place: 'workspace', id };
  }

  private _storeOf(place: Place): ISessionStore {
    const store = this.store(place);
    if (!store) {
      throw new ApiError(this._trans.__('The notebook of this session is no longer active.'));
    }
    return store;
  }

  /** Where a message is in its session, reading pages backwards from the end; -1 if it is not there. */
  private async _positionOf(place: Place, id: string, messageId: string): Promise<number> {
    if (place === 'notebook') {
      this._storeOf(place); // says so when no notebook is active
      return this._notebook!.position(id, messageId);
    }
    const loaded = this.isOpen(place, id) ? this._messages.findIndex(message => message.id === messageId) : -1;
    if (loaded >= 0) {
      return this._start + loaded;
    }
    let page = await this._api.getSession(id, -MAX_PAGE, MAX_PAGE);
    for (;;) {
      const index = page.messages.findIndex(message => message.id === messageId);
      if (index >= 0) {
        return page.offset + index;
      }
      if (page.offset === 0) {
        return -1;
      }
      const offset = Math.max(page.offset - MAX_PAGE, 0);
      page = await this._api.getSession(id, offset, page.offset - offset);
    }
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
      this._fail(this._trans.__('Could not list the sessions.'), error);
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

  /**
   * Load the open session's window, or once loaded, catch up: with a window at the end, every
   * message after the last one known; else only the summary (how many messages there are now).
   */
  private async _syncTranscript(): Promise<void> {
    const id = this._openId;
    const place = this._openPlace;
    const shown = this._shown;
    if (!id) {
      return;
    }
    try {
      const store = this._storeOf(place);
      let page: IMessagePage;
      do {
        const loaded = this._session !== null;
        const before = this._session;
        if (!loaded) {
          page = await store.getSession(id, this._atEnd ? -PAGE : this._start, PAGE);
        } else {
          page = await store.getSession(id, this._end, this._atEnd ? PAGE : 0);
        }
        if (this._shown !== shown) {
          return; // another session or window opened meanwhile, and asked for its own run
        }
        this._session = summary(page);
        if (!loaded) {
          this._messages = page.messages;
          this._start = page.offset;
          this._transcriptChanged.emit({ type: 'reset', focus: this._focus });
          this._noteReplies(page.messages);
        } else {
          const fresh = page.messages.slice(this._end - page.offset);
          if (fresh.length > 0) {
            this._messages = [...this._messages, ...fresh];
            this._transcriptChanged.emit({ type: 'append', messages: fresh });
            this._noteReplies(fresh);
            if (fresh.some(message => this._pendingUpdates.has(message.id))) {
              void this._updateSync.request(); // an update announced while this page was on its way
            }
          }
          // A window at the end shows every message it counts; one away from it tells how many are after it.
          const counted = !this._atEnd && before?.message_count !== page.message_count;
          if (before?.title !== page.title || counted) {
            this._transcriptChanged.emit({ type: 'summary' });
          }
        }
      } while (this._atEnd && page.messages.length > 0 && this._end < page.message_count);
    } catch (error) {
      if (this._shown !== shown) {
        return;
      }
      if (error instanceof ApiError && error.status === 404) {
        this._show(null);
      }
      this._fail(this._trans.__('Could not load the session.'), error);
    }
  }

  /**
   * Read again the messages announced as updated (a reply growing), each once however many
   * updates were announced meanwhile. One not loaded yet waits for the page that brings it,
   * since that page may have been read before the update.
   */
  private async _syncUpdates(): Promise<void> {
    const id = this._openId;
    const place = this._openPlace;
    const shown = this._shown;
    if (!id) {
      return;
    }
    const loaded = new Set(this._messages.map(message => message.id));
    const due = [...this._pendingUpdates].filter(messageId => loaded.has(messageId));
    for (const messageId of this._atEnd ? due : this._pendingUpdates) {
      this._pendingUpdates.delete(messageId); // outside a window that grows, the others never arrive
    }
    try {
      for (const messageId of due) {
        const message = await this._storeOf(place).getMessage(id, messageId);
        if (this._shown !== shown) {
          return;
        }
        const index = this._messages.findIndex(known => known.id === messageId);
        if (index >= 0) {
          this._messages = this._messages.map((known, n) => (n === index ? message : known));
          this._transcriptChanged.emit({ type: 'update', message });
        }
        this._noteReplies([message]);
      }
    } catch (error) {
      if (this._shown === shown && !(error instanceof ApiError && error.status === 404)) {
        this._fail(this._trans.__('Could not load the session.'), error);
      }
    }
  }

  /** The reply asked for has ended once its message is seen no longer streaming. */
  private _noteReplies(messages: readonly IMessage[]): void {
    const run = this._run;
    const reply = run && messages.find(message => message.id === run.message_id);
    if (reply && reply.status !== 'streaming') {
      this._setRun(null);
    }
  }

  private _setRun(run: IReplyRun | null): void {
    this._run = run;
    this._runChanged.emit();
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
      this._setError(`${what} ${this._trans.__('Something unexpected happened (see the browser console).')}`);
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
  private _notebook: NotebookSessions | null = null;
  /**
   * Counts the windows shown (every `_show`): a read begun for one window is dropped when it
   * answers after another was shown, even of the same session, since it would mix the two.
   */
  private _shown = 0;
  private _openId: string | null = null;
  private _openPlace: Place = 'workspace';
  private _session: ISessionSummary | null = null;
  private _messages: IMessage[] = [];
  private _start = 0;
  /** Whether the window reaches the session's end, and so follows new messages. */
  private _atEnd = true;
  /** The message to bring into view when the window loads. */
  private _focus: string | null = null;
  private _run: IReplyRun | null = null;
  private _error: string | null = null;
  private readonly _pendingUpdates = new Set<string>();
  private readonly _sessionSync = new Coalescer(() => this._syncSessions());
  private readonly _transcriptSync = new Coalescer(() => this._syncTranscript());
  private readonly _updateSync = new Coalescer(() => this._syncUpdates());
  private readonly _sessionsChanged = new Signal<this, void>(this);
  private readonly _notebookChanged = new Signal<this, void>(this);
  private readonly _transcriptChanged = new Signal<this, TranscriptChange>(this);
  private readonly _runChanged = new Signal<this, void>(this);
  private readonly _errorChanged = new Signal<this, void>(this);
}

function summary(page: IMessagePage): ISessionSummary {
  const { id, title, created_at, updated_at, message_count } = page;
  return { id, title, created_at, updated_at, message_count };
}
