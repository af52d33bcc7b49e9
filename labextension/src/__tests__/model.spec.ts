import { ApiError } from '../api';
import { ChatModel, TranscriptChange } from '../model';
import { NotebookSessions } from '../notebooksessions';
import { FakeApi, FakeEvents, FakeNotebook, settled, trans } from './fakes';

let api: FakeApi;
let events: FakeEvents;
let model: ChatModel;

beforeEach(() => {
  api = new FakeApi();
  events = new FakeEvents();
  model = new ChatModel(api, events, trans);
});

afterEach(() => {
  model.dispose();
  events.dispose();
});

/** The contents of the loaded messages, oldest first. */
function contents(): string[] {
  return model.messages.map(message => message.content);
}

/** `message first` … `message last`. */
function numbered(first: number, last: number): string[] {
  return Array.from({ length: last - first + 1 }, (_, n) => `message ${first + n}`);
}

/** Open a session and wait until it is loaded. */
async function opened(id: string): Promise<void> {
  model.open(id);
  await settled();
}

/** A session of `count` messages, opened by a model that follows changes; its id. */
async function following(title: string, count: number): Promise<string> {
  const id = api.addSession(title, count);
  await model.refresh();
  await opened(id);
  return id;
}

/** Record the transcript changes the model announces from now on. */
function transcriptChanges(): TranscriptChange[] {
  const changes: TranscriptChange[] = [];
  model.transcriptChanged.connect((_, change) => changes.push(change));
  return changes;
}

