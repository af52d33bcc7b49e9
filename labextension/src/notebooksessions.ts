/**
 * The sessions a notebook keeps in its own `metadata.codex`, read and written by the sidebar.
 *
 * JupyterLab owns the notebook model; the kernel (with `%codex_store notebook`) writes into it
 * through the bridge, as numbered changes that the frontend applies (./bridge). The sidebar
 * writes the same way: one change at a time, applied with the same rules (`applyChanges` of
 * ./notebookdoc) to the document as it is in the model at that moment, and set back at once.
 * Both writers run on the page's one thread, so each applies its change to a document that
 * already holds every change made before it, and neither can overwrite the other's. The bridge
 * sees the sidebar's write as a change by other hands and sends the kernel the new document,
 * onto which the kernel re-applies the writes it has not seen saved; so the kernel's cache holds
 * the sidebar's write too, and a write of the kernel still in flight lands on top of it.
 *
 * Changes to the document, by whichever hand, are announced as the server announces changes to
 * the workspace file (ids only), so the sidebar's model follows both alike.
 */

import { JSONExt, ReadonlyPartialJSONValue, UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { TranslationBundle } from '@jupyterlab/translation';

import {
  ApiError,
  IMessage,
  IMessagePage,
  ISearchHit,
  ISessionStore,
  ISessionSummary,
  IStoreChange,
  Role
} from './api';
import { searchSessions } from './localsearch';
import { applyChanges, Change, checkDocument, IDocument, ISession } from './notebookdoc';

/** The metadata key holding the sessions (as in ./bridge). */
const METADATA_KEY = 'codex';
/** The longest title, in characters, as the store allows. */
const MAX_TITLE = 200;

/** What the sidebar needs of a notebook: where it is, and its model's metadata. */
export interface INotebookDocument {
  /** Its contents path, as JupyterLab knows it. */
  readonly path: string;
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
  readonly metadataChanged: ISignal<unknown, { key: string }>;
}

export class NotebookSessions implements ISessionStore, IDisposable {
  constructor(
    private readonly _notebook: INotebookDocument,
    private readonly _trans: TranslationBundle
  ) {
    this._document = this._read();
    _notebook.metadataChanged.connect(this._onMetadataChanged, this);
  }

  get path(): string {
    return this._notebook.path;
  }

  /** The notebook's sessions, most recently updated first. */
  get sessions(): readonly ISessionSummary[] {
    return this._summaries;
  }

  /** The notebook's current session (`metadata.codex.current`). */
  get current(): string | null {
    return this._document?.current ?? null;
  }

  /** Why `metadata.codex` cannot be read (nothing is written into it then), or null. */
  get problem(): string | null {
    return this._problem;
  }

  /** What changed in `metadata.codex`, by whichever hand, as change events. */
  get changed(): ISignal<this, IStoreChange[]> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async getSession(id: string, offset: number, limit: number): Promise<IMessagePage> {
    const session = this._session(id);
    const count = session.messages.length;
    const start = offset < 0 ? Math.max(count + offset, 0) : offset;
    return { ...summary(session), offset: start, messages: session.messages.slice(start, start + limit).map(message) };
  }

  async getMessage(id: string, messageId: string): Promise<IMessage> {
    const found = this._session(id).messages.find(candidate => candidate.id === messageId);
    if (!found) {
      throw new ApiError(this._trans.__('This message no longer exists.'), 404);
    }
    return message(found);
  }

  /** The position of a message in its session, or -1. */
  position(id: string, messageId: string): number {
    return this._session(id).messages.findIndex(candidate => candidate.id === messageId);
  }

  async addMessage(id: string, role: Role, content: string): Promise<IMessage> {
    const added = { id: UUID.uuid4(), role, content, timestamp: this._after(this._session(id).updated_at) };
    this._write({ op: 'append_message', session_id: id, message: added });
    return added;
  }

  async renameSession(id: string, title: string): Promise<ISessionSummary> {
    const trimmed = title.trim();
    const length = Array.from(trimmed).length;
    if (length < 1 || length > MAX_TITLE) {
      throw new ApiError(this._trans.__('A session title must be 1 to %1 characters.', MAX_TITLE), 400);
    }
    const updated_at = this._after(this._session(id).updated_at);
    this._write({ op: 'rename_session', session_id: id, title: trimmed, updated_at });
    return summary(this._session(id));
  }

  async deleteSession(id: string): Promise<void> {
    this._session(id);
    this._write({ op: 'delete_session', session_id: id });
  }

  /** Make a session the notebook's current one: what `%%codex_say` writes to with `%codex_store notebook`. */
  async setCurrent(id: string | null): Promise<void> {
    this._write({ op: 'set_current', session_id: id });
  }

  async search(query: string, limit: number): Promise<ISearchHit[]> {
    return searchSessions(this._document?.sessions ?? [], query, limit);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._notebook.metadataChanged.disconnect(this._onMetadataChanged, this);
    Signal.clearData(this);
  }

  private _onMetadataChanged(_: unknown, change: { key: string }): void {
    if (change.key !== METADATA_KEY) {
      return;
    }
    const before = this._document;
    this._document = this._read();
    const changes = documentChanges(before, this._document);
    if (changes.length > 0) {
      this._changed.emit(changes);
    }
  }

  /** `metadata.codex` as it now is, or null when there is none or it cannot be read. */
  private _read(): IDocument | null {
    const document = this._notebook.getMetadata(METADATA_KEY);
    this._problem = checkDocument(document);
    const readable = this._problem === null && document ? (document as IDocument) : null;
    this._summaries = (readable?.sessions ?? [])
      .map(summary)
      .sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
    return readable;
  }

  /** Apply one change to the document as it is in the model now, and put it back; the change event follows. */
  private _write(change: Change): void {
    const current = this._notebook.getMetadata(METADATA_KEY);
    const problem = checkDocument(current);
    if (problem) {
      throw new ApiError(this._trans.__('The notebook’s metadata.codex %1: fix or remove it.', problem));
    }
    const { document, changed, refused } = applyChanges(current as IDocument | undefined, [change]);
    if (refused.length > 0) {
      throw new ApiError(this._trans.__('This session no longer exists.'), 404);
    }
    if (changed) {
      this._notebook.setMetadata(METADATA_KEY, document);
    }
  }

  private _session(id: string): ISession {
    const session = this._document?.sessions.find(candidate => candidate.id === id);
    if (!session) {
      throw new ApiError(this._trans.__('This session no longer exists.'), 404);
    }
    return session;
  }

  /** Now, in the document's format, but never before `earlier`: a session's times only move forward. */
  private _after(earlier: string): string {
    return new Date(Math.max(Date.now(), Date.parse(earlier) + 1)).toISOString();
  }

  private _document: IDocument | null;
  private _problem: string | null = null;
  private _summaries: ISessionSummary[] = [];
  private _isDisposed = false;
  private readonly _changed = new Signal<this, IStoreChange[]>(this);
}

function summary(session: ISession): ISessionSummary {
  const { id, title, created_at, updated_at } = session;
  return { id, title: title ?? null, created_at, updated_at, message_count: session.messages.length };
}

function message(stored: ISession['messages'][number]): IMessage {
  const { id, role, content, timestamp, status, error } = stored;
  return { id, role, content, timestamp, ...(status ? { status } : {}), ...(error ? { error } : {}) };
}

/**
 * The changes that turn document `before` into `after`, as the server would announce them.
 *
 * A session whose messages changed other than by growing at their end or being updated in
 * place (edited by hand) is announced as created anew: a view showing it loads it again.
 */
export function documentChanges(before: IDocument | null, after: IDocument | null): IStoreChange[] {
  const changes: IStoreChange[] = [];
  const announce = (kind: IStoreChange['kind'], session_id: string | null, message_id: string | null = null) =>
    changes.push({ kind, session_id, message_id, scope: null, external: true });
  const old = new Map((before?.sessions ?? []).map(session => [session.id, session]));
  const now = new Set((after?.sessions ?? []).map(session => session.id));
  for (const id of old.keys()) {
    if (!now.has(id)) {
      announce('session_deleted', id);
    }
  }
  for (const session of after?.sessions ?? []) {
    const previous = old.get(session.id);
    if (!previous) {
      announce('session_created', session.id);
      continue;
    }
    if ((previous.title ?? null) !== (session.title ?? null)) {
      announce('session_renamed', session.id);
    }
    const was = previous.messages;
    const grown = was.length <= session.messages.length && was.every((m, n) => m.id === session.messages[n].id);
    if (!grown) {
      announce('session_created', session.id);
      continue;
    }
    was.forEach((m, n) => {
      if (!same(m, session.messages[n])) {
        announce('message_updated', session.id, m.id);
      }
    });
    for (const added of session.messages.slice(was.length)) {
      announce('message_added', session.id, added.id);
    }
  }
  if ((before?.current ?? null) !== (after?.current ?? null)) {
    announce('current_changed', after?.current ?? null);
  }
  return changes;
}

function same<T>(a: T, b: T): boolean {
  return JSONExt.deepEqual(a as ReadonlyPartialJSONValue, b as ReadonlyPartialJSONValue);
}
