/**
 * The open session's messages, each rendered as Markdown by JupyterLab's rendermime.
 *
 * Message text is untrusted: it is rendered with `trusted: false`, so rendermime's sanitizer
 * removes scripts, event handlers and `javascript:` links, exactly as for an untrusted
 * notebook's Markdown. Roles and times are only ever set as text.
 */

import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { Panel, Widget } from '@lumino/widgets';

import { IMessage } from './api';
import { ChatModel, TranscriptChange } from './model';
import { timeElement } from './format';

/** How close to the bottom (in pixels) still counts as reading the latest messages. */
const STICKY_DISTANCE = 32;

export class Transcript extends Panel {
  constructor(
    private readonly _model: ChatModel,
    private readonly _rendermime: IRenderMimeRegistry
  ) {
    super();
    this.addClass('codex-Transcript');
    this.node.setAttribute('role', 'log');
    this.node.setAttribute('aria-label', 'Transcript');
    this.node.tabIndex = 0; // so keyboard users can scroll it
    this.addWidget(this._notice); // always the first child: the messages follow it
    _model.transcriptChanged.connect(this._onChange, this);
    this._showNotice();
  }

  private _onChange(_: ChatModel, change: TranscriptChange): void {
    switch (change.type) {
      case 'reset':
        void this._reset();
        break;
      case 'append':
        void this._append(change.messages);
        break;
      case 'prepend':
        void this._prepend(change.messages);
        break;
    }
  }

  private async _reset(): Promise<void> {
    for (const view of this.widgets.slice(1)) {
      view.dispose();
    }
    this._showNotice();
    await this._add(this._model.messages, this.widgets.length);
    this._scrollToBottom();
  }

  /** New messages: follow them if the reader was at the bottom, else leave the reader's place alone. */
  private async _append(messages: readonly IMessage[]): Promise<void> {
    const node = this.node;
    const follow = node.scrollHeight - node.scrollTop - node.clientHeight <= STICKY_DISTANCE;
    this._showNotice();
    await this._add(messages, this.widgets.length);
    if (follow) {
      this._scrollToBottom();
    }
  }

  /** Earlier messages: keep the messages on screen where they were. */
  private async _prepend(messages: readonly IMessage[]): Promise<void> {
    const node = this.node;
    const fromBottom = node.scrollHeight - node.scrollTop;
    this._showNotice();
    await this._add(messages, 1);
    node.scrollTop = node.scrollHeight - fromBottom;
  }

  /** Insert views of `messages` from `index` on; resolves when their Markdown is rendered. */
  private async _add(messages: readonly IMessage[], index: number): Promise<void> {
    const rendered = messages.map((message, offset) => {
      const view = new MessageView(message, this._rendermime);
      this.insertWidget(index + offset, view);
      return view.rendered;
    });
    await Promise.all(rendered);
  }

  /** Above the messages: why there are none, or the button to load earlier ones. */
  private _showNotice(): void {
    const model = this._model;
    const node = this._notice.node;
    let text: string | null = null;
    if (!model.openId) {
      text = 'No session open. Pick one above, or send a message to start one.';
    } else if (!model.session) {
      text = 'Loading…';
    } else if (model.hasEarlierMessages) {
      node.replaceChildren(this._earlierButton);
    } else if (model.messages.length === 0) {
      text = 'No messages yet.';
    }
    if (text !== null) {
      node.textContent = text;
    }
    this._notice.setHidden(text === null && !model.hasEarlierMessages);
  }

  private _scrollToBottom(): void {
    this.node.scrollTop = this.node.scrollHeight;
  }

  private readonly _notice = Private.notice();
  private readonly _earlierButton = Private.earlierButton(() => void this._model.showEarlier());
}

/** One message: its role and time, then its content rendered as untrusted Markdown. */
class MessageView extends Panel {
  constructor(message: IMessage, rendermime: IRenderMimeRegistry) {
    super();
    this.addClass('codex-Message');
    this.addClass(`codex-Message-${message.role}`);
    const header = document.createElement('div');
    header.className = 'codex-Message-header';
    const role = document.createElement('span');
    role.className = 'codex-Message-role';
    role.textContent = message.role;
    header.append(role, timeElement(message.timestamp));
    this.addWidget(new Widget({ node: header }));

    const body = rendermime.createRenderer('text/markdown');
    body.addClass('codex-Message-body');
    this.addWidget(body);
    this.rendered = body.renderModel(new MimeModel({ data: { 'text/markdown': message.content }, trusted: false }));
  }

  readonly rendered: Promise<void>;
}

namespace Private {
  export function notice(): Widget {
    const widget = new Widget();
    widget.addClass('codex-Transcript-notice');
    return widget;
  }

  export function earlierButton(onClick: () => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.className = 'jp-Button jp-mod-minimal codex-Transcript-earlier';
    button.textContent = 'Show earlier messages';
    button.addEventListener('click', onClick);
    return button;
  }
}
