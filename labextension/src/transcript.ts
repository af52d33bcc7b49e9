/**
 * The open session's messages, each rendered as Markdown by JupyterLab's rendermime.
 *
 * Message text is untrusted: it is rendered with `trusted: false`, so rendermime's sanitizer
 * removes scripts, event handlers and `javascript:` links, exactly as for an untrusted
 * notebook's Markdown. Roles, times, states and errors are only ever set as text.
 *
 * Above the messages, the way to earlier ones (and to the first); below them, when the window
 * does not reach the end, the way to later ones (and to the latest). A reply that streams is
 * shown growing, marked as streaming; one that was stopped, failed or left incomplete says so.
 */

import { Clipboard } from '@jupyterlab/apputils';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { checkIcon, copyIcon } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import { IMessage } from './api';
import { timeElement } from './format';
import { ChatModel, TranscriptChange } from './model';

/** How close to the bottom (in pixels) still counts as reading the latest messages. */
const STICKY_DISTANCE = 32;

export class Transcript extends Panel {
  constructor(
    private readonly _model: ChatModel,
    private readonly _rendermime: IRenderMimeRegistry,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-Transcript');
    this.node.setAttribute('role', 'log');
    this.node.setAttribute('aria-label', _trans.__('Transcript'));
    this.node.tabIndex = 0; // so keyboard users can scroll it
    this._earlier = Private.notice([
      Private.button(_trans.__('Show earlier messages'), 'codex-Transcript-earlier', () => void _model.showEarlier()),
      Private.button(_trans.__('Jump to first message'), 'codex-Transcript-first', () => _model.showFirst())
    ]);
    this._later = Private.notice([
      Private.button(_trans.__('Show later messages'), 'codex-Transcript-later', () => void _model.showLater()),
      Private.button(_trans.__('Jump to latest'), 'codex-Transcript-latest', () => _model.showLatest())
    ]);
    // The messages go between these two, always the first and the last child.
    this.addWidget(this._earlier);
    this.addWidget(this._later);
    _model.transcriptChanged.connect(this._onChange, this);
    void this._reset(null); // a view opened later (in the main area) shows what is loaded already
  }

  private _onChange(_: ChatModel, change: TranscriptChange): void {
    switch (change.type) {
      case 'reset':
        void this._reset(change.focus);
        break;
      case 'append':
        void this._append(change.messages);
        break;
      case 'prepend':
        void this._prepend(change.messages);
        break;
      case 'update':
        void this._update(change.message);
        break;
      case 'summary':
        this._showNotices();
        break;
    }
  }

  private async _reset(focus: string | null): Promise<void> {
    const generation = ++this._generation;
    for (const view of this._views.values()) {
      view.dispose();
    }
    this._views.clear();
    this._showNotices();
    await this._add(this._model.messages, 1);
    if (generation !== this._generation) {
      return; // another session (or window) opened while these rendered
    }
    const found = focus === null ? undefined : this._views.get(focus);
    if (found) {
      found.addClass('codex-mod-found');
      this._scrollIntoView(found.node);
    } else if (this._model.hasLaterMessages) {
      this.node.scrollTop = 0;
    } else {
      this._scrollToBottom();
    }
  }

  /** New messages: follow them if the reader was at the bottom, else leave the reader's place alone. */
  private async _append(messages: readonly IMessage[]): Promise<void> {
    const follow = this._atBottom();
    this._showNotices();
    await this._add(messages, this.widgets.length - 1);
    if (follow) {
      this._scrollToBottom();
    }
  }

  /** Earlier messages: keep the messages on screen where they were. */
  private async _prepend(messages: readonly IMessage[]): Promise<void> {
    const node = this.node;
    const fromBottom = node.scrollHeight - node.scrollTop;
    this._showNotices();
    await this._add(messages, 1);
    node.scrollTop = node.scrollHeight - fromBottom;
  }

  /** A message changed in place (a reply growing): show it as it is now, still following if the reader was. */
  private async _update(message: IMessage): Promise<void> {
    const view = this._views.get(message.id);
    if (!view) {
      return;
    }
    const follow = this._atBottom();
    await view.render(message);
    if (follow) {
      this._scrollToBottom();
    }
  }

  /** Insert views of `messages` from `index` on; resolves when their Markdown is rendered. */
  private async _add(messages: readonly IMessage[], index: number): Promise<void> {
    const rendered = messages.map((message, offset) => {
      const view = new MessageView(this._rendermime, this._trans);
      this._views.set(message.id, view);
      this.insertWidget(index + offset, view);
      return view.render(message);
    });
    await Promise.all(rendered);
  }

  /** Above the messages, why there are none or the way to earlier ones; below, the way to later ones. */
  private _showNotices(): void {
    const model = this._model;
    let text: string | null = null;
    if (!model.openId) {
      text = this._trans.__('No session open. Pick one above, or send a message to start one.');
    } else if (!model.session) {
      text = this._trans.__('Loading…');
    } else if (model.messages.length === 0) {
      text = this._trans.__('No messages yet.');
    }
    Private.setNotice(this._earlier, text, model.hasEarlierMessages);
    Private.setNotice(this._later, null, model.hasLaterMessages);
  }

