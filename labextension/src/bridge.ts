/**
 * The notebook-metadata bridge: lets a kernel keep its chat sessions in `metadata.codex` of its notebook.
 *
 * A kernel cannot write the document it runs for, and while a cell runs it cannot receive
 * replies (comm messages reach it on the shell channel, after the cell). So the bridge never
 * makes the kernel wait:
 *
 * - the kernel opens a comm (target `codex_jupyter.notebook`) when `%load_ext codex_jupyter`
 *   runs; this side takes it and answers with the notebook's `metadata.codex` (a `state`
 *   message), and again whenever that metadata changes by other hands;
 * - the kernel's writes are one-way `apply` messages of small numbered changes, applied here
 *   (idempotently) to the notebook model, which makes the notebook dirty; JupyterLab's save and
 *   autosave write it, and then this side tells the kernel which writes the file holds (`ack`).
 *   Until then the kernel keeps them, and sends them again (a `replay`) after every `state`: a
 *   page reloaded before the save loads the file without them, and gets them back that way.
 *
 * A page opened on a kernel that loaded the extension earlier finds the kernel's comm through a
 * comm-info request and takes it over by its id, as ipywidgets does with its widgets' comms: no
 * second comm is opened, so the kernel never has to close one that this page does not know.
 *
 * Every message is described in `codex_jupyter/schemas/notebook.schema.json` (see ./notebookdoc).
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONObject } from '@lumino/coreutils';

// The kernel's messages are applied as they arrive, in order: a module loaded on first use (asynchronously)
// could let a later message overtake an earlier one. So the document rules load with the plugin.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  applyChanges,
  checkDocument,
  IAckMessage,
  IDocument,
  isApplyMessage,
  isKernelMessage,
  IStateMessage
} from './notebookdoc';

/** The comm target both sides use. */
const COMM_TARGET = 'codex_jupyter.notebook';
/** The metadata key holding the sessions. */
const METADATA_KEY = 'codex';

/** A notebook's document context: its model, its kernel, its saves. */
type NotebookContext = NotebookPanel['context'];

/** The bridge of one notebook, following its kernel through changes and restarts. */
class NotebookBridge {
  constructor(private readonly _context: NotebookContext) {
    const sessionContext = _context.sessionContext;
    sessionContext.kernelChanged.connect((_, change) => this._connect(change.newValue));
    this._connect(sessionContext.session?.kernel ?? null);
    void _context.ready.then(() => {
      _context.model.metadataChanged.connect(this._onMetadataChanged, this);
    });
    _context.saveState.connect((_, state) => this._onSaveState(state));
  }

  private _connect(kernel: Kernel.IKernelConnection | null): void {
    this._comm = null;
    if (!kernel) {
      return;
    }
    kernel.registerCommTarget(COMM_TARGET, comm => this._adopt(comm));
    // A kernel that loaded the extension before this page existed keeps its comm open: take it over.
    void kernel
      .requestCommInfo({ target_name: COMM_TARGET })
      .then(reply => {
        const content = reply.content;
        if (content.status !== 'ok' || (this._comm && !this._comm.isDisposed) || kernel.isDisposed) {
          return;
        }
        const [commId] = Object.keys(content.comms);
        if (commId && !kernel.hasComm(commId)) {
          this._adopt(kernel.createComm(COMM_TARGET, commId));
        }
      })
      .catch(() => undefined); // the kernel went away meanwhile; its next start connects again
  }

  private _adopt(comm: Kernel.IComm): void {
    this._comm = comm;
    // The kernel numbers its writes per comm: what this page knew of another comm's counts for nothing.
    this._applied = this._acked = this._appliedAtSave = 0;
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => this._onKernelMessage(msg.content.data);
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
      }
    };
    void this._context.ready.then(() => this._sendState());
  }

  private _onKernelMessage(data: unknown): void {
    const model = this._model;
    if (!model) {
      return;
    }
    if (!isApplyMessage(data)) {
      console.warn('codex-jupyter: ignored a message from the kernel that does not follow the notebook schema', data);
      return;
    }
    if (data.replay) {
      this._awaitingReplay = false;
    }
    const current = model.getMetadata(METADATA_KEY);
    // What this side wrote is valid by construction: only a document from other hands needs the check.
    const problem = this._checked ? null : checkDocument(current);
    if (problem) {
      // The kernel refuses to write into a document it cannot read, and so does this side.
      console.warn(`codex-jupyter: metadata.codex ${problem}; the kernel's changes wait until it is fixed`);
      return;
    }
    this._checked = true;
    const { document, changed, refused } = applyChanges(current as IDocument | undefined, data.changes);
    if (changed) {
      this._applying = true;
      try {
        model.setMetadata(METADATA_KEY, document);
      } finally {
        this._applying = false;
      }
    }
    if (refused.length === 0 && (data.replay || data.seq === this._applied + 1)) {
      this._applied = data.seq;
    } else if (!data.replay && !this._awaitingReplay) {
      // A write this page missed, or one that no longer fits: the kernel's replay brings what is missing.
      this._sendState();
    }
  }

  private _onMetadataChanged(_: INotebookModel, change: { key: string }): void {
    if (change.key === METADATA_KEY && !this._applying) {
      this._checked = false;
      this._sendState();
    }
  }

  private _onSaveState(state: 'started' | 'completed' | 'failed'): void {
    // 'started' is emitted in the same turn as the model is serialized for saving, just before.
    if (state === 'started') {
      this._appliedAtSave = this._applied;
    } else if (state === 'completed' && this._appliedAtSave > this._acked) {
      this._acked = this._appliedAtSave;
      this._send({ op: 'ack', seq: this._acked });
    }
  }

  /** Tell the kernel what the notebook holds now; it answers with a replay of what the notebook lacks. */
  private _sendState(): void {
    const model = this._model;
    if (!model) {
      return;
    }
    const codex = model.getMetadata(METADATA_KEY) ?? null;
    if (this._send({ op: 'state', codex, path: this._context.path, applied: this._applied })) {
      this._awaitingReplay = true;
    }
  }

  private _send(message: IStateMessage | IAckMessage): boolean {
    if (!isKernelMessage(message)) {
      throw new Error('codex-jupyter: a message for the kernel breaks the notebook schema');
    }
    if (!this._comm || this._comm.isDisposed) {
      return false;
    }
    this._comm.send(message as unknown as JSONObject);
    return true;
  }

  private get _model(): INotebookModel | null {
    return this._context.isDisposed ? null : this._context.model;
  }

  private _comm: Kernel.IComm | null = null;
  /** The kernel's writes up to this one are all in the model. */
  private _applied = 0;
  /** The kernel was told that the file holds its writes up to this one. */
  private _acked = 0;
  /** What `_applied` was when the save under way serialized the model. */
  private _appliedAtSave = 0;
  private _awaitingReplay = false;
  private _applying = false;
  /** `metadata.codex` passed `checkDocument` and changed since only by this side's hand. */
  private _checked = false;
}

export const notebookBridgePlugin: JupyterFrontEndPlugin<void> = {
  id: 'codex-jupyter:notebook-bridge',
  description: 'Lets kernels keep chat sessions in their notebook metadata (%codex_store notebook).',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    // One bridge per document: a second view of the same notebook shares its model and kernel.
    const bridged = new WeakSet<NotebookContext>();
    tracker.widgetAdded.connect((_, panel: NotebookPanel) => {
      if (!bridged.has(panel.context)) {
        bridged.add(panel.context);
        new NotebookBridge(panel.context);
      }
    });
  }
};
