/**
 * `metadata.codex`, the document a notebook keeps its chat sessions in, and the kernel's changes to it.
 *
 * Pure functions, twins of `codex_jupyter/storage/notebookdoc.py`: both ends check a document against
 * one JSON Schema (`codex_jupyter/schemas/notebook.schema.json`, imported here) plus the few rules a
 * schema cannot say, and apply changes the same idempotent way. So this side refuses what the kernel
 * would refuse, and a change the kernel sends twice (it does, after a page reload) is applied once.
 */

import { JSONExt, ReadonlyPartialJSONValue } from '@lumino/coreutils';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

import schema from '../../codex_jupyter/schemas/notebook.schema.json';

/** The format version of `metadata.codex` this side reads and writes. */
export const FORMAT_VERSION = 1;

export interface IMessage {
  id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  timestamp: string;
  /** Only for a streamed reply that is not complete. */
  status?: 'streaming' | 'complete' | 'cancelled' | 'error' | 'incomplete';
  error?: string;
  [key: string]: unknown;
}

export interface ISession {
  id: string;
  title?: string | null;
  created_at: string;
  updated_at: string;
  message_count?: number;
  messages: IMessage[];
  [key: string]: unknown;
}

/** `metadata.codex`. */
export interface IDocument {
  version: number;
  current?: string | null;
  sessions: ISession[];
  [key: string]: unknown;
}

/** One change the kernel made. */
export type Change =
  | { op: 'create_session'; session: ISession }
  | { op: 'append_message'; session_id: string; message: IMessage }
  | { op: 'update_message'; session_id: string; message: IMessage; updated_at: string }
  | { op: 'rename_session'; session_id: string; title: string; updated_at: string }
  | { op: 'delete_session'; session_id: string }
  | { op: 'set_current'; session_id: string | null };

/** What the kernel sends: the changes of write `seq`, or with `replay` every unsaved change up to `seq`. */
export interface IApplyMessage {
  op: 'apply';
  seq: number;
  changes: Change[];
  replay?: boolean;
}

/** What this side sends: the notebook's document, and which of the kernel's writes the model holds. */
export interface IStateMessage {
  op: 'state';
  codex: unknown;
  path: string;
  applied: number;
}

/** The notebook was saved with every change up to `seq`. */
export interface IAckMessage {
  op: 'ack';
  seq: number;
}

/** A deep copy of a JSON value. */
function copy<T>(value: T): T {
  return JSONExt.deepCopy(value as ReadonlyPartialJSONValue) as T;
}

/** Whether two JSON values are equal, deeply. */
function same<T>(a: T, b: T): boolean {
  return JSONExt.deepEqual(a as ReadonlyPartialJSONValue, b as ReadonlyPartialJSONValue);
}

const ajv = new Ajv2020();
addFormats(ajv, ['date-time']);
ajv.addSchema(schema);

function validatorFor(definition: string): ValidateFunction {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${definition}`);
  if (!validate) {
    throw new Error(`the notebook schema defines no ${definition}`);
  }
  return validate;
}

const documentShape = validatorFor('document');
const fromKernel = validatorFor('toFrontend');
const toKernel = validatorFor('toKernel');

function describe(errors: ErrorObject[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) {
    return 'is malformed';
  }
  const where = error.instancePath ? ` at ${error.instancePath}` : '';
  return `is malformed${where}: ${error.message ?? 'not as the schema says'}`;
}

/**
 * Why `metadata.codex` cannot be read, or `null` when it can (a notebook without it, `null`, is fine).
 * The same rules as the kernel's `check_document`.
 */
export function checkDocument(document: unknown): string | null {
  if (document === null || document === undefined) {
    return null;
  }
  const version = (document as { version?: unknown }).version;
  if (typeof version === 'number' && Number.isInteger(version) && version > FORMAT_VERSION) {
    return `uses format ${version}, newer than this codex-jupyter understands (${FORMAT_VERSION})`;
  }
  if (!documentShape(document)) {
    return describe(documentShape.errors);
  }
  const sessions = (document as IDocument).sessions;
  const ids = new Set(sessions.map(session => session.id));
  if (ids.size !== sessions.length) {
    return 'holds two sessions with the same id';
  }
  const repeated = sessions.findIndex(
    session => new Set(session.messages.map(message => message.id)).size !== session.messages.length
  );
  if (repeated >= 0) {
    return `session ${repeated} holds two messages with the same id`;
  }
  const current = (document as IDocument).current;
  if (current !== undefined && current !== null && !ids.has(current)) {
    return `'current' names no session of the notebook: ${current}`;
  }
  return null;
}

/** Whether `data` is a message the kernel may send (`apply`). */
export function isApplyMessage(data: unknown): data is IApplyMessage {
  return fromKernel(data);
}

/** Whether `data` is a message the kernel accepts (`state`, `ack`): checked before sending. */
export function isKernelMessage(data: unknown): data is IStateMessage | IAckMessage {
  return toKernel(data);
}

/** The outcome of applying changes: the new document, whether it differs, and the changes that did not fit. */
export interface IApplied {
  document: IDocument;
  changed: boolean;
  refused: Change[];
}

/**
 * Apply the kernel's changes to a copy of a valid document (or of an empty one).
 *
 * Idempotent: a session that is already there is not created again (ids are UUIDs, so it is the same
 * session, perhaps with more messages or edited since), a message whose id is already in its session is
 * not appended again, a session already gone is not deleted again; a rename or a message update gives the
 * same result however often it is applied. A change that does not fit (an append to, a rename of or a
 * switch to a session that is not there, an update of a message that is not there) is left out and
 * returned in `refused`.
 */
export function applyChanges(current: IDocument | null | undefined, changes: Change[]): IApplied {
  const document: IDocument = current ? copy(current) : { version: FORMAT_VERSION, current: null, sessions: [] };
  const find = (id: string) => document.sessions.find(session => session.id === id);
  const refused: Change[] = [];
  let changed = !current;
  for (const change of changes) {
    switch (change.op) {
      case 'create_session':
        if (!find(change.session.id)) {
          document.sessions.push(copy(change.session));
          changed = true;
        }
        break;
      case 'append_message': {
        const session = find(change.session_id);
        if (!session) {
          refused.push(change);
        } else if (!session.messages.some(message => message.id === change.message.id)) {
          session.messages.push(copy(change.message));
          session.message_count = session.messages.length;
          session.updated_at = change.message.timestamp;
          changed = true;
        }
        break;
      }
      case 'update_message': {
        const session = find(change.session_id);
        const index = session ? session.messages.findIndex(message => message.id === change.message.id) : -1;
        if (!session || index < 0) {
          refused.push(change);
        } else if (!same(session.messages[index], change.message)) {
          session.messages[index] = copy(change.message);
          session.updated_at = change.updated_at;
          changed = true;
        }
        break;
      }
      case 'rename_session': {
        const session = find(change.session_id);
        if (!session) {
          refused.push(change);
        } else if (session.title !== change.title) {
          session.title = change.title;
          session.updated_at = change.updated_at;
          changed = true;
        }
        break;
      }
      case 'delete_session':
        if (find(change.session_id)) {
          document.sessions = document.sessions.filter(session => session.id !== change.session_id);
          changed = true;
        }
        if (document.current === change.session_id) {
          document.current = null;
          changed = true;
        }
        break;
      case 'set_current':
        if (change.session_id !== null && !find(change.session_id)) {
          refused.push(change);
        } else if (document.current !== change.session_id) {
          document.current = change.session_id;
          changed = true;
        }
        break;
    }
  }
  return { document, changed, refused };
}
