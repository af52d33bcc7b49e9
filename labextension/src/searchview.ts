/**
 * The search box and its results: each hit shows its session's title and a snippet with the
 * matched words marked. The box keeps the focus while the arrow keys move through the results
 * (a combobox, as ARIA describes one) and Enter opens the session at the message, which the
 * transcript scrolls into view and highlights. Escape clears the query.
 *
 * Snippets are untrusted message text: the marks are built from the hit's `highlights` offsets
 * (code points) with text nodes only, never as HTML.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { searchIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { timeElement, sessionLabel } from './format';
import { markedText } from './highlight';
import { ChatModel } from './model';
import { IFoundHit, SearchModel } from './searchmodel';

const RESULTS_ID = 'codex-jupyter-search-results';

export class SearchBox extends Widget {
  constructor(
    private readonly _search: SearchModel,
    private readonly _results: SearchResults,
    trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-Search');
    const input = this._input;
    input.type = 'search';
    input.className = 'codex-Search-input jp-mod-styled';
    input.placeholder = trans.__('Search all sessions (/)');
    input.setAttribute('aria-label', trans.__('Search sessions'));
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', RESULTS_ID);
    input.setAttribute('aria-expanded', 'false');
    this.node.append(searchIcon.element({ tag: 'span', className: 'codex-Search-icon' }), input);
    _search.changed.connect(this._update, this);
    _results.activeChanged.connect(this._update, this);
  }

  /** Put the cursor in the box, its text selected. */
  focus(): void {
    this._input.focus();
    this._input.select();
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'input':
        void this._search.search(this._input.value);
        break;
      case 'keydown':
        this._onKeyDown(event as KeyboardEvent);
        break;
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._input.addEventListener('input', this);
    this._input.addEventListener('keydown', this);
  }

  protected onBeforeDetach(msg: Message): void {
    this._input.removeEventListener('input', this);
    this._input.removeEventListener('keydown', this);
    super.onBeforeDetach(msg);
  }

  private _onKeyDown(event: KeyboardEvent): void {
    switch (event.key) {
      case 'ArrowDown':
        this._results.move(1);
        break;
      case 'ArrowUp':
        this._results.move(-1);
        break;
      case 'Enter':
        this._results.openActive();
        break;
      case 'Escape':
        if (this._input.value === '') {
          return; // nothing to clear: let Lab have the key
        }
        this._input.value = '';
        void this._search.search('');
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  private _update(): void {
    if (this._input.value !== this._search.query) {
      this._input.value = this._search.query;
    }
    this._input.setAttribute('aria-expanded', String(this._search.active));
    const active = this._results.activeId;
    if (active) {
      this._input.setAttribute('aria-activedescendant', active);
    } else {
      this._input.removeAttribute('aria-activedescendant');
    }
  }

  private readonly _input = document.createElement('input');
}

export class SearchResults extends Widget {
  constructor(
    private readonly _search: SearchModel,
    private readonly _model: ChatModel,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-SearchResults');
    this._list.id = RESULTS_ID;
    this._list.setAttribute('role', 'listbox');
    this._list.setAttribute('aria-label', _trans.__('Search results'));
    this._status.className = 'codex-SearchResults-status';
    this.node.append(this._status, this._list);
    _search.changed.connect(this._render, this);
    this._render();
  }

  /** The active result's element id, for the search box's `aria-activedescendant`. */
  get activeId(): string | null {
    return this._active >= 0 ? `${RESULTS_ID}-${this._active}` : null;
  }

  get activeChanged(): ISignal<this, void> {
    return this._activeChanged;
  }

  /** Move the active result by `step`, within the results. */
  move(step: number): void {
    const count = this._search.hits.length;
    if (count > 0) {
      this._setActive(Math.min(Math.max(this._active + step, 0), count - 1));
    }
  }

  /** Open the active result (the first when none is). */
  openActive(): void {
    const hit = this._search.hits[Math.max(this._active, 0)];
    if (hit) {
      this._open(hit);
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._list.addEventListener('click', this._onClick);
  }

  protected onBeforeDetach(msg: Message): void {
    this._list.removeEventListener('click', this._onClick);
    super.onBeforeDetach(msg);
  }

  private _render(): void {
    const { hits, query, searched, error } = this._search;
    this._list.replaceChildren(...hits.map((hit, index) => this._item(hit, index)));
    let status = '';
    if (error) {
      status = error;
    } else if (searched !== query) {
      status = this._trans.__('Searching…');
    } else if (hits.length === 0) {
      status = this._trans.__('Nothing found.');
    }
    this._status.textContent = status;
    this._status.hidden = status === '';
    this._setActive(-1);
  }

  private _item(hit: IFoundHit, index: number): HTMLElement {
    const item = document.createElement('li');
    item.id = `${RESULTS_ID}-${index}`;
    item.className = 'codex-SearchResults-item';
    item.setAttribute('role', 'option');
    item.dataset.index = String(index);
    const title = document.createElement('div');
    title.className = 'codex-SearchResults-title';
    title.textContent = sessionLabel({ title: hit.session_title }, this._trans);
    if (hit.place === 'notebook') {
      const where = document.createElement('span');
      where.className = 'codex-SearchResults-place';
      where.textContent = this._trans.__('in this notebook');
      title.append(' ', where);
    }
    const snippet = document.createElement('div');
    snippet.className = 'codex-SearchResults-snippet';
    snippet.append(...markedText(hit.snippet, hit.highlights));
    const meta = document.createElement('div');
    meta.className = 'codex-SearchResults-meta';
    meta.append(hit.role ?? this._trans.__('title'), ' · ', timeElement(hit.timestamp));
    item.append(title, snippet, meta);
    return item;
  }

  private _setActive(index: number): void {
    const items = Array.from(this._list.children) as HTMLElement[];
    items[this._active]?.setAttribute('aria-selected', 'false');
    this._active = index;
    const item = items[index];
    if (item) {
      item.setAttribute('aria-selected', 'true');
      item.scrollIntoView({ block: 'nearest' });
    }
    this._activeChanged.emit();
  }

  private _open(hit: IFoundHit): void {
    if (hit.message_id) {
      void this._model.openAt(hit.place, hit.session_id, hit.message_id);
    } else {
      this._model.open(hit.session_id, hit.place);
    }
  }

  private readonly _onClick = (event: MouseEvent): void => {
    const item = (event.target as HTMLElement).closest<HTMLElement>('.codex-SearchResults-item');
    const hit = item ? this._search.hits[Number(item.dataset.index)] : undefined;
    if (hit) {
      this._setActive(Number(item!.dataset.index));
      this._open(hit);
    }
  };

  private _active = -1;
  private readonly _list = document.createElement('ul');
  private readonly _status = document.createElement('p');
  private readonly _activeChanged = new Signal<this, void>(this);
}
