/**
 * The server side of the sidebar: the REST API under `<base_url>/codex/api/` and the shape of
 * the change events the server puts on jupyter-server's event bus.
 *
 * `codex_jupyter/server/openapi.yaml` is the reference for every type here.
 */

import { URLExt } from '@jupyterlab/coreutils';
import { Event, ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';

export type Role = 'user' | 'assistant' | 'system';
export const ROLES: readonly Role[] = ['user', 'assistant', 'system'];

export interface ISessionSummary {
  id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
  message_count: number;
}

/** Where a streamed reply stands; a message added whole is `complete` (and has no `status` field). */
export type MessageStatus = 'streaming' | 'complete' | 'cancelled' | 'error' | 'incomplete';

export interface IMessage {
  id: string;
  role: Role;
  content: string;
  timestamp: string;
  status?: MessageStatus;
  /** Why a reply failed (status `error`): one line. */
  error?: string;
}

/** One page of the session list, most recently updated first. */
export interface ISessionPage {
  sessions: ISessionSummary[];
  total: number;
  offset: number;
  limit: number;
}

/** A session with one page of its messages; `offset` is the position of the first one. */
export interface IMessagePage extends ISessionSummary {
  offset: number;
  messages: IMessage[];
}

/** A message or title matching a search; `highlights` are `[start, end)` offsets in code points of `snippet`. */
export interface ISearchHit {
  session_id: string;
  session_title: string | null;
  /** Null when the session's title matched. */
  message_id: string | null;
  role: Role | null;
  timestamp: string;
  snippet: string;
  highlights: [number, number][];
}

/** A notebook cell sent with a question. */
export interface IContextCell {
  source: string;
  output?: string | null;
  label?: string | null;
}

/** A reply the server streams: the question stored, and the reply's message growing. */
export interface IReplyRun {
  run_id: string;
  session_id: string;
  message_id: string;
  question_id: string;
  status: MessageStatus;
  error?: string | null;
}

/** A notebook's current session: `scope` is the notebook as its kernel (and the change events) name it. */
export interface ICurrent {
  scope: string;
  session: ISessionSummary | null;
}

/** A session exported as a file. */
export interface IExportedFile {
  name: string;
  content: Blob;
}

/** What an import did, as the server reports it. */
export interface IImportReport {
  format: 'json' | 'chat';
  sessions: { id: string; original_id: string; title: string | null; message_count: number }[];
  skipped_messages: number;
}

export type ExportFormat = 'md' | 'json' | 'chat';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['md', 'json', 'chat'];

/** The most items one request may ask for. */
export const MAX_PAGE = 1000;

/** A failed request, its `message` already fit to show to the user. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null
  ) {
    super(message);
  }
}

/**
 * What a view of sessions asks of where they are kept: the workspace file (through the server)
 * or a notebook's metadata. Every method rejects with {@link ApiError} on failure.
 */
export interface ISessionStore {
  /** Messages from `offset` on (a negative offset counts from the end), at most `limit`. */
  getSession(id: string, offset: number, limit: number): Promise<IMessagePage>;
  /** One message as it now stands (a streamed reply, as far as it has come). */
  getMessage(id: string, messageId: string): Promise<IMessage>;
  deleteSession(id: string): Promise<void>;
  addMessage(id: string, role: Role, content: string): Promise<IMessage>;
  renameSession(id: string, title: string): Promise<ISessionSummary>;
  /** Messages and titles matching `query`, best first. */
  search(query: string, limit: number): Promise<ISearchHit[]>;
}

/** What the sidebar asks of the server. */
export interface ICodexApi extends ISessionStore {
  /** Summaries from position `offset` of the most-recently-updated-first list, at most `limit`. */
  listSessions(offset: number, limit: number): Promise<ISessionPage>;
  createSession(title?: string | null): Promise<ISessionSummary>;
  /** The current session of the notebook at contents path `path`. */
  getCurrent(path: string): Promise<ICurrent>;
  setCurrent(path: string, sessionId: string | null): Promise<ICurrent>;
  /** Store `content` as a question (with `context` below it) and start the reply in the server. */
  ask(id: string, content: string, context: IContextCell[]): Promise<IReplyRun>;
  /** Stop a reply; resolves once it is stored as stopped. */
  stopReply(id: string, runId: string): Promise<IReplyRun>;
  exportSession(id: string, format: ExportFormat): Promise<IExportedFile>;
  /** Import a file's sessions as new ones. */
  importFile(name: string, content: string): Promise<IImportReport>;
}

/** A small typed client of the REST API. */
export class CodexApi implements ICodexApi {
  constructor(
    private readonly _settings: ServerConnection.ISettings,
    private readonly _trans: TranslationBundle
  ) {}

  listSessions(offset: number, limit: number): Promise<ISessionPage> {
    return this._json(['sessions'], { method: 'GET' }, { offset, limit });
  }

  createSession(title: string | null = null): Promise<ISessionSummary> {
    return this._json(['sessions'], { method: 'POST', body: JSON.stringify({ title }) });
  }

  getSession(id: string, offset: number, limit: number): Promise<IMessagePage> {
    return this._json(['sessions', id], { method: 'GET' }, { offset, limit });
  }

  getMessage(id: string, messageId: string): Promise<IMessage> {
    return this._json(['sessions', id, 'messages', messageId], { method: 'GET' });
  }

  deleteSession(id: string): Promise<void> {
    return this._json(['sessions', id], { method: 'DELETE' });
  }

  addMessage(id: string, role: Role, content: string): Promise<IMessage> {
    return this._json(['sessions', id, 'messages'], { method: 'POST', body: JSON.stringify({ role, content }) });
  }

  renameSession(id: string, title: string): Promise<ISessionSummary> {
    return this._json(['sessions', id], { method: 'PATCH', body: JSON.stringify({ title }) });
  }

  async search(query: string, limit: number): Promise<ISearchHit[]> {
    return (await this._json<{ hits: ISearchHit[] }>(['search'], { method: 'GET' }, { q: query, limit })).hits;
  }

  getCurrent(path: string): Promise<ICurrent> {
    return this._json(['current'], { method: 'GET' }, { path });
  }

  setCurrent(path: string, sessionId: string | null): Promise<ICurrent> {
    return this._json(['current'], { method: 'PUT', body: JSON.stringify({ path, session_id: sessionId }) });
  }

  ask(id: string, content: string, context: IContextCell[]): Promise<IReplyRun> {
    const body = context.length > 0 ? { content, context } : { content };
    return this._json(['sessions', id, 'replies'], { method: 'POST', body: JSON.stringify(body) });
  }

  stopReply(id: string, runId: string): Promise<IReplyRun> {
    return this._json(['sessions', id, 'replies', runId], { method: 'DELETE' });
  }

  async exportSession(id: string, format: ExportFormat): Promise<IExportedFile> {
    const response = await this._request(['sessions', id, 'export'], { method: 'GET' }, { format });
    const name = Private.attachmentName(response.headers.get('Content-Disposition')) ?? `${id}.${format}`;
    return { name, content: await response.blob() };
  }

  importFile(name: string, content: string): Promise<IImportReport> {
    return this._json(['import'], { method: 'POST', body: content }, { name });
  }

  private async _json<T>(path: string[], init: RequestInit, query: Record<string, string | number> = {}): Promise<T> {
    const response = await this._request(path, init, query);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  private async _request(
    path: string[],
    init: RequestInit,
    query: Record<string, string | number> = {}
  ): Promise<Response> {
    const segments = path.map(encodeURIComponent);
    const url = URLExt.join(this._settings.baseUrl, 'codex/api', ...segments) + URLExt.objectToQueryString(query);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this._settings);
    } catch {
      throw new ApiError(this._trans.__('Cannot reach the Jupyter server. Is it still running?'));
    }
    if (!response.ok) {
      throw new ApiError(await Private.describe(response, this._trans), response.status);
    }
    return response;
  }
}

