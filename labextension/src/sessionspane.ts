/**
 * The sidebar's "Sessions" section: the search box, then either the search results or the
 * sessions, in one scroller: the active notebook's own ("In this notebook", when it keeps any)
 * above the workspace's.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { ChatModel, Place } from './model';
import { NotebookLink } from './notebooklink';
import { SearchModel } from './searchmodel';
import { SearchBox, SearchResults } from './searchview';
import { SessionList } from './sessionlist';

export class SessionsPane extends Panel {
  constructor(
    private readonly _model: ChatModel,
    link: NotebookLink,
    private readonly _search: SearchModel,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-Sessions');
    this.title.label = _trans.__('Sessions');
    this._lists = {
      notebook: new SessionList(_model, link, 'notebook', _trans),
      workspace: new SessionList(_model, link, 'workspace', _trans)
    };
    const results = new SearchResults(_search, _model, _trans);
    this._searchBox = new SearchBox(_search, results, _trans);
    this._results = results;

    const scroller = new Panel();
    scroller.addClass('codex-Sessions-scroller');
    for (const widget of [
      this._notebookHeading,
      this._notebookProblem,
      this._lists.notebook,
      this._workspaceHeading,
      this._lists.workspace,
      results
    ]) {
      scroller.addWidget(widget);
    }
    this._notebookHeading.addClass('codex-Sessions-heading');
    this._notebookProblem.addClass('codex-Sessions-problem');
    this._workspaceHeading.addClass('codex-Sessions-heading');
    this._workspaceHeading.node.textContent = _trans.__('Workspace');
    this.addWidget(this._searchBox);
    this.addWidget(scroller);

    _model.notebookChanged.connect(this._update, this);
    _search.changed.connect(this._update, this);
    this._update();
  }

  /** Put the cursor in the search box. */
  focusSearch(): void {
    this._searchBox.focus();
  }

  /** Rename a listed session in place; false when it is not listed. */
  rename(place: Place, id: string): boolean {
    if (this._search.active) {
      void this._search.search(''); // the lists come back, to rename in
    }
    return this._lists[place].rename(id);
  }

  private _update(): void {
    const searching = this._search.active;
    const notebook = this._model.notebook;
    const problem = notebook?.problem ?? null;
    const own = !searching && notebook !== null && (notebook.sessions.length > 0 || problem !== null);
    this._notebookHeading.node.textContent = notebook ? this._trans.__('In this notebook') : '';
    this._notebookHeading.node.title = notebook?.path ?? '';
    this._notebookHeading.setHidden(!own);
    this._lists.notebook.setHidden(!own || problem !== null);
    this._notebookProblem.node.textContent = problem
      ? this._trans.__('Its sessions cannot be read: metadata.codex %1', problem)
      : '';
    this._notebookProblem.setHidden(!own || problem === null);
    this._workspaceHeading.setHidden(!own);
    this._lists.workspace.setHidden(searching);
    this._results.setHidden(!searching);
  }

  private readonly _lists: Record<Place, SessionList>;
  private readonly _searchBox: SearchBox;
  private readonly _results: SearchResults;
  private readonly _notebookHeading = new Widget({ node: document.createElement('h3') });
  private readonly _notebookProblem = new Widget({ node: document.createElement('p') });
  private readonly _workspaceHeading = new Widget({ node: document.createElement('h3') });
}
