/**
 * The sidebar's commands: in its toolbar, on a session's context menu, and in the command
 * palette ("Codex: Rename Session", ...).
 *
 * A command that acts on a session takes it as arguments (`id`, `place`); from a session's
 * context menu, it acts on the session clicked; else on the open session.
 */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  deleteIcon,
  downloadIcon,
  editIcon,
  fileUploadIcon,
  launchIcon,
  searchIcon
} from '@jupyterlab/ui-components';
import { ReadonlyJSONObject, ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { EXPORT_FORMATS, ExportFormat, ICodexApi } from './api';
import { download, pickFiles } from './files';
import { messageCount, sessionLabel } from './format';
import { chatIcon } from './icons';
import { ChatModel, ISessionRef } from './model';
import { NotebookLink } from './notebooklink';
import { CodexPanel } from './panel';
import { ITEM_CLASS } from './sessionlist';

export namespace CommandIDs {
  export const openChat = 'codex-jupyter:open-chat';
  export const newSession = 'codex-jupyter:new-session';
  export const deleteSession = 'codex-jupyter:delete-session';
  export const renameSession = 'codex-jupyter:rename-session';
  export const exportSession = 'codex-jupyter:export-session';
  export const importSessions = 'codex-jupyter:import-sessions';
  export const search = 'codex-jupyter:search';
  export const openInMainArea = 'codex-jupyter:open-in-main-area';
  export const useInNotebook = 'codex-jupyter:use-in-notebook';
}

const PALETTE_CATEGORY = 'Codex';

/** Commands without arguments. */
const NO_ARGS = { args: { type: 'object', properties: {} } } as const;
/** A session: by default, the one whose context menu is open, else the open session. */
const SESSION_ARGS = {
  id: { type: 'string', description: 'The session’s id' },
  place: { type: 'string', enum: ['workspace', 'notebook'], description: 'Where it lives (default: workspace)' }
} as const;

/** What the commands act on. */
export interface ICommandContext {
  app: JupyterFrontEnd;
  model: ChatModel;
  link: NotebookLink;
  api: ICodexApi;
  panel: CodexPanel;
  trans: TranslationBundle;
  /** Show the chat in the main area (and bring it to the front). */
  openInMainArea: () => void;
}

export function addCommands(context: ICommandContext, palette: ICommandPalette | null): void {
  const { app, model, link, panel, trans } = context;
  const { commands, shell } = app;
  const target = new SessionTarget(app, model);
  const formatNames: Record<ExportFormat, string> = {
    md: trans.__('Markdown'),
    json: trans.__('JSON'),
    chat: trans.__('Jupyter Chat (.chat)')
  };

  commands.addCommand(CommandIDs.openChat, {
    describedBy: NO_ARGS,
    label: trans.__('Open Chat'),
    caption: trans.__('Show the Codex chat sidebar'),
    icon: chatIcon,
    execute: () => shell.activateById(panel.id)
  });
  commands.addCommand(CommandIDs.newSession, {
    describedBy: NO_ARGS,
    label: trans.__('New Session'),
    caption: trans.__('Start a new chat session'),
    icon: addIcon,
    execute: async () => {
      shell.activateById(panel.id);
      await model.createSession();
    }
  });
  commands.addCommand(CommandIDs.deleteSession, {
    describedBy: { args: { type: 'object', properties: SESSION_ARGS } },
    label: trans.__('Delete Session'),
    caption: trans.__('Delete the session and its messages'),
    icon: deleteIcon,
    isEnabled: args => target.peek(args) !== null,
    execute: args => confirmAndDelete(context, target.take(args))
  });
  commands.addCommand(CommandIDs.renameSession, {
    describedBy: { args: { type: 'object', properties: SESSION_ARGS } },
    label: trans.__('Rename Session'),
    caption: trans.__('Give the session a new title'),
    icon: editIcon,
    isEnabled: args => target.peek(args) !== null,
    execute: args => rename(context, target.take(args))
  });
  commands.addCommand(CommandIDs.exportSession, {
    describedBy: {
      args: {
        type: 'object',
        properties: { ...SESSION_ARGS, format: { type: 'string', enum: [...EXPORT_FORMATS] } }
      }
    },
    label: args =>
      isFormat(args.format) ? trans.__('Export as %1', formatNames[args.format]) : trans.__('Export Session…'),
    caption: trans.__('Download the session as a file'),
    icon: downloadIcon,
    // The server exports what the workspace file holds; a notebook's sessions travel in the notebook.
    isEnabled: args => target.peek(args)?.place === 'workspace',
    execute: args => exportSession(context, target.take(args), isFormat(args.format) ? args.format : null, formatNames)
  });
  commands.addCommand(CommandIDs.importSessions, {
    describedBy: NO_ARGS,
    label: trans.__('Import Sessions…'),
    caption: trans.__('Import sessions from JSON exports or Jupyter Chat (.chat) files'),
    icon: fileUploadIcon,
    execute: () => importSessions(context)
  });
  commands.addCommand(CommandIDs.search, {
    describedBy: NO_ARGS,
    label: trans.__('Search'),
    caption: trans.__('Search the messages and titles of every session'),
    icon: searchIcon,
    execute: () => {
      panel.searchOnActivate();
      shell.activateById(panel.id);
    }
  });
  commands.addCommand(CommandIDs.openInMainArea, {
    describedBy: NO_ARGS,
    label: trans.__('Open in Main Area'),
    caption: trans.__('Show the chat in a main-area tab, with room for long sessions'),
    icon: launchIcon,
    execute: () => context.openInMainArea()
  });
  commands.addCommand(CommandIDs.useInNotebook, {
    describedBy: { args: { type: 'object', properties: SESSION_ARGS } },
    label: trans.__('Use in This Notebook'),
    caption: trans.__('Make the session the active notebook’s current session'),
    isEnabled: args => link.name !== null && target.peek(args) !== null,
    execute: async args => {
      const session = target.take(args);
      if (session) {
        model.open(session.id, session.place);
        await link.useInNotebook();
      }
    }
  });
  model.transcriptChanged.connect(() => {
    for (const id of [CommandIDs.deleteSession, CommandIDs.renameSession, CommandIDs.exportSession]) {
      commands.notifyCommandChanged(id);
    }
  });

  commands.addKeyBinding({ command: CommandIDs.search, keys: ['Accel F'], selector: '.codex-Sidebar' });

  const selector = `.codex-Sidebar .${ITEM_CLASS}`;
  const menu: [string, ReadonlyJSONObject?][] = [
    [CommandIDs.renameSession],
    [CommandIDs.useInNotebook],
    ...EXPORT_FORMATS.map((format): [string, ReadonlyJSONObject] => [CommandIDs.exportSession, { format }]),
    [CommandIDs.deleteSession]
  ];
  menu.forEach(([command, args], index) => app.contextMenu.addItem({ command, args, selector, rank: index }));

  for (const command of [
    CommandIDs.openChat,
    CommandIDs.newSession,
    CommandIDs.search,
    CommandIDs.renameSession,
    CommandIDs.deleteSession,
    CommandIDs.exportSession,
    CommandIDs.importSessions,
    CommandIDs.openInMainArea
  ]) {
    palette?.addItem({ command, category: PALETTE_CATEGORY });
  }
}

function isFormat(value: unknown): value is ExportFormat {
  return EXPORT_FORMATS.includes(value as ExportFormat);
}

/**
 * The session a command acts on: its arguments' `id`, else the session whose context menu was
 * opened (Lab keeps no other trace of it), else the open session.
 */
class SessionTarget {
  constructor(
    app: JupyterFrontEnd,
    private readonly _model: ChatModel
  ) {
    document.addEventListener('contextmenu', this._onContextMenu, true);
    // The menu closes just before it runs the command chosen: forget the session after that.
    app.contextMenu.menu.aboutToClose.connect(() => setTimeout(() => (this._clicked = null), 0));
  }

  /** The session, to say whether the command is enabled. */
  peek(args: ReadonlyPartialJSONObject): ISessionRef | null {
    if (typeof args.id === 'string') {
      return { id: args.id, place: args.place === 'notebook' ? 'notebook' : 'workspace' };
    }
    if (this._clicked) {
      return this._clicked;
    }
    const id = this._model.openId;
    return id ? { id, place: this._model.openPlace } : null;
  }

  /** The session, to act on: a context menu's session is acted on once. */
  take(args: ReadonlyPartialJSONObject): ISessionRef | null {
    const session = this.peek(args);
    this._clicked = null;
    return session;
  }

  private readonly _onContextMenu = (event: MouseEvent): void => {
    const item = (event.target as HTMLElement).closest?.<HTMLElement>(`.${ITEM_CLASS}`);
    const { id, place } = item?.dataset ?? {};
    this._clicked = id ? { id, place: place === 'notebook' ? 'notebook' : 'workspace' } : null;
  };

  private _clicked: ISessionRef | null = null;
}

/** The summary of a session, from wherever it is listed (or open). */
function summaryOf(model: ChatModel, session: ISessionRef) {
  const listed = session.place === 'workspace' ? model.sessions : (model.notebook?.sessions ?? []);
  return (
    listed.find(candidate => candidate.id === session.id) ??
    (model.isOpen(session.place, session.id) ? model.session : null)
  );
}

/** Deleting cannot be undone, and reaches every notebook and kernel sharing the store: ask first. */
async function confirmAndDelete(context: ICommandContext, session: ISessionRef | null): Promise<void> {
  const { model, trans } = context;
  if (!session) {
    return;
  }
  const summary = summaryOf(model, session);
  const label = sessionLabel(summary ?? { title: null }, trans);
  const count = messageCount(summary?.message_count ?? 0, trans);
  const result = await showDialog({
    title: trans.__('Delete session?'),
    // A string body is shown as text: the untrusted title cannot inject markup here.
    body:
      session.place === 'workspace'
        ? trans.__(
            '“%1” and its %2 will be deleted for every notebook and kernel using this Jupyter server.',
            label,
            count
          )
        : trans.__('“%1” and its %2 will be deleted from this notebook (when it is saved).', label, count),
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Delete') })],
    defaultButton: 0 // Enter keeps the session
  });
  if (result.button.accept) {
    await model.deleteSession(session.place, session.id);
  }
}

/** Rename in place in the list; a session not listed (or not shown) gets a dialog instead. */
async function rename(context: ICommandContext, session: ISessionRef | null): Promise<void> {
  const { app, model, panel, trans } = context;
  if (!session) {
    return;
  }
  if (panel.isVisible && panel.sessions.isVisible && panel.sessions.rename(session.place, session.id)) {
    return;
  }
  const summary = summaryOf(model, session);
  const result = await InputDialog.getText({
    title: trans.__('Rename Session'),
    label: trans.__('New title'),
    text: summary?.title ?? '',
    selectionRange: summary?.title?.length ?? 0
  });
  if (result.button.accept && result.value?.trim()) {
    await model.renameSession(session.place, session.id, result.value);
  }
  app.shell.activateById(panel.id);
}

async function exportSession(
  context: ICommandContext,
  session: ISessionRef | null,
  format: ExportFormat | null,
  names: Record<ExportFormat, string>
): Promise<void> {
  const { api, model, trans } = context;
  if (!session || session.place !== 'workspace') {
    return;
  }
  if (!format) {
    const choice = await InputDialog.getItem({
      title: trans.__('Export Session'),
      label: trans.__('Format'),
      items: EXPORT_FORMATS.map(candidate => names[candidate]),
      current: 0
    });
    format = EXPORT_FORMATS.find(candidate => names[candidate] === choice.value) ?? null;
    if (!choice.button.accept || !format) {
      return;
    }
  }
  try {
    const file = await api.exportSession(session.id, format);
    download(file.name, file.content);
  } catch (error) {
    model.reportError(trans.__('Could not export the session.'), error);
  }
}

/** Import the files the user picks; each file's sessions come in as new sessions, and the first opens. */
async function importSessions(context: ICommandContext): Promise<void> {
  const { api, model, trans } = context;
  let opened = false;
  for (const file of await pickFiles('.json,.chat')) {
    try {
      const report = await api.importFile(file.name, await file.text());
      const messages = report.sessions.reduce((sum, session) => sum + session.message_count, 0);
      Notification.success(
        trans._n(
          'Imported %1 session (%2) from %3.',
          'Imported %1 sessions (%2) from %3.',
          report.sessions.length,
          messageCount(messages, trans),
          file.name
        ),
        { autoClose: 5000 }
      );
      if (!opened && report.sessions.length > 0) {
        model.open(report.sessions[0].id);
        opened = true;
      }
    } catch (error) {
      model.reportError(trans.__('Could not import %1.', file.name), error);
    }
  }
}
