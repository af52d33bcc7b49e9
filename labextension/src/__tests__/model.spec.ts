import { ApiError } from '../api';
import { ChatModel, TranscriptChange } from '../model';
import { FakeApi, FakeEvents, settled } from './fakes';

let api: FakeApi;
let events: FakeEvents;
let model: ChatModel;

beforeEach(() => {
  api = new FakeApi();
  events = new FakeEvents();
  model = new ChatModel(api, events);
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
    await model.deleteSession(id);
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
