/**
 * The sidebar's link to the active notebook: which session is current in it (what `%%codex_say`
 * there writes to), followed live, and "Use in this notebook".
 *
 * A notebook has a current session in the workspace file, kept under the scope its kernel uses
 * (the server computes it from the notebook's contents path, and names it in `current_changed`
 * events), and, when its kernel keeps sessions in the notebook (`%codex_store notebook`), one in
 * `metadata.codex.current`. When a notebook becomes active, the sidebar opens its current
 * session: the notebook's own if it has one (its sessions are kept in it then), else the
 * workspace's. From then on, whichever of the two changes (`%codex_new`, `%codex_use` in it) is
 * opened.
 */

import { PathExt } from '@jupyterlab/coreutils';
import { Event } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ICodexApi, IStoreChange, storeChange } from './api';
import { ChatModel, Place } from './model';
import { NotebookSessions } from './notebooksessions';

export class NotebookLink implements IDisposable {
  constructor(
    private readonly _model: ChatModel,
    private readonly _api: ICodexApi,
    private readonly _events: Event.IManager,
    private readonly _trans: TranslationBundle
  ) {
    _events.stream.connect(this._onEvent, this);
  }

  /** The active notebook's file name, or null when none is active. */
  get name(): string | null {
    return this._notebook ? PathExt.basename(this._notebook.path) : null;
  }

  /** Which session is current in the active notebook changed, or another notebook became active. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether a session is current in the active notebook. */
  isCurrent(place: Place, id: string | null): boolean {
    const current = place === 'workspace' ? this._workspaceCurrent : (this._notebook?.current ?? null);
    return id !== null && id === current;
  }

  /** The notebook now active (null: none), whose current session the sidebar opens and follows. */
  setNotebook(notebook: NotebookSessions | null): void {
    if (notebook === this._notebook) {
      return;
    }
    this._notebook?.changed.disconnect(this._onNotebookChanges, this);
    this._notebook = notebook;
    notebook?.changed.connect(this._onNotebookChanges, this);
    this._scope = this._workspaceCurrent = null;
    this._model.setNotebook(notebook);
    this._changed.emit();
    if (notebook) {
      if (notebook.current) {
        this._model.open(notebook.current, 'notebook');
      }
      void this._readCurrent(notebook);
    }
  }

  /** Make the open session the active notebook's current session: what `%%codex_say` in it writes to next. */
  async useInNotebook(): Promise<void> {
    const notebook = this._notebook;
    const id = this._model.openId;
    if (!notebook || !id) {
      return;
    }
    try {
      if (this._model.openPlace === 'notebook') {
        await notebook.setCurrent(id);
      } else {
        const { scope, session } = await this._api.setCurrent(notebook.path, id);
        if (this._notebook === notebook) {
          this._scope = scope;
          this._workspaceCurrent = session?.id ?? null;
        }
      }
      this._model.dismissError();
    } catch (error) {
      this._model.reportError(this._trans.__('Could not make it the notebook’s session.'), error);
    }
    this._changed.emit();
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

  /** Learn the notebook's scope and its current session in the workspace; open that one if the notebook has none of its own. */
  private async _readCurrent(notebook: NotebookSessions): Promise<void> {
    try {
      const { scope, session } = await this._api.getCurrent(notebook.path);
      if (this._notebook !== notebook) {
        return;
      }
      this._scope = scope;
      this._workspaceCurrent = session?.id ?? null;
      this._changed.emit();
      if (session && !notebook.current) {
        this._model.open(session.id, 'workspace');
      }
    } catch (error) {
      this._model.reportError(this._trans.__('Could not read the notebook’s current session.'), error);
    }
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    const change = storeChange(emission);
    if (change?.kind === 'current_changed' && change.scope !== null && change.scope === this._scope) {
      this._follow('workspace', change);
    }
  }

  private _onNotebookChanges(_: NotebookSessions, changes: IStoreChange[]): void {
    for (const change of changes) {
      if (change.kind === 'current_changed') {
        this._follow('notebook', change);
      }
    }
  }

  private _follow(place: Place, change: IStoreChange): void {
    if (place === 'workspace') {
      this._workspaceCurrent = change.session_id;
    }
    this._changed.emit();
    if (change.session_id) {
      this._model.open(change.session_id, place);
    }
  }

  private _notebook: NotebookSessions | null = null;
  /** The active notebook as its kernel names it, once the server said. */
  private _scope: string | null = null;
  private _workspaceCurrent: string | null = null;
  private _isDisposed = false;
  private readonly _changed = new Signal<this, void>(this);
}
