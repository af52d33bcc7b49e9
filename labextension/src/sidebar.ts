/**
 * The "Codex" chat sidebar plugin: the server's chat sessions and the active notebook's own,
 * live, in the right sidebar, following the active notebook; the chat in the main area on
 * request; and its commands.
 */

import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { CommandToolbarButton, Toolbar } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';

// The panel goes into the shell when the plugin activates (its tab must be there at once), so these load then anyway.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CodexApi } from './api';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ActiveCell } from './cellcontext';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ChatView } from './chatview';
import { addCommands, CommandIDs } from './commands';
import { IActiveCell } from './composer';
import { chatIcon } from './icons';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ChatModel } from './model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { NotebookLink } from './notebooklink';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { NotebookSessions } from './notebooksessions';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CodexPanel } from './panel';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SearchModel } from './searchmodel';

export { CommandIDs };

/** Without a notebook tracker there is never an active cell. */
const NO_CELL: IActiveCell = { available: false, context: () => null, changed: new Signal<unknown, void>({}) };

export const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'codex-jupyter:sidebar',
  description: 'The Codex chat sidebar: the server’s chat sessions, following changes and the active notebook.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [ICommandPalette, ILayoutRestorer, INotebookTracker, IStateDB, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null,
    state: IStateDB | null,
    translator: ITranslator | null
  ): void => {
    const { commands, serviceManager, shell } = app;
    translator = translator ?? nullTranslator;
    const trans = translator.load('codex_jupyter');
    const api = new CodexApi(serviceManager.serverSettings, trans);
    const model = new ChatModel(api, serviceManager.events, trans);
    const link = new NotebookLink(model, api, serviceManager.events, trans);
    const search = new SearchModel(model, trans);
    const cell = notebooks ? new ActiveCell(notebooks) : NO_CELL;
    const panel = new CodexPanel(model, link, search, rendermime, cell, translator, state);

    // "Open in Main Area": another view of the same model, restored with the layout.
    const mainArea = new MainAreaChat(shell, () => new ChatView(model, link, rendermime, cell, trans));
    const openInMainArea = () => {
      mainArea.open();
      void model.refresh();
    };

    addCommands({ app, model, link, api, panel, trans, openInMainArea }, palette);
    // The sidebar is narrow: "New Session" says what it does, the others show their icon (and name on hover).
    panel.toolbar.addItem(CommandIDs.newSession, new CommandToolbarButton({ commands, id: CommandIDs.newSession }));
    panel.toolbar.addItem('spacer', Toolbar.createSpacerItem());
    for (const id of [CommandIDs.importSessions, CommandIDs.openInMainArea, CommandIDs.deleteSession]) {
      panel.toolbar.addItem(id, new CommandToolbarButton({ commands, id, label: '', caption: commands.label(id) }));
    }

    shell.add(panel, 'right', { rank: 700 });
    restorer?.add(panel, panel.id);
    void restorer?.restore(mainArea.tracker, { command: CommandIDs.openInMainArea, name: () => 'chat' });

    if (notebooks) {
      followActiveNotebook(app, notebooks, link, trans);
    }
  }
};

/** The chat in the main area: one tab at a time, which "Open in Main Area" brings to the front. */
class MainAreaChat {
  constructor(
    private readonly _shell: JupyterFrontEnd.IShell,
    private readonly _content: () => ChatView
  ) {}

  /** Lab's layout restorer reopens the tab through it after a reload. */
  readonly tracker = new WidgetTracker<MainAreaWidget<ChatView>>({ namespace: 'codex-jupyter-chat' });

  open(): void {
    if (!this._widget || this._widget.isDisposed) {
      this._widget = new MainAreaWidget({ content: this._content() });
      this._widget.id = 'codex-jupyter-chat';
      this._widget.addClass('codex-MainAreaChat');
      this._widget.title.icon = chatIcon;
      this._widget.title.closable = true;
      void this.tracker.add(this._widget);
      this._shell.add(this._widget, 'main');
    }
    this._shell.activateById(this._widget.id);
  }

  private _widget: MainAreaWidget<ChatView> | null = null;
}

/** Keep the sidebar's link on the notebook Lab calls current, with that notebook's own sessions. */
function followActiveNotebook(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  link: NotebookLink,
  trans: TranslationBundle
): void {
  const sessions = new WeakMap<NotebookPanel['context'], NotebookSessions>();
  const sessionsOf = (panel: NotebookPanel): NotebookSessions => {
    const context = panel.context;
    let found = sessions.get(context);
    if (!found) {
      const model = context.model;
      const notebook = {
        get path() {
          return context.path;
        },
        getMetadata: (key: string) => model.getMetadata(key),
        setMetadata: (key: string, value: unknown) => model.setMetadata(key, value),
        metadataChanged: model.metadataChanged
      };
      found = new NotebookSessions(notebook, trans);
      sessions.set(context, found);
      context.disposed.connect(() => found!.dispose());
    }
    return found;
  };
  const follow = () => {
    const panel = notebooks.currentWidget;
    if (!panel) {
      link.setNotebook(null);
    } else if (panel.context.isReady) {
      link.setNotebook(sessionsOf(panel));
    } else {
      void panel.context.ready.then(() => {
        if (notebooks.currentWidget === panel) {
          follow();
        }
      });
    }
  };
  notebooks.currentChanged.connect(follow);
  void app.restored.then(follow);
}
