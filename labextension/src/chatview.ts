/**
 * The open session's chat: which notebook it belongs to, its transcript, and the composer. The
 * sidebar shows one, and "Open in Main Area" another, of the same model: both follow it live.
 */

import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import { Composer, IActiveCell } from './composer';
import { sessionLabel } from './format';
import { ChatModel } from './model';
import { NotebookLink } from './notebooklink';
import { Transcript } from './transcript';

export class ChatView extends Panel {
  constructor(
    private readonly _model: ChatModel,
    link: NotebookLink,
    rendermime: IRenderMimeRegistry,
    cell: IActiveCell,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-Chat');
    this._composer = new Composer(_model, cell, _trans);
    this.addWidget(new NotebookBar(_model, link, _trans));
    this.addWidget(new Transcript(_model, rendermime, _trans));
    this.addWidget(this._composer);
    _model.transcriptChanged.connect(this._updateTitle, this);
    this._updateTitle();
  }

  /** Activating the chat puts the cursor where one writes. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this._composer.activate();
  }

  /** The open session's title names the view (its section in the sidebar, its tab in the main area). */
  private _updateTitle(): void {
    // While the session loads, its listed summary (if any) has the title already.
    const model = this._model;
    const id = model.openId;
    const listed = model.openPlace === 'workspace' ? model.sessions : (model.notebook?.sessions ?? []);
    const session = model.session ?? listed.find(summary => summary.id === id);
    this.title.label = id ? sessionLabel(session ?? { title: null }, this._trans) : this._trans.__('Chat');
  }

  private readonly _composer: Composer;
}

/**
 * While a notebook is active: whether the open session is that notebook's current session, and
 * if not, "Use in this notebook" to make it so (then `%%codex_say` there writes to it).
 */
class NotebookBar extends Widget {
  constructor(
    private readonly _model: ChatModel,
    private readonly _link: NotebookLink,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('codex-NotebookBar');
    this._text.className = 'codex-NotebookBar-text';
    this._use.className = 'jp-Button jp-mod-minimal codex-NotebookBar-use';
    this._use.textContent = _trans.__('Use in this notebook');
    this._use.addEventListener('click', () => void _link.useInNotebook());
    this.node.append(this._text, this._use);
    _link.changed.connect(this._update, this);
    _model.transcriptChanged.connect(this._update, this);
    this._update();
  }

  private _update(): void {
    const name = this._link.name;
    const id = this._model.openId;
    this.setHidden(name === null || id === null);
    if (name === null || id === null) {
      return;
    }
    const current = this._link.isCurrent(this._model.openPlace, id);
    this.toggleClass('codex-mod-current', current);
    this._text.textContent = current
      ? this._trans.__('The current session of %1', name)
      : this._trans.__('Not the current session of %1', name);
    this._text.title = this._trans.__('What %1 in %2 writes to', '%%codex_say', name);
    this._use.hidden = current;
  }

  private readonly _text = document.createElement('span');
  private readonly _use = document.createElement('button');
}
