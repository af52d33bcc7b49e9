/**
 * The server side of the sidebar: the REST API under `<base_url>/codex/api/` and the shape of
 * the change events the server puts on jupyter-server's event bus.
 *
 * `codex_jupyter/server/openapi.yaml` is the reference for every type here.
 */

import { URLExt } from '@jupyterlab/coreutils';
import { Event, ServerConnection } from '@jupyterlab/services';

export type Role = 'user' | 'assistant' | 'system';
export const ROLES: readonly Role[] = ['user', 'assistant', 'system'];

export interface ISessionSummary {
  id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface IMessage {
  id: string;
  role: Role;
  content: string;
  timestamp: string;
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

/** What the sidebar asks of the server; every method rejects with {@link ApiError} on failure. */
export interface ICodexApi {
  /** Summaries from position `offset` of the most-recently-updated-first list, at most `limit`. */
  listSessions(offset: number, limit: number): Promise<ISessionPage>;
  createSession(title?: string | null): Promise<ISessionSummary>;
  /** Messages from `offset` on (a negative offset counts from the end), at most `limit`. */
  getSession(id: string, offset: number, limit: number): Promise<IMessagePage>;
  deleteSession(id: string): Promise<void>;
  addMessage(id: string, role: Role, content: string): Promise<IMessage>;
}

/** A small typed client of the REST API. */
export class CodexApi implements ICodexApi {
  constructor(private readonly _settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  listSessions(offset: number, limit: number): Promise<ISessionPage> {
    return this._request(['sessions'], { method: 'GET' }, { offset, limit });
  }

  createSession(title: string | null = null): Promise<ISessionSummary> {
    return this._request(['sessions'], { method: 'POST', body: JSON.stringify({ title }) });
  }

  getSession(id: string, offset: number, limit: number): Promise<IMessagePage> {
    return this._request(['sessions', id], { method: 'GET' }, { offset, limit });
  }

  deleteSession(id: string): Promise<void> {
    return this._request(['sessions', id], { method: 'DELETE' });
  }

  addMessage(id: string, role: Role, content: string): Promise<IMessage> {
    return this._request(['sessions', id, 'messages'], {
      method: 'POST',
      body: JSON.stringify({ role, content })
    });
  }

  private async _request<T>(path: string[], init: RequestInit, query: Record<string, number> = {}): Promise<T> {
    const segments = path.map(encodeURIComponent);
    const url = URLExt.join(this._settings.baseUrl, 'codex/api', ...segments) + URLExt.objectToQueryString(query);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this._settings);
    } catch {
      throw new ApiError('Cannot reach the Jupyter server. Is it still running?');
    }
    if (!response.ok) {
      throw new ApiError(await Private.describe(response), response.status);
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}

/** The event schema of store changes, and what such an event says. */
export const STORE_CHANGED_SCHEMA = 'https://schema.codex-jupyter.org/store_changed/v1';

export interface IStoreChange {
  kind: 'session_created' | 'session_deleted' | 'session_renamed' | 'message_added' | 'current_changed';
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
  export async function describe(response: Response): Promise<string> {
    switch (response.status) {
      case 403:
        return 'The server refused access to chat sessions. Reload JupyterLab to log in again.';
      case 404:
        return 'This session no longer exists.';
      case 413:
        return 'This message is too large for the server.';
    }
    let detail = '';
    try {
      detail = String(((await response.json()) as { message?: unknown }).message ?? '');
    } catch {
      // not JSON (a proxy's error page, say): the status is all there is to say
    }
    return detail ? `The server refused: ${detail}` : `The server answered ${response.status} ${response.statusText}.`;
  }
}