/** The event schema of store changes, and what such an event says. */
export const STORE_CHANGED_SCHEMA = 'https://schema.codex-jupyter.org/store_changed/v1';

export interface IStoreChange {
  kind:
    'session_created' | 'session_deleted' | 'session_renamed' | 'message_added' | 'message_updated' | 'current_changed';
  session_id: string | null;
  message_id: string | null;
  scope: string | null;
  external: boolean;
}

/** The store change an event bus emission announces, or null for other schemas' events. */
export function storeChange(emission: Event.Emission): IStoreChange | null {
  return emission.schema_id === STORE_CHANGED_SCHEMA ? (emission as unknown as IStoreChange) : null;
}

namespace Private {
  /** A short sentence for a refused request: what the server said, or what its status means. */
  export async function describe(response: Response, trans: TranslationBundle): Promise<string> {
    switch (response.status) {
      case 403:
        return trans.__('The server refused access to chat sessions. Reload JupyterLab to log in again.');
      case 404:
        return trans.__('This session no longer exists.');
      case 413:
        return trans.__('It is too large for the server.');
    }
    let detail = '';
    try {
      detail = String(((await response.json()) as { message?: unknown }).message ?? '');
    } catch {
      // not JSON (a proxy's error page, say): the status is all there is to say
    }
    return detail
      ? trans.__('The server refused: %1', detail)
      : trans.__('The server answered %1 %2.', response.status, response.statusText);
  }

  /** The file name a `Content-Disposition: attachment` header gives: its `filename*` (RFC 6266), else `filename`. */
  export function attachmentName(header: string | null): string | null {
    if (!header) {
      return null;
    }
    const extended = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (extended) {
      try {
        return decodeURIComponent(extended[1]);
      } catch {
        // malformed: fall back to the plain name
      }
    }
    return /filename="([^"]*)"/i.exec(header)?.[1] ?? null;
  }
}
