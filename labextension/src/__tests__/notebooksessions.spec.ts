import { IStoreChange } from '../api';
import { applyChanges, checkDocument, IDocument } from '../notebookdoc';
import { documentChanges, NotebookSessions } from '../notebooksessions';
import { FakeNotebook, trans } from './fakes';

const OLDER = '2026-11-25T10:00:00+00:00';
const NEWER = '2026-11-25T11:00:00+00:00';
const FIRST = '6f1c1d2e-0000-4000-8000-000000000001';
const SECOND = '6f1c1d2e-0000-4000-8000-000000000002';

function message(id: string, content: string, extra: Record<string, unknown> = {}) {
  return { id, role: 'user' as const, content, timestamp: OLDER, ...extra };
}

function documentOf(...sessions: ({ id: string } & Record<string, unknown>)[]): IDocument {
  return {
    version: 1,
    current: null,
    sessions: sessions.map(session => ({ title: null, created_at: OLDER, updated_at: OLDER, messages: [], ...session }))
  };
}

let notebook: FakeNotebook;
let sessions: NotebookSessions;

beforeEach(() => {
  notebook = new FakeNotebook();
  sessions = new NotebookSessions(notebook, trans);
});

afterEach(() => sessions.dispose());

function stored(): IDocument {
  return notebook.getMetadata('codex') as IDocument;
}

/** What the bridge does with a kernel's change: apply it to the model's document as it is now. */
function kernelWrites(change: Parameters<typeof applyChanges>[1][number]): void {
  notebook.setMetadata('codex', applyChanges(stored(), [change]).document);
}

function changesAnnounced(): IStoreChange[] {
  const announced: IStoreChange[] = [];
  sessions.changed.connect((_, changes) => announced.push(...changes));
  return announced;
}

describe('a notebook’s sessions', () => {
  it('lists the sessions of metadata.codex, most recently updated first', () => {
    notebook.setMetadata('codex', documentOf({ id: FIRST, title: 'older' }, { id: SECOND, updated_at: NEWER }));
    expect(sessions.sessions.map(session => [session.id, session.title])).toEqual([
      [SECOND, null],
      [FIRST, 'older']
    ]);
  });

  it('adds a message to metadata.codex, as a valid document', async () => {
    notebook.setMetadata('codex', documentOf({ id: FIRST }));
    const added = await sessions.addMessage(FIRST, 'user', 'Written in the sidebar');
    expect(stored().sessions[0].messages).toEqual([added]);
    expect(checkDocument(stored())).toBeNull();
  });

  it('announces a message it adds as the server announces one', async () => {
    notebook.setMetadata('codex', documentOf({ id: FIRST }));
    const announced = changesAnnounced();
    const added = await sessions.addMessage(FIRST, 'user', 'Written in the sidebar');
    expect(announced).toEqual([
      expect.objectContaining({ kind: 'message_added', session_id: FIRST, message_id: added.id })
    ]);
  });

  it('keeps a kernel’s write that lands after its own, and its own after a kernel’s', async () => {
    notebook.setMetadata('codex', documentOf({ id: FIRST }));
    await sessions.addMessage(FIRST, 'user', 'from the sidebar, first');
    kernelWrites({ op: 'append_message', session_id: FIRST, message: message('k1', 'from the kernel') });
    await sessions.addMessage(FIRST, 'user', 'from the sidebar, last');
    const contents = stored().sessions[0].messages.map(one => one.content);
    expect(contents).toEqual(['from the sidebar, first', 'from the kernel', 'from the sidebar, last']);
  });

  it('never dates a message before the session’s last change', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    notebook.setMetadata('codex', documentOf({ id: FIRST, updated_at: future }));
    const added = await sessions.addMessage(FIRST, 'user', 'late');
    expect(Date.parse(added.timestamp)).toBeGreaterThan(Date.parse(future));
  });

  it('renames a session, trimming the title', async () => {
    notebook.setMetadata('codex', documentOf({ id: FIRST }));
    const renamed = await sessions.renameSession(FIRST, '  groupby questions ');
    expect([renamed.title, stored().sessions[0].title]).toEqual(['groupby questions', 'groupby questions']);
  });

  it.each([[''], ['   '], ['x'.repeat(201)]])('refuses the title %j, changing nothing', async title => {
    notebook.setMetadata('codex', documentOf({ id: FIRST, title: 'kept' }));
    await expect(sessions.renameSession(FIRST, title)).rejects.toThrow('1 to 200 characters');
    expect(stored().sessions[0].title).toBe('kept');
  });

  it('deletes a session, and the notebook’s current session with it', async () => {
    notebook.setMetadata('codex', { ...documentOf({ id: FIRST }, { id: SECOND }), current: FIRST });
    await sessions.deleteSession(FIRST);
    expect([stored().sessions.map(session => session.id), stored().current]).toEqual([[SECOND], null]);
  });

  it('makes a session the notebook’s current one', async () => {
    notebook.setMetadata('codex', documentOf({ id: FIRST }));
    await sessions.setCurrent(FIRST);
    expect([stored().current, sessions.current]).toEqual([FIRST, FIRST]);
  });

  it('refuses to write into a metadata.codex it cannot read, leaving it as it is', async () => {
    const unreadable = { version: 1, sessions: 'not a list' };
    notebook.setMetadata('codex', unreadable);
    expect(sessions.problem).toContain('malformed');
    await expect(sessions.setCurrent(null)).rejects.toThrow('metadata.codex');
    expect(stored()).toEqual(unreadable);
  });

  it('says a session is gone when it is written to after it was removed', async () => {
    notebook.setMetadata('codex', documentOf({ id: FIRST }));
    await expect(sessions.addMessage(SECOND, 'user', 'lost?')).rejects.toMatchObject({ status: 404 });
  });

  it('reads a page of messages with the absolute offset of its first', async () => {
    const messages = Array.from({ length: 5 }, (_, n) => message(`m${n}`, `message ${n}`));
    notebook.setMetadata('codex', documentOf({ id: FIRST, messages }));
    const page = await sessions.getSession(FIRST, -2, 100);
    expect([page.offset, page.message_count, page.messages.map(one => one.id)]).toEqual([3, 5, ['m3', 'm4']]);
  });

  it('searches its sessions with the server’s query language', async () => {
    notebook.setMetadata(
      'codex',
      documentOf({ id: FIRST, messages: [message('m0', 'Pass dropna=False'), message('m1', 'unrelated')] })
    );
    const hits = await sessions.search('dropna', 10);
    expect(hits.map(hit => [hit.message_id, hit.snippet, hit.highlights])).toEqual([
      ['m0', 'Pass dropna=False', [[5, 11]]]
    ]);
  });
});

