import shared from '../../../tests/fixtures/notebook-changes.json';
import { Change, IDocument, applyChanges, checkDocument, isApplyMessage, isKernelMessage } from '../notebookdoc';

const TIME = '2026-11-25T10:00:00+00:00';
const SESSION = '6f1c1d2e-0000-4000-8000-000000000001';

function documentWith(session: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return {
    version: 1,
    current: null,
    sessions: [{ id: SESSION, title: null, created_at: TIME, updated_at: TIME, messages: [], ...session }],
    ...extra
  };
}

interface ISharedCase {
  name: string;
  document: IDocument | null;
  changes: Change[];
  expected: IDocument;
  refused: number[];
}

// The cases tests/test_notebookdoc.py runs too: both ends apply the kernel's changes alike.
describe('applying the kernel’s changes, as the kernel does', () => {
  it.each((shared.cases as unknown as ISharedCase[]).map(one => [one.name, one] as const))('%s', (_, one) => {
    for (const change of one.changes) {
      expect(isApplyMessage({ op: 'apply', seq: 1, changes: [change] })).toBe(true);
    }
    const { document, refused } = applyChanges(one.document, one.changes);
    expect(document).toEqual(one.expected);
    expect(refused).toEqual(one.refused.map(index => one.changes[index]));
    expect(checkDocument(document)).toBeNull();
  });
});

describe('applyChanges', () => {
  it('leaves the document it was given as it was', () => {
    const before = documentWith({}) as IDocument;
    const kept = JSON.stringify(before);
    applyChanges(before, [{ op: 'delete_session', session_id: SESSION }]);
    expect(JSON.stringify(before)).toBe(kept);
  });

  it('says nothing changed when every change was there already', () => {
    const before = documentWith({}) as IDocument;
    const { changed } = applyChanges(before, [{ op: 'create_session', session: before.sessions[0] }]);
    expect(changed).toBe(false);
  });

  it('says the document changed when a change was applied', () => {
    const { changed } = applyChanges(documentWith({}) as IDocument, [
      { op: 'rename_session', session_id: SESSION, title: 'renamed', updated_at: TIME }
    ]);
    expect(changed).toBe(true);
  });
});

describe('checkDocument refuses what the kernel refuses', () => {
  it('accepts a notebook without sessions', () => {
    expect(checkDocument(null)).toBeNull();
    expect(checkDocument(undefined)).toBeNull();
  });

  it('accepts a document as the kernel writes it', () => {
    expect(checkDocument(documentWith({}))).toBeNull();
  });

  it('refuses a number where an id belongs', () => {
    expect(checkDocument(documentWith({ id: 12345 }))).toMatch(/malformed at \/sessions\/0\/id/);
  });

  it('refuses a time that is not UTC', () => {
    expect(checkDocument(documentWith({ created_at: '0001-01-01T00:00:00+01:00' }))).toMatch(/created_at/);
  });

  it('refuses a format newer than it knows', () => {
    expect(checkDocument({ version: 2, sessions: [] })).toMatch(/newer than this codex-jupyter/);
  });

  it('refuses two sessions with one id', () => {
    const twice = documentWith({}) as IDocument;
    twice.sessions.push({ ...twice.sessions[0] });
    expect(checkDocument(twice)).toMatch(/two sessions with the same id/);
  });

  it('refuses a current session that is not there', () => {
    expect(checkDocument(documentWith({}, { current: 'nobody' }))).toMatch(/'current' names no session/);
  });

  it('refuses a message status it does not know', () => {
    const message = { id: 'm1', role: 'assistant', content: '', timestamp: TIME, status: 'thinking' };
    expect(checkDocument(documentWith({ messages: [message] }))).toMatch(/malformed/);
  });
});

describe('the messages of the bridge', () => {
  it('knows the kernel’s writes, and nothing else', () => {
    expect(isApplyMessage({ op: 'apply', seq: 3, changes: [] })).toBe(true);
    expect(isApplyMessage({ op: 'apply', seq: 3, changes: [{ op: 'drop_table' }] })).toBe(false);
    expect(isApplyMessage({ op: 'state', codex: null, path: 'a.ipynb', applied: 0 })).toBe(false);
  });

  it('sends the kernel only what it accepts', () => {
    expect(isKernelMessage({ op: 'state', codex: null, path: 'a.ipynb', applied: 0 })).toBe(true);
    expect(isKernelMessage({ op: 'ack', seq: 2 })).toBe(true);
    expect(isKernelMessage({ op: 'ack' })).toBe(false);
  });
});
