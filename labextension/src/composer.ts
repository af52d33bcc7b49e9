/**
 * Where a message is written: a text area (Enter sends, Shift+Enter starts a new line),
 * the role to send it as, and Send.
 */

import { caretDownEmptyIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { Role, ROLES } from './api';

/** Stores a message; resolves whether it was stored (else the text stays, to try again). */
export type Send = (role: Role, content: string) => Promise<boolean>;

export class Composer extends Widget {
  constructor(private readonly _send: Send) {
    super({ node: document.createElement('form') });
    this.addClass('codex-Composer');
    this.node.setAttribute('aria-label', 'New message');

    const text = this._text;
    text.className = 'codex-Composer-text';
    text.rows = 3;
    text.placeholder = 'Message (Markdown). Enter sends, Shift+Enter adds a line.';
    text.setAttribute('aria-label', 'Message');

    const role = this._role;
    role.className = 'jp-mod-styled';
    role.setAttribute('aria-label', 'Send as');
    role.append(...ROLES.map(name => new Option(name, name)));
    const roleBox = document.createElement('div');
    roleBox.className = 'codex-Composer-role';
    roleBox.append(role, caretDownEmptyIcon.element({ tag: 'span', className: 'codex-Composer-caret' }));

    const button = this._button;
    button.type = 'submit';
    button.className = 'jp-mod-styled jp-mod-accept codex-Composer-send';
    button.textContent = 'Send';

    const actions = document.createElement('div');
    actions.className = 'codex-Composer-actions';
    actions.append(roleBox, button);
    this.node.append(text, actions);
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'submit':
        event.preventDefault();
        void this._submit();
        break;
      case 'keydown':
        this._onKeyDown(event as KeyboardEvent);
        break;
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('submit', this);
    this._text.addEventListener('keydown', this);
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('submit', this);
    this._text.removeEventListener('keydown', this);
    super.onBeforeDetach(msg);
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this._text.focus();
  }

  private _onKeyDown(event: KeyboardEvent): void {
    // While an input method composes a character, Enter confirms it rather than sending.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (this.node as HTMLFormElement).requestSubmit();
    }
  }

  private async _submit(): Promise<void> {
    const content = this._text.value;
    if (!content.trim() || this._text.readOnly) {
      return;
    }
    // Read-only while sending, so text typed meanwhile cannot be lost when the box is cleared.
    this._text.readOnly = this._button.disabled = true;
    try {
      if (await this._send(this._role.value as Role, content)) {
        this._text.value = '';
      }
    } finally {
      this._text.readOnly = this._button.disabled = false;
    }
  }

  private readonly _text = document.createElement('textarea');
  private readonly _role = document.createElement('select');
  private readonly _button = document.createElement('button');
}