describe('the changes between two versions of metadata.codex', () => {
  const kinds = (changes: IStoreChange[]) => changes.map(change => [change.kind, change.session_id, change.message_id]);

  it('tells a message added at the end', () => {
    const before = documentOf({ id: FIRST, messages: [message('m0', 'a')] });
    const after = documentOf({ id: FIRST, messages: [message('m0', 'a'), message('m1', 'b')] });
    expect(kinds(documentChanges(before, after))).toEqual([['message_added', FIRST, 'm1']]);
  });

  it('tells a message updated in place (a reply growing)', () => {
    const before = documentOf({ id: FIRST, messages: [message('m0', 'Pass', { status: 'streaming' })] });
    const after = documentOf({ id: FIRST, messages: [message('m0', 'Pass dropna', { status: 'streaming' })] });
    expect(kinds(documentChanges(before, after))).toEqual([['message_updated', FIRST, 'm0']]);
  });

  it('tells sessions created, renamed and deleted', () => {
    const before = documentOf({ id: FIRST }, { id: SECOND });
    const after = documentOf({ id: SECOND, title: 'renamed' }, { id: 'third' });
    expect(kinds(documentChanges(before, after))).toEqual([
      ['session_deleted', FIRST, null],
      ['session_renamed', SECOND, null],
      ['session_created', 'third', null]
    ]);
  });

  it('tells the notebook’s current session changing', () => {
    const before = documentOf({ id: FIRST });
    const after = { ...documentOf({ id: FIRST }), current: FIRST };
    expect(kinds(documentChanges(before, after))).toEqual([['current_changed', FIRST, null]]);
  });

  it('tells a session whose messages were edited by hand as created anew, for its views to load it again', () => {
    const before = documentOf({ id: FIRST, messages: [message('m0', 'a'), message('m1', 'b')] });
    const after = documentOf({ id: FIRST, messages: [message('m1', 'b')] });
    expect(kinds(documentChanges(before, after))).toEqual([['session_created', FIRST, null]]);
  });

  it('tells every session of a notebook that had none as created', () => {
    expect(kinds(documentChanges(null, documentOf({ id: FIRST })))).toEqual([['session_created', FIRST, null]]);
  });
});
