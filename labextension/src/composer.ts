/**
 * Where a message is written: a text area, the role to add it as, **Add** (Enter), and **Ask**
 * (Ctrl+Enter: the assistant answers, the reply streaming in), which becomes **Stop** while the
 * reply streams; "Include active cell" sends the notebook's active cell along with a question.
 * Shift+Enter starts a new line.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { caretDownEmptyIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { IContextCell, Role, ROLES } from './api';
import { ChatModel } from './model';

/** The notebook cell a question may be sent with. */
export interface IActiveCell {
  /** Whether a notebook cell is active. */
  readonly available: boolean;
  /** The active cell as context, or null when no notebook cell is active. */
  context(): IContextCell | null;
  /** The active cell changed (another cell, another notebook, or none). */
  readonly changed: ISignal<unknown, void>;
}

export class Composer extends Widget {
  constructor(
    private readonly _model: ChatModel,
    private readonly _cell: IActiveCell,
    private readonly _trans: TranslationBundle
  ) {
    super({ node: document.createElement('form') });
    this.addClass('codex-Composer');
    this.node.setAttribute('aria-label', _trans.__('New message'));

    const text = this._text;
    text.className = 'codex-Composer-text';
    text.rows = 3;
    text.placeholder = _trans.__('Message (Markdown). Enter adds it, Ctrl+Enter asks, Shift+Enter adds a line.');
    text.setAttribute('aria-label', _trans.__('Message'));

    const role = this._role;
    role.className = 'jp-mod-styled';
    role.setAttribute('aria-label', _trans.__('Add as'));
    role.title = _trans.__('The role a message is added as (a question is always the user’s)');
    role.append(...ROLES.map(name => new Option(name, name)));
    const roleBox = document.createElement('div');
    roleBox.className = 'codex-Composer-role';
    roleBox.append(role, caretDownEmptyIcon.element({ tag: 'span', className: 'codex-Composer-caret' }));

    const add = this._add;
    add.type = 'submit';
    add.className = 'jp-mod-styled jp-mod-reject codex-Composer-add';
    add.textContent = _trans.__('Add');
    add.title = _trans.__('Add the message to the session (Enter)');

    const ask = this._ask;
    ask.type = 'button';
    ask.className = 'jp-mod-styled jp-mod-accept codex-Composer-ask';
    ask.textContent = _trans.__('Ask');

    const stop = this._stop;
    stop.type = 'button';
    stop.className = 'jp-mod-styled jp-mod-warn codex-Composer-stop';
    stop.textContent = _trans.__('Stop');
    stop.title = _trans.__('Stop the reply: what came so far is kept');

    const include = this._includeLabel;
    include.className = 'codex-Composer-include';
    this._include.type = 'checkbox';
    include.append(this._include, _trans.__('Include active cell'));
    include.title = _trans.__('Send the notebook’s active cell, and its output, along with the question');

    const actions = document.createElement('div');
    actions.className = 'codex-Composer-actions';
    actions.append(roleBox, add, ask, stop);
    this.node.append(text, actions, include);

    _model.runChanged.connect(this._updateButtons, this);
    _model.transcriptChanged.connect(this._updateButtons, this);
    _cell.changed.connect(this._updateButtons, this);
    this._updateButtons();
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'submit':
        event.preventDefault();
        void this._submit('add');
        break;
      case 'click':
        if (event.target === this._ask) {
          void this._submit('ask');
        } else if (event.target === this._stop) {
          void this._model.stop();
        }
        break;
      case 'keydown':
        this._onKeyDown(event as KeyboardEvent);
        break;
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('submit', this);
    this.node.addEventListener('click', this);
    this._text.addEventListener('keydown', this);
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('submit', this);
    this.node.removeEventListener('click', this);
    this._text.removeEventListener('keydown', this);
    super.onBeforeDetach(msg);
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this._text.focus();
  }

  private _onKeyDown(event: KeyboardEvent): void {
    // While an input method composes a character, Enter confirms it rather than sending.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) {
      return;
    }
    event.preventDefault();
    event.stopPropagation(); // Ctrl+Enter is Lab's "run cell" elsewhere
    void this._submit(event.ctrlKey || event.metaKey ? 'ask' : 'add');
  }

  private _updateButtons(): void {
    const model = this._model;
    const streaming = model.run !== null;
    this._ask.hidden = streaming;
    this._stop.hidden = !streaming;
    this._ask.disabled = this._busy || !model.canAsk;
    this._ask.title = model.canAsk
      ? this._trans.__('Ask the assistant: the reply streams into the session (Ctrl+Enter)')
      : this._trans.__('Replies are stored in the workspace: open a workspace session to ask');
    this._add.disabled = this._busy;
    this._include.disabled = !this._cell.available;
    this._includeLabel.classList.toggle('codex-mod-disabled', !this._cell.available);
  }

  private async _submit(action: 'add' | 'ask'): Promise<void> {
    const content = this._text.value;
    if (!content.trim() || this._busy || (action === 'ask' && (this._ask.disabled || this._ask.hidden))) {
      return;
    }
    // Read-only while sending, so text typed meanwhile cannot be lost when the box is cleared.
    this._busy = this._text.readOnly = true;
    this._updateButtons();
    try {
      let stored: boolean;
      if (action === 'add') {
        stored = await this._model.send(this._role.value as Role, content);
      } else {
        const cell = this._include.checked ? this._cell.context() : null;
        stored = await this._model.ask(content, cell ? [cell] : []);
      }
      if (stored) {
        this._text.value = '';
      }
    } finally {
      this._busy = this._text.readOnly = false;
      this._updateButtons();
    }
  }

  private _busy = false;
  private readonly _text = document.createElement('textarea');
  private readonly _role = document.createElement('select');
  private readonly _add = document.createElement('button');
  private readonly _ask = document.createElement('button');
  private readonly _stop = document.createElement('button');
  private readonly _include = document.createElement('input');
  private readonly _includeLabel = document.createElement('label');
}
