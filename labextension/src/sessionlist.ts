/**
 * The list of sessions, most recently updated first: click or Enter opens one. Below it, when
 * not all are listed, how many are, and a button to list more.
 *
 * The list is one tab stop (arrow keys, Home and End move within it), as a listbox should be:
 * with a hundred sessions, tabbing through each would be a chore.
 *
 * It may hold thousands of items, and every change re-reads the list: so an item is built once
 * per version of its session and kept, and the DOM is only touched where the order changed
 * ("show more" appends a page; a session updated elsewhere moves one item to the top).
 */

import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { ISessionSummary } from './api';
import { messageCount, sessionLabel, sessionsShown, timeElement } from './format';
import { ChatModel, TranscriptChange } from './model';

const ITEM_CLASS = 'codex-SessionList-item';

export class SessionList extends Widget {
  constructor(private readonly _model: ChatModel) {
    super();
    this.addClass('codex-SessionList');
    this.title.label = 'Sessions';
    this._list.setAttribute('role', 'listbox');
    this._list.setAttribute('aria-label', 'Chat sessions');
    this._empty.className = 'codex-SessionList-empty';
    this._empty.textContent = 'No sessions yet. Start one with New Session, or just send a message.';
    this._count.className = 'codex-SessionList-count';
    this._more.className = 'codex-SessionList-more jp-Button jp-mod-minimal';
    this._more.textContent = 'Show more sessions';
    this._footer.className = 'codex-SessionList-footer';
    this._footer.append(this._count, this._more);
    this.node.append(this._list, this._empty, this._footer);
    _model.sessionsChanged.connect(this._render, this);
    _model.transcriptChanged.connect(this._onTranscriptChanged, this);
    this._render();
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'click':
        this._onClick(event as MouseEvent);
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
    this._list.addEventListener('keydown', this);
    this._list.addEventListener('focusin', this);
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('click', this);
    this._list.removeEventListener('keydown', this);
    this._list.removeEventListener('focusin', this);
    super.onBeforeDetach(msg);
  }

  private _render(): void {
    const focused = this._items.find(item => item === document.activeElement)?.dataset.id;
    const sessions = this._model.sessions;
    this._place(sessions.map(session => this._itemOf(session)));
    this._empty.hidden = sessions.length > 0;
    this._footer.hidden = !this._model.hasMoreSessions;
    this._count.textContent = sessionsShown(sessions.length, this._model.totalSessions);
    this._markOpen();
    // The focused item was moved or replaced: focus the same session's, so keyboard users stay put.
    this._items.find(item => item.dataset.id === focused)?.focus();
  }

  /** The item showing `session` as it is now: the one already built if the session has not changed since. */
  private _itemOf(session: ISessionSummary): HTMLElement {
    const day = new Date().toDateString(); // an item built on another day may show a time of day as today's
    const built = this._built.get(session.id);
    if (
      built?.day === day &&
      built.session.title === session.title &&
      built.session.updated_at === session.updated_at &&
      built.session.message_count === session.message_count
    ) {
      return built.item;
    }
    const item = Private.item(session);
    this._built.set(session.id, { session, day, item });
    return item;
  }

  /** Make `items` the list's children, in order, moving only those out of place. */
  private _place(items: HTMLElement[]): void {
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
    const open = this._model.openId;
    for (const item of this._items) {
      const selected = String(item.dataset.id === open);
      if (item.getAttribute('aria-selected') !== selected) {
        item.setAttribute('aria-selected', selected);
      }
    }
    if (!this._list.contains(document.activeElement)) {
      const items = this._items;
      this._setTabStop(items.find(item => item.dataset.id === open) ?? items[0]);
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
    const item = (event.target as HTMLElement).closest<HTMLElement>(`.${ITEM_CLASS}`);
    if (item?.dataset.id) {
      this._model.open(item.dataset.id);
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
        this._model.open(items[index].dataset.id!);
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

  private readonly _list = document.createElement('ul');
  private readonly _empty = document.createElement('p');
  private readonly _built = new Map<string, { session: ISessionSummary; day: string; item: HTMLElement }>();
  private readonly _footer = document.createElement('div');
  private readonly _count = document.createElement('p');
  private readonly _more = document.createElement('button');
}

namespace Private {
  /** One session's entry; its title is untrusted text, so it is only ever set as text. */
  export function item(session: ISessionSummary): HTMLElement {
    const item = document.createElement('li');
    item.className = ITEM_CLASS;
    item.setAttribute('role', 'option');
    item.tabIndex = -1; // focusable by the arrow keys; the list's one tab stop gets 0
    item.dataset.id = session.id;
    const title = document.createElement('div');
    title.className = 'codex-SessionList-title';
    title.textContent = sessionLabel(session);
    title.classList.toggle('codex-mod-untitled', !session.title);
    title.title = title.textContent;
    const meta = document.createElement('div');
    meta.className = 'codex-SessionList-meta';
    meta.append(`${messageCount(session.message_count)} · `, timeElement(session.updated_at));
    item.append(title, meta);
    return item;
  }
}
