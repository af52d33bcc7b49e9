/**
 * The "Codex" sidebar: the sessions (with the search box) above the open session's chat, in
 * resizable, collapsible sections like Lab's own sidebars, and a one-line error at the bottom.
 * The split between the two sections is kept across reloads (in Lab's state database).
 *
 * It loads nothing until first shown, and catches up each time it is shown again.
 */

import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { AccordionToolbar, closeIcon, SidePanel, Toolbar } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { AccordionPanel, PanelLayout, Widget } from '@lumino/widgets';

import { ChatView } from './chatview';
import { IActiveCell } from './composer';
import { chatIcon } from './icons';
import { ChatModel } from './model';
import { NotebookLink } from './notebooklink';
import { SearchModel } from './searchmodel';
import { SessionsPane } from './sessionspane';

/** Where the split between the sections is kept. */
const LAYOUT_KEY = 'codex-jupyter:sidebar-layout';
/** Sessions above, chat below: the chat gets most of the room at first. */
const DEFAULT_SIZES = [1, 2];

export class CodexPanel extends SidePanel {
  constructor(
    private readonly _model: ChatModel,
    link: NotebookLink,
    search: SearchModel,
    rendermime: IRenderMimeRegistry,
    cell: IActiveCell,
    translator: ITranslator,
    private readonly _state: IStateDB | null
  ) {
    const sections = new AccordionPanel({ layout: AccordionToolbar.createLayout({}) });
    super({ content: sections, toolbar: new Toolbar(), translator });
    const trans = translator.load('codex_jupyter');
    this.id = 'codex-jupyter-sidebar';
    this.addClass('codex-Sidebar');
    this.title.icon = chatIcon;
    this.title.caption = trans.__('Codex');

    const heading = document.createElement('h2');
    heading.textContent = trans.__('Codex');
    this.header.addWidget(new Widget({ node: heading }));

    this.sessions = new SessionsPane(_model, link, search, trans);
    this._chat = new ChatView(_model, link, rendermime, cell, trans);
    this._chat.title.dataset = { codexSection: 'chat' };
    sections.addWidget(this.sessions);
    sections.addWidget(this._chat);
    this._sections = sections;
    (this.layout as PanelLayout).addWidget(new ErrorLine(_model, trans));
    // The sections are laid out by Lumino, which does not notice the error line taking or giving
    // back room: lay them out again.
    _model.errorChanged.connect(() => sections.update(), this);
    sections.handleMoved.connect(this._saveLayout, this);
    void this._restoreLayout();
  }

  /** The "Sessions" section. */
  readonly sessions: SessionsPane;

  handleEvent(event: Event): void {
    if (event.type === 'keydown') {
      this._onKeyDown(event as KeyboardEvent);
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('keydown', this);
    if (this.isVisible) {
      void this._model.refresh();
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('keydown', this);
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._applySizes();
    void this._model.refresh();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._applySizes();
  }

  /** The next activation puts the cursor in the search box ("Codex: Search") rather than where one writes. */
  searchOnActivate(): void {
    this._searchOnActivate = true;
  }

  /** Activating the sidebar (its tab, or "Codex: Open Chat") puts the cursor where one writes. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (this._searchOnActivate) {
      this._searchOnActivate = false;
      this.sessions.focusSearch();
    } else {
      this._chat.activate();
    }
  }

  /** `/` outside a text box puts the cursor in the search box (Ctrl+F does too: a command's key binding). */
  private _onKeyDown(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    const typing = target.closest('input, textarea, select, [contenteditable="true"]') !== null;
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      event.stopPropagation();
      this.sessions.focusSearch();
    }
  }

  /** The user moved the split: keep these proportions, now and after a reload. */
  private _saveLayout(): void {
    this._sizes = this._sections.relativeSizes();
    this._moved = true;
    void this._state?.save(LAYOUT_KEY, { sizes: this._sizes });
  }

  /** Give the sections the proportions they had, once Lab's state database has them (unless moved since). */
  private async _restoreLayout(): Promise<void> {
    const saved = (await this._state?.fetch(LAYOUT_KEY)) as { sizes?: unknown } | undefined;
    const sizes = saved?.sizes;
    const valid = Array.isArray(sizes) && sizes.length === DEFAULT_SIZES.length && sizes.every(size => size > 0);
    if (valid && !this._moved) {
      this._sizes = sizes as number[];
      this._applySizes();
    }
  }

  /**
   * Give the sections their proportions for the room they have now. Lumino scales relative sizes
   * by the room it has at its next layout, and shares out any change of room equally: laid out
   * while the sidebar is still growing (as when Lab restores it), or resized, the sections would
   * drift towards equal sizes, leaving the chat one message high. So the proportions are given
   * again whenever the sidebar's size changes.
   */
  private _applySizes(): void {
    if (this._sections.node.offsetHeight > 0) {
      this._sections.setRelativeSizes(this._sizes);
    }
  }

  private _searchOnActivate = false;
  /** The proportions of the sections, kept as the sidebar's size changes. */
  private _sizes: number[] = DEFAULT_SIZES;
  private _moved = false;
  private readonly _chat: ChatView;
  private readonly _sections: AccordionPanel;
}

/** The last error, in one line the user can dismiss; a new error replaces it, so errors never pile up. */
class ErrorLine extends Widget {
  constructor(
    private readonly _model: ChatModel,
    trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-ErrorLine');
    this.node.setAttribute('role', 'alert');
    const dismiss = document.createElement('button');
    dismiss.className = 'jp-Button jp-mod-minimal codex-ErrorLine-dismiss';
    dismiss.title = trans.__('Dismiss');
    dismiss.setAttribute('aria-label', trans.__('Dismiss'));
    dismiss.append(closeIcon.element({ tag: 'span' }));
    dismiss.addEventListener('click', () => _model.dismissError());
    this.node.append(this._text, dismiss);
    _model.errorChanged.connect(this._update, this);
    this._update();
  }

  private _update(): void {
    this._text.textContent = this._model.error;
    this.setHidden(this._model.error === null);
  }

  private readonly _text = document.createElement('span');
}
