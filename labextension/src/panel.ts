/**
 * The "Codex" sidebar: the session list above the open session's chat (transcript and
 * composer), in resizable, collapsible sections like Lab's own sidebars, and a one-line
 * error at the bottom.
 *
 * It loads nothing until first shown, and catches up each time it is shown again.
 */

import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { AccordionToolbar, closeIcon, SidePanel, Toolbar } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { AccordionPanel, Panel, PanelLayout, Widget } from '@lumino/widgets';

import { Composer } from './composer';
import { sessionLabel } from './format';
import { chatIcon } from './icons';
import { ChatModel, TranscriptChange } from './model';
import { SessionList } from './sessionlist';
import { Transcript } from './transcript';

export class CodexPanel extends SidePanel {
  constructor(
    private readonly _model: ChatModel,
    rendermime: IRenderMimeRegistry
  ) {
    const sections = new AccordionPanel({ layout: AccordionToolbar.createLayout({}) });
    super({ content: sections, toolbar: new Toolbar() });
    this.id = 'codex-jupyter-sidebar';
    this.addClass('codex-Sidebar');
    this.title.icon = chatIcon;
    this.title.caption = 'Codex';

    const heading = document.createElement('h2');
    heading.textContent = 'Codex';
    this.header.addWidget(new Widget({ node: heading }));

    this._chat.addClass('codex-Chat');
    this._chat.title.dataset = { codexSection: 'chat' };
    this._chat.addWidget(new Transcript(_model, rendermime));
    this._chat.addWidget(this._composer);
    sections.addWidget(new SessionList(_model));
    sections.addWidget(this._chat);
    sections.setRelativeSizes([1, 2]);
    (this.layout as PanelLayout).addWidget(new ErrorLine(_model));
    // The sections are laid out by Lumino, which does not notice the error line taking or giving
    // back room: lay them out again.
    _model.errorChanged.connect(() => sections.update(), this);

    _model.transcriptChanged.connect(this._onTranscriptChanged, this);
    this._onTranscriptChanged(_model, { type: 'reset' });
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this._model.refresh();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this._model.refresh();
  }

  /** Activating the sidebar (its tab, or "Codex: Open Chat") puts the cursor where one writes. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this._composer.activate();
  }

  private _onTranscriptChanged(model: ChatModel, change: TranscriptChange): void {
    if (change.type === 'reset') {
      // While the session loads, its listed summary (if any) has the title already.
      const id = model.openId;
      const session = model.session ?? model.sessions.find(listed => listed.id === id);
      this._chat.title.label = id ? sessionLabel(session ?? { title: null }) : 'Chat';
    }
  }

  private readonly _chat = new Panel();
  private readonly _composer = new Composer((role, content) => this._model.send(role, content));
}

/** The last error, in one line the user can dismiss; a new error replaces it, so errors never pile up. */
class ErrorLine extends Widget {
  constructor(private readonly _model: ChatModel) {
    super();
    this.addClass('codex-ErrorLine');
    this.node.setAttribute('role', 'alert');
    const dismiss = document.createElement('button');
    dismiss.className = 'jp-Button jp-mod-minimal codex-ErrorLine-dismiss';
    dismiss.title = 'Dismiss';
    dismiss.setAttribute('aria-label', 'Dismiss');
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
