/**
 * A list of sessions, most recently updated first: the workspace's, or the active notebook's
 * own. Click or Enter opens one; double-click or F2 renames it in place; the session current in
 * the active notebook is marked. Below the workspace's, when not all are listed, how many are,
 * and a button to list more.
 *
 * The list is one tab stop (arrow keys, Home and End move within it), as a listbox should be:
 * with a hundred sessions, tabbing through each would be a chore.
 *
 * It may hold thousands of items, and every change re-reads the list: so an item is built once
 * per version of its session and kept, and the DOM is only touched where the order changed
 * ("show more" appends a page; a session updated elsewhere moves one item to the top).
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { ISessionSummary } from './api';
import { messageCount, sessionLabel, sessionsShown, timeElement } from './format';
import { ChatModel, Place, TranscriptChange } from './model';
import { NotebookLink } from './notebooklink';

/** The class of a session's item, which the context menu's commands look for. */
export const ITEM_CLASS = 'codex-SessionList-item';

/** What an item was built from: when none of it changed, the item is kept. */
interface IBuilt {
  session: ISessionSummary;
  current: boolean;
  day: string;
  item: HTMLElement;
}

export class SessionList extends Widget {
  constructor(
    private readonly _model: ChatModel,
    private readonly _link: NotebookLink,
    private readonly _place: Place,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-SessionList');
    this.node.dataset.place = _place;
    this._list.setAttribute('role', 'listbox');
    this._list.setAttribute(
      'aria-label',
      _place === 'workspace' ? _trans.__('Workspace sessions') : _trans.__('Sessions in this notebook')
    );
    this._empty.className = 'codex-SessionList-empty';
    this._empty.textContent = _trans.__('No sessions yet. Start one with New Session, or just send a message.');
    this._count.className = 'codex-SessionList-count';
    this._more.className = 'codex-SessionList-more jp-Button jp-mod-minimal';
    this._more.textContent = _trans.__('Show more sessions');
    this._footer.className = 'codex-SessionList-footer';
    this._footer.append(this._count, this._more);
    this.node.append(this._list, this._empty, this._footer);
    if (_place === 'workspace') {
      _model.sessionsChanged.connect(this._render, this);
    } else {
      _model.notebookChanged.connect(this._render, this);
    }
    _link.changed.connect(this._render, this);
    _model.transcriptChanged.connect(this._onTranscriptChanged, this);
    this._render();
  }

  /** The sessions listed. */
  get sessions(): readonly ISessionSummary[] {
    return this._place === 'workspace' ? this._model.sessions : (this._model.notebook?.sessions ?? []);
  }

  /**
   * Turn a session's title into a text box, to rename it: Enter or leaving the box renames,
   * Escape does not. False when the session is not listed here.
   */
  rename(id: string): boolean {
    const item = this._items.find(candidate => candidate.dataset.id === id);
    const session = this.sessions.find(candidate => candidate.id === id);
    if (!item || !session) {
      return false;
    }
    this._editing = id;
    const input = document.createElement('input');
    input.className = 'codex-SessionList-rename jp-mod-styled';
    input.value = session.title ?? '';
    input.placeholder = this._trans.__('Session title');
    input.setAttribute('aria-label', this._trans.__('New title'));
    const title = item.querySelector('.codex-SessionList-title')!;
    title.replaceChildren(input);
    let done = false;
    const finish = async (commit: boolean) => {
      if (done) {
        return;
      }
      done = true;
      const wanted = input.value.trim();
      if (commit && wanted && wanted !== session.title) {
        await this._model.renameSession(this._place, id, wanted);
      }
      this._editing = null;
      this._built.delete(id); // rebuilt from the list as it is now
      this._render();
      this._items.find(candidate => candidate.dataset.id === id)?.focus();
    };
    input.addEventListener('keydown', event => {
      event.stopPropagation(); // the list's keys (Enter opens) are not the box's
      if (event.key === 'Enter') {
        event.preventDefault();
        void finish(true);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        void finish(false);
      }
    });
    input.addEventListener('blur', () => void finish(true));
    input.focus();
    input.select();
    return true;
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'click':
        this._onClick(event as MouseEvent);
        break;
      case 'dblclick':
        this._onDoubleClick(event as MouseEvent);
        break;
      case 'keydown':
        this._onKeyDown(event as KeyboardEvent);
        break;
      case 'focusin':
        this._setTabStop(event.target as HTMLElement);
        break;
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('click', this);
    this.node.addEventListener('dblclick', this);
    this._list.addEventListener('keydown', this);
    this._list.addEventListener('focusin', this);
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('click', this);
    this.node.removeEventListener('dblclick', this);
    this._list.removeEventListener('keydown', this);
    this._list.removeEventListener('focusin', this);
    super.onBeforeDetach(msg);
  }

  private _render(): void {
    const focused = this._items.find(item => item === document.activeElement)?.dataset.id;
    const sessions = this.sessions;
    this._arrange(sessions.map(session => this._itemOf(session)));
    this._empty.hidden = sessions.length > 0;
    const more = this._place === 'workspace' && this._model.hasMoreSessions;
    this._footer.hidden = !more;
    if (more) {
      this._count.textContent = sessionsShown(sessions.length, this._model.totalSessions, this._trans);
    }
    this._markOpen();
    // The focused item was moved or replaced: focus the same session's, so keyboard users stay put.
    this._items.find(item => item.dataset.id === focused)?.focus();
  }