describe('listing sessions', () => {
  it('lists the sessions most recently updated first', async () => {
    const older = api.addSession('older');
    api.addSession('newer');
    api.addMessages(older, 1);
    await model.refresh();
    expect(model.sessions.map(session => session.title)).toEqual(['older', 'newer']);
  });

  it('lists one page of 100 sessions, and says more exist', async () => {
    api.addSessions(150);
    await model.refresh();
    expect(model.sessions).toHaveLength(100);
    expect(model.hasMoreSessions).toBe(true);
  });

  it('fetches the next page from where the list ends, keeping the sessions it has', async () => {
    api.addSessions(250);
    await model.refresh();
    api.requests.length = 0;
    await model.showMoreSessions();
    await model.showMoreSessions();
    expect(api.requests).toEqual(['listSessions 100 100', 'listSessions 200 100']);
    expect(model.sessions.map(session => session.title)).toEqual(api.titles);
  });

  it('lists every session, past the 1,000 one request can return', async () => {
    api.addSessions(1200);
    await model.refresh();
    while (model.hasMoreSessions) {
      await model.showMoreSessions();
    }
    expect(model.sessions.map(session => session.title)).toEqual(api.titles);
    expect(model.error).toBeNull();
  });

  it('counts the sessions that exist, listed or not', async () => {
    api.addSessions(1200);
    await model.refresh();
    expect([model.sessions.length, model.totalSessions]).toEqual([100, 1200]);
  });

  it('re-reads the sessions it lists when one changes, in requests of at most 1,000', async () => {
    const ids = api.addSessions(1200);
    await model.refresh();
    for (let n = 0; n < 11; n++) {
      await model.showMoreSessions();
    }
    api.requests.length = 0;
    api.addMessages(ids[0], 1);
    events.announce('message_added', ids[0]);
    await settled();
    expect(api.requests).toEqual(['listSessions 0 1000', 'listSessions 1000 200']);
    expect(model.sessions.map(session => session.title)).toEqual(api.titles);
  });

  it('lists a session once when the list moves between two of its pages', async () => {
    api.addSessions(1200);
    await model.refresh();
    for (let n = 0; n < 11; n++) {
      await model.showMoreSessions();
    }
    api.onAnswer = request => {
      if (request === 'listSessions 1000 200') {
        api.addSession('created between two pages'); // every session moves one place down
      }
    };
    events.announce('session_created');
    await settled();
    const ids = model.sessions.map(session => session.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('re-reads the whole list next time when a re-read failed', async () => {
    const ids = api.addSessions(150);
    await model.refresh();
    api.failNext('listSessions', new ApiError('Cannot reach the Jupyter server. Is it still running?'));
    api.addMessages(ids[0], 1); // moves to the top
    events.announce('message_added', ids[0]);
    await settled();
    api.requests.length = 0;
    await model.showMoreSessions();
    expect(api.requests).toEqual(['listSessions 0 200']);
    expect(model.sessions.map(session => session.title)).toEqual(api.titles);
  });

  it('lists a session created elsewhere when its event arrives', async () => {
    await model.refresh();
    const id = api.addSession('from a kernel');
    events.announce('session_created', id);
    await settled();
    expect(model.sessions.map(session => session.id)).toEqual([id]);
  });

  it('reads the list once for a burst of events that arrives while it is being read', async () => {
    const ids = api.addSessions(3);
    await model.refresh();
    const release = api.hold('listSessions');
    events.announce('message_added', ids[0]);
    await settled();
    for (const id of ids) {
      api.addMessages(id, 1);
      events.announce('message_added', id);
    }
    api.requests.length = 0;
    release();
    await settled();
    expect(api.requests.filter(request => request.startsWith('listSessions'))).toHaveLength(1);
    expect(model.sessions.map(session => session.id)).toEqual([...ids].reverse());
  });

  it('never reads the list twice at once', async () => {
    api.addSessions(3);
    await model.refresh();
    const release = api.hold('listSessions');
    events.announce('session_created');
    await settled();
    events.announce('session_created');
    await settled();
    release();
    await settled();
    expect(api.maxConcurrent).toBe(1);
  });

  it('ignores events until it is first refreshed', async () => {
    events.announce('session_created', api.addSession());
    await settled();
    expect(api.requests).toEqual([]);
  });

  it('makes no request when only a notebook’s current session changed', async () => {
    await model.refresh();
    api.requests.length = 0;
    events.announce('current_changed', api.addSession());
    await settled();
    expect(api.requests).toEqual([]);
  });

  it('ignores events of other schemas', async () => {
    await model.refresh();
    api.requests.length = 0;
    await events.emit({
      schema_id: 'https://events.jupyter.org/jupyter_server/contents_service/v1',
      version: '1',
      data: {}
    });
    await settled();
    expect(api.requests).toEqual([]);
  });
});

describe('opening a session', () => {
  it('loads the latest 100 messages of the session opened', async () => {
    const id = api.addSession('long', 130);
    await opened(id);
    expect(contents()).toEqual(numbered(30, 129));
    expect(model.session?.message_count).toBe(130);
    expect(model.hasEarlierMessages).toBe(true);
  });

  it('loads the 100 messages before the earliest loaded on request', async () => {
    const id = api.addSession('long', 250);
    await opened(id);
    await model.showEarlier();
    expect(contents()).toEqual(numbered(50, 249));
    await model.showEarlier();
    expect(contents()).toEqual(numbered(0, 249));
    expect(model.hasEarlierMessages).toBe(false);
  });

  it('tells its views the earlier messages were put before the others', async () => {
    const id = api.addSession('long', 101);
    await opened(id);
    const changes = transcriptChanges();
    await model.showEarlier();
    expect(changes).toEqual([{ type: 'prepend', messages: [expect.objectContaining({ content: 'message 0' })] }]);
  });

  it('drops earlier messages that arrive after another session opened', async () => {
    const long = api.addSession('long', 101);
    const other = api.addSession('other', 1);
    await opened(long);
    const release = api.hold('getSession');
    const earlier = model.showEarlier();
    await opened(other);
    release();
    await earlier;
    expect([model.session?.id, contents()]).toEqual([other, numbered(0, 0)]);
  });

  it('shows only the session opened last when another opens while the first loads', async () => {
    const first = api.addSession('first', 3);
    const second = api.addSession('second', 2);
    const release = api.hold('getSession');
    model.open(first);
    await settled();
    model.open(second);
    await settled();
    release();
    await settled();
    expect([model.session?.id, contents()]).toEqual([second, numbered(0, 1)]);
  });

  it('closes the open session when it is deleted elsewhere', async () => {
    const id = api.addSession('doomed', 1);
    await model.refresh();
    await opened(id);
    api.removeSession(id);
    events.announce('session_deleted', id);
    await settled();
    expect([model.openId, model.session, model.messages]).toEqual([null, null, []]);
  });

  it('closes a session that no longer exists when it is opened, and says so', async () => {
    const id = api.addSession('gone');
    api.removeSession(id);
    await opened(id);
    expect(model.openId).toBeNull();
    expect(model.error).toBe('Could not load the session. This session no longer exists.');
  });
});

describe('catching up', () => {
  it('appends a message added elsewhere, reading only the messages after the last one loaded', async () => {
    const id = api.addSession('live', 130);
    await model.refresh();
    await opened(id);
    const changes = transcriptChanges();
    api.requests.length = 0;
    api.addMessages(id, 1);
    events.announce('message_added', id);
    await settled();
    expect(api.requests).toContain(`getSession ${id} 130 100`);
    expect(changes).toEqual([{ type: 'append', messages: [expect.objectContaining({ content: 'message 130' })] }]);
  });

  it('reads page after page until every new message is loaded', async () => {
    const id = api.addSession('live', 1);
    await model.refresh();
    await opened(id);
    api.addMessages(id, 250);
    events.announce('message_added', id);
    await settled();
    expect(contents()).toEqual(numbered(0, 250));
  });

  it('loads each new message once when events arrive while it reads', async () => {
    const id = api.addSession('live', 1);
    await model.refresh();
    await opened(id);
    const release = api.hold('getSession');
    api.addMessages(id, 1);
    events.announce('message_added', id);
    await settled();
    api.addMessages(id, 1);
    events.announce('message_added', id);
    release();
    await settled();
    expect(contents()).toEqual(numbered(0, 2));
  });

  it('catches up on changes whose events were missed when refreshed again', async () => {
    const id = api.addSession('live', 1);
    await model.refresh();
    await opened(id);
    api.addMessages(id, 2); // while the event socket was down: no events
    const newer = api.addSession('created meanwhile');
    await model.refresh();
    expect(contents()).toEqual(numbered(0, 2));
    expect(model.sessions.map(session => session.id)).toEqual([newer, id]);
  });

  it('ignores messages added to sessions that are not open, but for their place in the list', async () => {
    const open = api.addSession('open', 1);
    const other = api.addSession('other');
    await model.refresh();
    await opened(open);
    api.requests.length = 0;
    api.addMessages(other, 1);
    events.announce('message_added', other);
    await settled();
    expect(api.requests.filter(request => request.startsWith('getSession'))).toEqual([]);
    expect(model.sessions[0].message_count).toBe(1);
  });
});

describe('acting on sessions', () => {
  it('sends a message to the open session', async () => {
    const id = api.addSession('chat');
    await opened(id);
    expect(await model.send('assistant', 'Pass `dropna=False`.')).toBe(true);
    await settled();
    expect(model.messages).toEqual([expect.objectContaining({ role: 'assistant', content: 'Pass `dropna=False`.' })]);
  });

  it('starts a session and opens it when a message is sent with none open', async () => {
    await model.refresh();
    await model.send('user', 'the first words');
    await settled();
    expect(model.sessions).toHaveLength(1);
    expect([model.openId, contents()]).toEqual([model.sessions[0].id, ['the first words']]);
  });

  it('opens a new session and lists it', async () => {
    await model.refresh();
    await model.createSession();
    await settled();
    expect(model.sessions.map(session => session.id)).toEqual([model.openId]);
    expect(model.session?.message_count).toBe(0);
  });

  it('closes the open session it deletes, and lists it no more', async () => {
    const id = api.addSession('doomed');
    await model.refresh();
    await opened(id);
    await model.deleteSession('workspace', id);
    await settled();
    expect([model.openId, model.sessions]).toEqual([null, []]);
  });
});

describe('errors', () => {
  it('says what failed and what the server said, in one line', async () => {
    const id = api.addSession('chat');
    await opened(id);
    api.failNext('addMessage', new ApiError('This message is too large for the server.', 413));
    await model.send('user', 'x'.repeat(100));
    expect(model.error).toBe('Could not send the message. This message is too large for the server.');
  });

  it('resolves a send as not stored when the server refused it', async () => {
    const id = api.addSession('chat');
    await opened(id);
    api.failNext('addMessage', new ApiError('The server refused: bad role', 400));
    expect(await model.send('user', 'hello')).toBe(false);
  });

  it('reports an error that is not the server’s as a bug, on the console', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      api.failNext('createSession', new TypeError('undefined is not a function'));
      await model.createSession();
      expect(model.error).toBe('Could not start a session. Something unexpected happened (see the browser console).');
      expect(logged).toHaveBeenCalledWith('codex-jupyter:', expect.any(TypeError));
    } finally {
      logged.mockRestore();
    }
  });

  it('clears the last error when the user acts again', async () => {
    api.failNext('createSession', new ApiError('Cannot reach the Jupyter server. Is it still running?'));
    await model.createSession();
    await model.createSession();
    expect(model.error).toBeNull();
  });

  it('clears the error when it is dismissed', async () => {
    api.failNext('listSessions', new ApiError('Cannot reach the Jupyter server. Is it still running?'));
    await model.refresh();
    expect(model.error).toBe('Could not list the sessions. Cannot reach the Jupyter server. Is it still running?');
    model.dismissError();
    expect(model.error).toBeNull();
  });
});

describe('a reply streaming in', () => {
  /** A session whose last message is a reply streaming in: its id, and the reply's. */
  async function streaming(): Promise<{ id: string; reply: string }> {
    const id = await following('asking', 1);
    await model.ask('Why?', []);
    await settled();
    return { id, reply: api.messagesOf(id)[2].id };
  }

  function grow(id: string, reply: string, content: string, status: 'streaming' | 'complete' = 'streaming'): void {
    api.updateMessage(id, reply, content, status);
    events.announce('message_updated', id, { messageId: reply });
  }

  it('shows the reply as it grows, reading the message only', async () => {
    const { id, reply } = await streaming();
    const changes = transcriptChanges();
    api.requests.length = 0;
    grow(id, reply, 'Pass ');
    await settled();
    grow(id, reply, 'Pass dropna=False');
    await settled();
    expect(api.requests).toEqual([`getMessage ${id} ${reply}`, `getMessage ${id} ${reply}`]);
    expect(changes.map(change => change.type === 'update' && change.message.content)).toEqual([
      'Pass ',
      'Pass dropna=False'
    ]);
  });

  it('reads the message once for a burst of updates, and never the session list', async () => {
    const { id, reply } = await streaming();
    const release = api.hold('getMessage');
    grow(id, reply, 'P');
    await settled();
    api.requests.length = 0;
    for (let n = 2; n <= 10; n++) {
      grow(id, reply, 'P'.repeat(n));
    }
    release();
    await settled();
    expect(api.requests).toEqual([`getMessage ${id} ${reply}`]);
    expect(model.messages[2].content).toBe('P'.repeat(10));
  });

  it('applies an update announced while the page bringing the reply was on its way', async () => {
    const id = await following('asking', 1);
    const release = api.hold('getSession');
    api.addMessages(id, 1);
    events.announce('message_added', id);
    await settled();
    const reply = api.messagesOf(id)[1].id;
    grow(id, reply, 'written after the page was read');
    await settled(); // the update is announced before the page that brings the reply arrives
    api.onAnswer = () => {
      api.onAnswer = null; // the page was read before the update: it has the reply as it was
      api.updateMessage(id, reply, 'message 1');
      queueMicrotask(() => api.updateMessage(id, reply, 'written after the page was read'));
    };
    release();
    await settled();
    expect(model.messages[1].content).toBe('written after the page was read');
  });

  it('has a run to stop while the reply streams, and none once it is seen complete', async () => {
    const { id, reply } = await streaming();
    expect(model.run?.message_id).toBe(reply);
    grow(id, reply, 'Pass dropna=False.', 'complete');
    await settled();
    expect(model.run).toBeNull();
  });

  it('stops the reply, which is kept as it came', async () => {
    const { id, reply } = await streaming();
    grow(id, reply, 'Pass');
    await settled();
    await model.stop();
    events.announce('message_updated', id, { messageId: reply });
    await settled();
    expect(api.requests.filter(request => request.startsWith('stopReply'))).toHaveLength(1);
    expect(model.run).toBeNull();
    expect(model.messages[2]).toEqual(expect.objectContaining({ content: 'Pass', status: 'cancelled' }));
  });

  it('sends the cells given as context with the question', async () => {
    const id = api.addSession('asking');
    await opened(id);
    await model.ask('Why?', [{ source: 'df.groupby("k").sum()', output: '3', label: 'In [2]' }]);
    expect(api.requests).toContain(
      `ask ${id} Why? [{"source":"df.groupby(\\"k\\").sum()","output":"3","label":"In [2]"}]`
    );
  });

  it('starts a session to ask in when none is open', async () => {
    await model.refresh();
    expect(await model.ask('Why?', [])).toBe(true);
    await settled();
    expect(model.openId).not.toBeNull();
    expect(contents()).toEqual(['Why?', '']);
  });
});

describe('windows of a long session', () => {
  it('opens a session around a message far back, bringing it into view', async () => {
    const id = api.addSession('long', 5000);
    const target = api.messagesOf(id)[1234].id;
    const changes = transcriptChanges();
    await model.openAt('workspace', id, target);
    await settled();
    expect(model.messages.findIndex(message => message.id === target)).toBe(20);
    expect(changes[changes.length - 1]).toEqual({ type: 'reset', focus: target });
    expect([model.hasEarlierMessages, model.hasLaterMessages]).toEqual([true, true]);
  });

  it('reads backwards in pages of at most 1,000 to find the message', async () => {
    const id = api.addSession('long', 5000);
    api.requests.length = 0;
    await model.openAt('workspace', id, api.messagesOf(id)[10].id);
    const reads = api.requests.filter(request => request.startsWith('getSession')).slice(0, 5);
    expect(reads).toEqual([
      `getSession ${id} -1000 1000`,
      `getSession ${id} 3000 1000`,
      `getSession ${id} 2000 1000`,
      `getSession ${id} 1000 1000`,
      `getSession ${id} 0 1000`
    ]);
  });

  it('opens a session around a message while a catch-up of the same session is on its way', async () => {
    const id = await following('long', 150);
    const release = api.hold('getSession');
    api.addMessages(id, 1);
    events.announce('message_added', id); // the catch-up's read is held
    await settled();
    const target = api.messagesOf(id)[10].id;
    await model.openAt('workspace', id, target);
    release();
    await settled();
    expect([model.session?.message_count, contents()]).toEqual([151, numbered(0, 99)]);
  });

  it('says so when the message is no longer there, and opens the session', async () => {
    const id = api.addSession('short', 3);
    await model.openAt('workspace', id, 'gone');
    await settled();
    expect([model.openId, model.error]).toEqual([id, 'That message is no longer in the session.']);
  });

  it('jumps to the first message, and loads later pages on request until it follows the end again', async () => {
    const id = await following('long', 150);
    model.showFirst();
    await settled();
    expect(contents()).toEqual(numbered(0, 99));
    expect(model.hasLaterMessages).toBe(true);
    await model.showLater();
    expect(contents()).toEqual(numbered(0, 149));
    api.addMessages(id, 1);
    events.announce('message_added', id);
    await settled();
    expect(contents()).toEqual(numbered(0, 150));
  });

  it('does not load new messages into a window away from the end, but counts them', async () => {
    const id = await following('long', 150);
    model.showFirst();
    await settled();
    api.addMessages(id, 1);
    events.announce('message_added', id);
    await settled();
    expect([model.messages.length, model.session?.message_count]).toEqual([100, 151]);
  });

  it('goes back to the latest messages', async () => {
    const id = api.addSession('long', 150);
    await opened(id);
    model.showFirst();
    await settled();
    model.showLatest();
    await settled();
    expect(contents()).toEqual(numbered(50, 149));
    expect(model.hasLaterMessages).toBe(false);
  });
});

describe('renaming', () => {
  it('renames the open session and tells its views', async () => {
    const id = api.addSession('before');
    await model.refresh();
    await opened(id);
    const changes = transcriptChanges();
    expect(await model.renameSession('workspace', id, 'after')).toBe(true);
    await settled();
    expect(model.session?.title).toBe('after');
    expect(model.sessions[0].title).toBe('after');
    expect(changes).toContainEqual({ type: 'summary' });
  });

  it('follows a rename made elsewhere', async () => {
    const id = api.addSession('before');
    await model.refresh();
    await opened(id);
    await api.renameSession(id, 'renamed by a kernel');
    events.announce('session_renamed', id);
    await settled();
    expect([model.session?.title, model.sessions[0].title]).toEqual(['renamed by a kernel', 'renamed by a kernel']);
  });
});

describe('a notebook’s own sessions', () => {
  const SESSION = '6f1c1d2e-0000-4000-8000-000000000001';
  const TIME = '2026-11-25T10:00:00+00:00';
  let notebook: FakeNotebook;
  let sessions: NotebookSessions;

  beforeEach(async () => {
    notebook = new FakeNotebook();
    notebook.setMetadata('codex', {
      version: 1,
      current: null,
      sessions: [{ id: SESSION, title: 'kept in the notebook', created_at: TIME, updated_at: TIME, messages: [] }]
    });
    sessions = new NotebookSessions(notebook, trans);
    model.setNotebook(sessions);
    await model.refresh();
  });

  afterEach(() => sessions.dispose());

  it('writes a message sent to one into the notebook, and shows it', async () => {
    model.open(SESSION, 'notebook');
    await settled();
    expect(await model.send('user', 'into the notebook')).toBe(true);
    await settled();
    expect(contents()).toEqual(['into the notebook']);
    const stored = notebook.getMetadata('codex') as { sessions: { messages: { content: string }[] }[] };
    expect(stored.sessions[0].messages.map(message => message.content)).toEqual(['into the notebook']);
    expect(api.requests.filter(request => request.startsWith('addMessage'))).toEqual([]);
  });

  it('shows a message a kernel wrote into the notebook', async () => {
    model.open(SESSION, 'notebook');
    await settled();
    const stored = notebook.getMetadata('codex') as { sessions: { messages: unknown[] }[] };
    stored.sessions[0].messages.push({ id: 'k1', role: 'assistant', content: 'from the kernel', timestamp: TIME });
    notebook.setMetadata('codex', stored);
    await settled();
    expect(contents()).toEqual(['from the kernel']);
  });

  it('closes a notebook session when another notebook becomes active', async () => {
    model.open(SESSION, 'notebook');
    await settled();
    model.setNotebook(null);
    expect(model.openId).toBeNull();
  });

  it('does not ask in a notebook’s session: replies are stored in the workspace', async () => {
    model.open(SESSION, 'notebook');
    await settled();
    expect(model.canAsk).toBe(false);
    expect(await model.ask('Why?', [])).toBe(false);
    expect(api.requests.filter(request => request.startsWith('ask'))).toEqual([]);
  });
});