  private _atBottom(): boolean {
    const node = this.node;
    return node.scrollHeight - node.scrollTop - node.clientHeight <= STICKY_DISTANCE;
  }

  private _scrollToBottom(): void {
    this.node.scrollTop = this.node.scrollHeight;
  }

  /** Scroll the transcript (only it: scrolling Lab's own panels would disturb its layout) to centre `target`. */
  private _scrollIntoView(target: HTMLElement): void {
    const view = this.node.getBoundingClientRect();
    const box = target.getBoundingClientRect();
    this.node.scrollTop += box.top - view.top - Math.max((this.node.clientHeight - box.height) / 2, 0);
  }

  private _generation = 0;
  private readonly _views = new Map<string, MessageView>();
  private readonly _earlier: Widget;
  private readonly _later: Widget;
}

/** One message: its role, time and state, then its content rendered as untrusted Markdown. */
class MessageView extends Panel {
  constructor(
    rendermime: IRenderMimeRegistry,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-Message');
    const header = document.createElement('div');
    header.className = 'codex-Message-header';
    this._role.className = 'codex-Message-role';
    this._state.className = 'codex-Message-state';
    header.append(this._role, this._time, this._state);
    this.addWidget(new Widget({ node: header }));
    this._body = rendermime.createRenderer('text/markdown');
    this._body.addClass('codex-Message-body');
    this.addWidget(this._body);
    this._error.className = 'codex-Message-error';
    this.node.append(this._error);
  }

  /** Show `message` as it is now; resolves when its Markdown is rendered. */
  async render(message: IMessage): Promise<void> {
    if (this._message === null) {
      this.addClass(`codex-Message-${message.role}`);
      this.node.dataset.id = message.id;
      this._role.textContent = message.role;
      this._time.replaceWith((this._time = timeElement(message.timestamp)));
    }
    const status = message.status ?? 'complete';
    this.node.dataset.status = status;
    this.toggleClass('codex-mod-streaming', status === 'streaming');
    this._state.textContent = Private.stateLabel(status, this._trans);
    this._error.textContent = status === 'error' ? (message.error ?? '') : '';
    this._error.hidden = status !== 'error';
    if (this._message?.content !== message.content) {
      this._message = message;
      const data = { 'text/markdown': message.content };
      await this._body.renderModel(new MimeModel({ data, trusted: false }));
      Private.addCopyButtons(this._body.node, this._trans);
    }
    this._message = message;
  }

  private _message: IMessage | null = null;
  private _time: HTMLElement = document.createElement('time');
  private readonly _role = document.createElement('span');
  private readonly _state = document.createElement('span');
  private readonly _error = document.createElement('div');
  private readonly _body: ReturnType<IRenderMimeRegistry['createRenderer']>;
}

namespace Private {
  export function notice(buttons: HTMLButtonElement[]): Widget {
    const widget = new Widget();
    widget.addClass('codex-Transcript-notice');
    const text = document.createElement('span');
    text.className = 'codex-Transcript-noticeText';
    const actions = document.createElement('div');
    actions.className = 'codex-Transcript-noticeActions';
    actions.append(...buttons);
    widget.node.append(text, actions);
    return widget;
  }

  /** Show `text` in a notice, or its buttons (`actions`), or hide it when there is neither. */
  export function setNotice(widget: Widget, text: string | null, actions: boolean): void {
    const [label, buttons] = Array.from(widget.node.children) as HTMLElement[];
    label.textContent = text ?? '';
    label.hidden = text === null;
    buttons.hidden = text !== null || !actions;
    widget.setHidden(text === null && !actions);
  }

  export function button(label: string, className: string, onClick: () => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.className = `jp-Button jp-mod-minimal ${className}`;
    button.textContent = label;
    button.addEventListener('click', onClick);
    return button;
  }

  /** How a message's state is worded next to its time: nothing for a complete one. */
  export function stateLabel(status: string, trans: TranslationBundle): string {
    switch (status) {
      case 'streaming':
        return trans.__('writing…');
      case 'cancelled':
        return trans.__('stopped');
      case 'incomplete':
        return trans.__('incomplete');
      case 'error':
        return trans.__('failed');
      default:
        return '';
    }
  }

  /** Give every code block a button that copies its code. */
  export function addCopyButtons(body: HTMLElement, trans: TranslationBundle): void {
    for (const pre of Array.from(body.querySelectorAll('pre'))) {
      const block = document.createElement('div');
      block.className = 'codex-CodeBlock';
      const copy = document.createElement('button');
      copy.className = 'jp-Button jp-mod-minimal codex-CodeBlock-copy';
      copy.title = trans.__('Copy');
      copy.setAttribute('aria-label', trans.__('Copy code'));
      copy.append(copyIcon.element({ tag: 'span' }));
      copy.addEventListener('click', () => {
        Clipboard.copyToSystem(pre.textContent ?? '');
        copy.title = trans.__('Copied');
        copy.replaceChildren(checkIcon.element({ tag: 'span' }));
      });
      pre.replaceWith(block);
      block.append(pre, copy);
    }
  }
}
