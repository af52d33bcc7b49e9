/**
 * The "Codex" chat sidebar plugin: the server's chat sessions, live, in the right sidebar,
 * with its commands (in the palette when there is one).
 */

import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { addIcon, CommandToolbarButton, deleteIcon } from '@jupyterlab/ui-components';

import { CodexApi } from './api';
import { messageCount, sessionLabel } from './format';
import { chatIcon } from './icons';
// The panel goes into the shell when the plugin activates (its tab must be there at once), so these load then anyway.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ChatModel } from './model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CodexPanel } from './panel';

export namespace CommandIDs {
  export const openChat = 'codex-jupyter:open-chat';
  export const newSession = 'codex-jupyter:new-session';
  export const deleteSession = 'codex-jupyter:delete-session';
}

const PALETTE_CATEGORY = 'Codex';

/** None of the commands takes arguments. */
const NO_ARGS = { args: { type: 'object', properties: {} } } as const;

export const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'codex-jupyter:sidebar',
  description: 'The Codex chat sidebar: the server’s chat sessions, following changes as they happen.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const { commands, serviceManager, shell } = app;
    const model = new ChatModel(new CodexApi(serviceManager.serverSettings), serviceManager.events);
    const panel = new CodexPanel(model, rendermime);

    commands.addCommand(CommandIDs.openChat, {
      describedBy: NO_ARGS,
      label: 'Open Chat',
      caption: 'Show the Codex chat sidebar',
      icon: chatIcon,
      execute: () => shell.activateById(panel.id)
    });
    commands.addCommand(CommandIDs.newSession, {
      describedBy: NO_ARGS,
      label: 'New Session',
      caption: 'Start a new chat session',
      icon: addIcon,
      execute: async () => {
        shell.activateById(panel.id);
        await model.createSession();
      }
    });
    commands.addCommand(CommandIDs.deleteSession, {
      describedBy: NO_ARGS,
      label: 'Delete Session',
      caption: 'Delete the open chat session and its messages',
      icon: deleteIcon,
      isEnabled: () => model.session !== null,
      execute: () => confirmAndDelete(model)
    });
    model.transcriptChanged.connect(() => commands.notifyCommandChanged(CommandIDs.deleteSession));

    for (const id of [CommandIDs.newSession, CommandIDs.deleteSession]) {
      panel.toolbar.addItem(id, new CommandToolbarButton({ commands, id }));
    }
    for (const command of [CommandIDs.openChat, CommandIDs.newSession]) {
      palette?.addItem({ command, category: PALETTE_CATEGORY });
    }

    shell.add(panel, 'right', { rank: 700 });
    restorer?.add(panel, panel.id);
  }
};

/** Deleting cannot be undone, and reaches every notebook and kernel sharing the store: ask first. */
async function confirmAndDelete(model: ChatModel): Promise<void> {
  const session = model.session;
  if (!session) {
    return;
  }
  const result = await showDialog({
    title: 'Delete session?',
    // A string body is shown as text: the untrusted title cannot inject markup here.
    body:
      `“${sessionLabel(session)}” and its ${messageCount(session.message_count)} ` +
      'will be deleted for every notebook and kernel using this Jupyter server.',
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
    defaultButton: 0 // Enter keeps the session
  });
  if (result.button.accept) {
    await model.deleteSession(session.id);
  }
}
