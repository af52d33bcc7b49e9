/**
 * The notebook-metadata bridge: lets a kernel keep its chat sessions in `metadata.codex` of its notebook.
 *
 * A kernel cannot write the document it runs for, and while a cell runs it cannot receive
 * replies (comm messages reach it on the shell channel, after the cell). So the bridge never
 * makes the kernel wait:
 *
 * - the kernel opens a comm (target `codex_jupyter.notebook`) when `%load_ext codex_jupyter`
 *   runs; this side answers at once with the notebook's `metadata.codex` (a `state` message),
 *   and again whenever that metadata changes by other hands;
 * - the kernel's writes are one-way `apply` messages of small changes, applied here to the
 *   notebook model, which makes the notebook dirty; JupyterLab's save and autosave write it.
 *
 * A notebook reopened on a kernel that loaded the extension earlier finds the kernel's open
 * comm through a comm-info request, and opens a fresh comm that the kernel adopts.
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONExt, JSONObject, PartialJSONObject } from '@lumino/coreutils';

/** The comm target both sides use. */
const COMM_TARGET = 'codex_jupyter.notebook';
/** The metadata key holding the sessions, and the format version this side writes. */
const METADATA_KEY = 'codex';
const FORMAT_VERSION = 1;

/** One change the kernel made, as it arrives in an `apply` message. */
type Change =
  | { op: 'create_session'; session: JSONObject }
  | { op: 'append_message'; session_id: string; message: JSONObject }
  | { op: 'delete_session'; session_id: string }
  | { op: 'set_current'; session_id: string | null };

interface IDocument extends PartialJSONObject {
  version: number;
  current: string | null;
  sessions: JSONObject[];
}

/**
 * Apply the kernel's changes to a copy of `metadata.codex`. The kernel checked every change
 * against the document it was sent; a change that no longer fits (the metadata was edited in
 * between) is skipped rather than guessed at, and the kernel is sent the document again.
 */
function applyChanges(
  current: IDocument | undefined,
  changes: Change[]
): { document: IDocument; skipped: number } {
  const document: IDocument = current
    ? (JSONExt.deepCopy(current) as IDocument)
    : { version: FORMAT_VERSION, current: null, sessions: [] };
  let skipped = 0;
  const find = (id: string) => document.sessions.find(session => session.id === id);
  for (const change of changes) {
    switch (change.op) {
      case 'create_session':
        document.sessions.push(change.session);
        break;
      case 'append_message': {
        const session = find(change.session_id);
        if (!session) {
          skipped++;
          break;
        }
        const messages = (session.messages as JSONObject[] | undefined) ?? [];
        session.messages = [...messages, change.message];
        session.message_count = messages.length + 1;
        session.updated_at = change.message.timestamp;
        break;
      }
      case 'delete_session':
        document.sessions = document.sessions.filter(s => s.id !== change.session_id);
        if (document.current === change.session_id) {
          document.current = null;
        }
        break;
      case 'set_current':
        document.current = change.session_id;
        break;
      default:
        skipped++;
    }
  }
  return { document, skipped };
}

/** The bridge of one notebook panel, following its kernel through changes and restarts. */
class NotebookBridge {
  constructor(private readonly _panel: NotebookPanel) {
    const context = _panel.sessionContext;
    context.kernelChanged.connect((_, change) => this._connect(change.newValue));
    this._connect(context.session?.kernel ?? null);
    void _panel.context.ready.then(() => {
      _panel.model?.metadataChanged.connect(this._onMetadataChanged, this);
    });
  }

  private _connect(kernel: Kernel.IKernelConnection | null): void {
    this._comm = null;
    if (!kernel) {
      return;
    }
    kernel.registerCommTarget(COMM_TARGET, comm => this._adopt(comm));
    // A kernel that loaded the extension before this connection existed keeps its comm open:
    // find it, and open a fresh one the kernel adopts in its place.
    void kernel
      .requestCommInfo({ target_name: COMM_TARGET })
      .then(reply => {
        const content = reply.content;
        if (content.status === 'ok' && Object.keys(content.comms).length > 0 && !this._comm) {
          const comm = kernel.createComm(COMM_TARGET);
          comm.open({});
          this._adopt(comm);
        }
      })
      .catch(() => undefined); // the kernel went away meanwhile; its next start connects again
  }

  private _adopt(comm: Kernel.IComm): void {
    this._comm = comm;
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => this._onKernelMessage(msg.content.data);
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
      }
    };
    void this._panel.context.ready.then(() => this._sendState());
  }

  private _onKernelMessage(data: JSONObject): void {
    const model = this._model;
    if (data.op !== 'apply' || !model) {
      return;
    }
    const current = model.getMetadata(METADATA_KEY) as IDocument | undefined;
    const { document, skipped } = applyChanges(current, data.changes as unknown as Change[]);
    this._applying = true;
    try {
      model.setMetadata(METADATA_KEY, document);
    } finally {
      this._applying = false;
    }
    if (skipped > 0) {
      console.warn(`codex-jupyter: ${skipped} change(s) from the kernel no longer fit metadata.codex; resent it`);
      this._sendState();
    }
  }

  private _onMetadataChanged(_: INotebookModel, change: { key: string }): void {
    if (change.key === METADATA_KEY && !this._applying) {
      this._sendState();
    }
  }

  /** Tell the kernel what the notebook holds now. */
  private _sendState(): void {
    const model = this._model;
    if (!this._comm || this._comm.isDisposed || !model) {
      return;
    }
    this._comm.send({
      op: 'state',
      codex: (model.getMetadata(METADATA_KEY) ?? null) as JSONObject | null,
      path: this._panel.context.path
    });
  }

  private get _model(): INotebookModel | null {
    return this._panel.isDisposed ? null : this._panel.model;
  }

  private _comm: Kernel.IComm | null = null;
  private _applying = false;
}

export const notebookBridgePlugin: JupyterFrontEndPlugin<void> = {
  id: 'codex-jupyter:notebook-bridge',
  description: 'Lets kernels keep chat sessions in their notebook metadata (%codex_store notebook).',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    tracker.widgetAdded.connect((_, panel) => new NotebookBridge(panel));
  }
};
