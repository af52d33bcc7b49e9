/**
 * The sidebar's search: the query typed, and the messages and titles it finds, in the active
 * notebook's own sessions (searched here) and in the workspace (searched by the server).
 *
 * Typing asks for a search per keystroke; runs never overlap and a burst of keystrokes costs at
 * most two runs (./coalescer), and a run's results are shown only if the query is still the
 * one it searched for.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, ISearchHit } from './api';
import { Coalescer } from './coalescer';
import { parseQuery } from './localsearch';
import { ChatModel, Place } from './model';

/** The most hits asked of each place. */
const LIMIT = 50;

/** A hit, and where its session lives. */
export interface IFoundHit extends ISearchHit {
  place: Place;
}

export class SearchModel {
  constructor(
    private readonly _model: ChatModel,
    private readonly _trans: TranslationBundle
  ) {}

  get query(): string {
    return this._query;
  }

  /** Whether a query is typed: the sidebar shows results instead of the session lists. */
  get active(): boolean {
    return this._query.trim() !== '';
  }

  /** The hits for the query: the active notebook's first, then the workspace's, best first. */
  get hits(): readonly IFoundHit[] {
    return this._hits;
  }

  /** The query the hits were found for (the query itself once its search ended). */
  get searched(): string | null {
    return this._searched;
  }

  /** Why the last search failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Search for `query`; resolves once a search that began after this call has ended. */
  search(query: string): Promise<void> {
    this._query = query;
    this._changed.emit();
    return this._sync.request();
  }

  private async _run(): Promise<void> {
    const query = this._query;
    let hits: IFoundHit[] = [];
    let error: string | null = null;
    if (parseQuery(query).length > 0) {
      try {
        for (const place of ['notebook', 'workspace'] as const) {
          const found = (await this._model.store(place)?.search(query, LIMIT)) ?? [];
          hits = [...hits, ...found.map(hit => ({ ...hit, place }))];
        }
      } catch (failure) {
        error =
          failure instanceof ApiError
            ? failure.message
            : this._trans.__('Something unexpected happened (see the browser console).');
        if (!(failure instanceof ApiError)) {
          console.error('codex-jupyter:', failure);
        }
      }
    }
    if (query === this._query) {
      this._hits = hits;
      this._error = error;
      this._searched = query;
      this._changed.emit();
    }
  }

  private _query = '';
  private _searched: string | null = null;
  private _hits: IFoundHit[] = [];
  private _error: string | null = null;
  private readonly _sync = new Coalescer(() => this._run());
  private readonly _changed = new Signal<this, void>(this);
}
