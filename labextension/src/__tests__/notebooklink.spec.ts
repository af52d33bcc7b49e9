import { ChatModel } from '../model';
import { NotebookLink } from '../notebooklink';
import { NotebookSessions } from '../notebooksessions';
import { FakeApi, FakeEvents, FakeNotebook, scopeOf, settled, trans } from './fakes';

const OWN = '6f1c1d2e-0000-4000-8000-000000000001';
const TIME = '2026-11-25T10:00:00+00:00';

let api: FakeApi;
let events: FakeEvents;
let model: ChatModel;
let link: NotebookLink;
const opened: NotebookSessions[] = [];

beforeEach(async () => {
  api = new FakeApi();
  events = new FakeEvents();
  model = new ChatModel(api, events, trans);
  link = new NotebookLink(model, api, events, trans);
  await model.refresh();
});

afterEach(() => {
  opened.splice(0).forEach(sessions => sessions.dispose());
  link.dispose();
  model.dispose();
  events.dispose();
});

/** A notebook at `path`, with sessions of its own when `own` says which is current. */
function notebookAt(path: string, own: { current: string | null } | null = null): NotebookSessions {
  const notebook = new FakeNotebook(path);
  if (own) {
    const session = { id: OWN, title: 'its own', created_at: TIME, updated_at: TIME, messages: [] };
    notebook.setMetadata('codex', { version: 1, current: own.current, sessions: [session] });
  }
  const sessions = new NotebookSessions(notebook, trans);
  opened.push(sessions);
  return sessions;
}

async function activate(sessions: NotebookSessions | null): Promise<void> {
  link.setNotebook(sessions);
  await settled();
}

describe('following the active notebook', () => {
  it('opens the notebook’s current session, asked of the server by its contents path', async () => {
    const id = api.addSession('current in the notebook');
    api.makeCurrent('work/analysis.ipynb', id);
    await activate(notebookAt('work/analysis.ipynb'));
    expect(api.requests).toContain('getCurrent work/analysis.ipynb');
    expect([model.openId, link.isCurrent('workspace', id)]).toEqual([id, true]);
  });

  it('opens the session made current in that notebook afterwards (%codex_new there)', async () => {
    await activate(notebookAt('analysis.ipynb'));
    const id = api.addSession('made by %codex_new');
    events.announce('current_changed', id, { scope: scopeOf('analysis.ipynb') });
    await settled();
    expect([model.openId, link.isCurrent('workspace', id)]).toEqual([id, true]);
  });

  it('ignores another notebook’s current session changing', async () => {
    const mine = api.addSession('mine');
    api.makeCurrent('analysis.ipynb', mine);
    await activate(notebookAt('analysis.ipynb'));
    events.announce('current_changed', api.addSession('theirs'), { scope: scopeOf('other.ipynb') });
    await settled();
    expect(model.openId).toBe(mine);
  });

  it('opens the current session of the notebook switched to', async () => {
    const first = api.addSession('first');
    const second = api.addSession('second');
    api.makeCurrent('first.ipynb', first);
    api.makeCurrent('second.ipynb', second);
    await activate(notebookAt('first.ipynb'));
    await activate(notebookAt('second.ipynb'));
    expect(model.openId).toBe(second);
  });

  it('ignores the answer about a notebook no longer active', async () => {
    const first = api.addSession('first');
    api.makeCurrent('first.ipynb', first);
    const release = api.hold('getCurrent');
    link.setNotebook(notebookAt('first.ipynb'));
    await activate(notebookAt('second.ipynb'));
    release();
    await settled();
    expect([model.openId, link.isCurrent('workspace', first)]).toEqual([null, false]);
  });

  it('opens the notebook’s own current session (kept in it), rather than the workspace’s', async () => {
    api.makeCurrent('analysis.ipynb', api.addSession('workspace'));
    await activate(notebookAt('analysis.ipynb', { current: OWN }));
    expect([model.openPlace, model.openId]).toEqual(['notebook', OWN]);
  });

  it('follows the notebook’s own current session when the kernel changes it', async () => {
    const notebook = notebookAt('analysis.ipynb', { current: null });
    await activate(notebook);
    await notebook.setCurrent(OWN); // as the bridge applies the kernel's set_current
    await settled();
    expect([model.openPlace, model.openId, link.isCurrent('notebook', OWN)]).toEqual(['notebook', OWN, true]);
  });

  it('forgets the notebook when none is active', async () => {
    await activate(notebookAt('analysis.ipynb'));
    await activate(null);
    expect(link.name).toBeNull();
  });
});

describe('"Use in this notebook"', () => {
  it('makes the open session current in the notebook, by its contents path', async () => {
    await activate(notebookAt('work/analysis.ipynb'));
    const id = api.addSession('picked in the sidebar');
    model.open(id);
    await link.useInNotebook();
    expect(api.requests).toContain(`setCurrent work/analysis.ipynb ${id}`);
    expect(link.isCurrent('workspace', id)).toBe(true);
  });

  it('makes a session of the notebook’s own its current one, in its metadata', async () => {
    const notebook = notebookAt('analysis.ipynb', { current: null });
    await activate(notebook);
    model.open(OWN, 'notebook');
    await link.useInNotebook();
    expect([notebook.current, link.isCurrent('notebook', OWN)]).toEqual([OWN, true]);
  });

  it('says why when the session cannot be made current', async () => {
    await activate(notebookAt('analysis.ipynb'));
    const id = api.addSession('deleted elsewhere');
    model.open(id);
    await settled();
    api.removeSession(id);
    await link.useInNotebook();
    expect(model.error).toBe('Could not make it the notebook’s session. This session no longer exists.');
  });
});