  /** The item showing `session` as it is now: the one already built if nothing it shows has changed since. */
  private _itemOf(session: ISessionSummary): HTMLElement {
    const day = new Date().toDateString(); // an item built on another day may show a time of day as today's
    const current = this._link.isCurrent(this._place, session.id);
    const built = this._built.get(session.id);
    if (
      built &&
      (this._editing === session.id ||
        (built.day === day &&
          built.current === current &&
          built.session.title === session.title &&
          built.session.updated_at === session.updated_at &&
          built.session.message_count === session.message_count))
    ) {
      return built.item;
    }
    const item = this._build(session, current);
    this._built.set(session.id, { session, current, day, item });
    return item;
  }

  /** One session's entry; its title is untrusted text, so it is only ever set as text. */
  private _build(session: ISessionSummary, current: boolean): HTMLElement {
    const trans = this._trans;
    const item = document.createElement('li');
    item.className = ITEM_CLASS;
    item.setAttribute('role', 'option');
    item.tabIndex = -1; // focusable by the arrow keys; the list's one tab stop gets 0
    item.dataset.id = session.id;
    item.dataset.place = this._place;
    const title = document.createElement('div');
    title.className = 'codex-SessionList-title';
    title.textContent = sessionLabel(session, trans);
    title.classList.toggle('codex-mod-untitled', !session.title);
    title.title = title.textContent;
    const meta = document.createElement('div');
    meta.className = 'codex-SessionList-meta';
    meta.append(`${messageCount(session.message_count, trans)} · `, timeElement(session.updated_at));
    item.append(title, meta);
    if (current) {
      const badge = document.createElement('span');
      badge.className = 'codex-SessionList-current';
      badge.textContent = trans.__('current');
      badge.title = trans.__('The current session of %1: %2 there writes to it', this._link.name ?? '', '%%codex_say');
      meta.append(' · ', badge);
      item.classList.add('codex-mod-current');
    }
    return item;
  }

  /** Make `items` the list's children, in order, moving only those out of place. */
  private _arrange(items: HTMLElement[]): void {
    const list = this._list;
    const listed = new Set(items);
    for (const item of this._items) {
      if (!listed.has(item)) {
        item.remove();
      }
    }
    for (const [id, built] of this._built) {
      if (!listed.has(built.item)) {
        this._built.delete(id);
      }
    }
    items.forEach((item, index) => {
      const current = list.children[index];
      if (current !== item) {
        list.insertBefore(item, current ?? null);
      }
    });
  }

  private _onTranscriptChanged(_: ChatModel, change: TranscriptChange): void {
    if (change.type === 'reset') {
      this._markOpen();
    }
  }

  /** Mark the open session, and make it the list's tab stop unless an item has focus. */
  private _markOpen(): void {
    for (const item of this._items) {
      const selected = String(this._model.isOpen(this._place, item.dataset.id ?? null));
      if (item.getAttribute('aria-selected') !== selected) {
        item.setAttribute('aria-selected', selected);
      }
    }
    if (!this._list.contains(document.activeElement)) {
      const items = this._items;
      this._setTabStop(items.find(item => item.getAttribute('aria-selected') === 'true') ?? items[0]);
    }
  }

  private _setTabStop(target: HTMLElement | undefined): void {
    for (const item of this._items) {
      const tabIndex = item === target ? 0 : -1;
      if (item.tabIndex !== tabIndex) {
        item.tabIndex = tabIndex;
      }
    }
  }

  private _onClick(event: MouseEvent): void {
    if (event.target === this._more) {
      void this._model.showMoreSessions();
      return;
    }
    const target = event.target as HTMLElement;
    const item = target.closest<HTMLElement>(`.${ITEM_CLASS}`);
    if (item?.dataset.id && !target.closest('input')) {
      this._model.open(item.dataset.id, this._place);
    }
  }

  private _onDoubleClick(event: MouseEvent): void {
    const item = (event.target as HTMLElement).closest<HTMLElement>(`.${ITEM_CLASS}`);
    if (item?.dataset.id && this._editing === null) {
      this.rename(item.dataset.id);
    }
  }

  private _onKeyDown(event: KeyboardEvent): void {
    const items = this._items;
    const index = items.indexOf(event.target as HTMLElement);
    if (index < 0) {
      return;
    }
    let next: HTMLElement | undefined;
    switch (event.key) {
      case 'Enter':
      case ' ':
        this._model.open(items[index].dataset.id!, this._place);
        break;
      case 'F2':
        this.rename(items[index].dataset.id!);
        break;
      case 'ArrowDown':
        next = items[Math.min(index + 1, items.length - 1)];
        break;
      case 'ArrowUp':
        next = items[Math.max(index - 1, 0)];
        break;
      case 'Home':
        next = items[0];
        break;
      case 'End':
        next = items[items.length - 1];
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    next?.focus();
  }

  private get _items(): HTMLElement[] {
    return Array.from(this._list.children) as HTMLElement[];
  }

  private _editing: string | null = null;
  private readonly _list = document.createElement('ul');
  private readonly _empty = document.createElement('p');
  private readonly _built = new Map<string, IBuilt>();
  private readonly _footer = document.createElement('div');
  private readonly _count = document.createElement('p');
  private readonly _more = document.createElement('button');
}
