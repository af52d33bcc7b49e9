import { ChatModel } from '../model';
import { NotebookSessions } from '../notebooksessions';
import { SearchModel } from '../searchmodel';
import { markedText } from '../highlight';
import { FakeApi, FakeEvents, FakeNotebook, settled, trans } from './fakes';

const TIME = '2026-11-25T10:00:00+00:00';

let api: FakeApi;
let events: FakeEvents;
let model: ChatModel;
let search: SearchModel;

beforeEach(() => {
  api = new FakeApi();
  events = new FakeEvents();
  model = new ChatModel(api, events, trans);
  search = new SearchModel(model, trans);
});

afterEach(() => {
  model.dispose();
  events.dispose();
});

describe('searching', () => {
  it('finds the notebook’s own messages first, then the workspace’s, each marked with its place', async () => {
    const id = api.addSession('workspace');
    await api.addMessage(id, 'user', 'dropna in the workspace');
    const notebook = new FakeNotebook();
    const message = { id: 'n1', role: 'user', content: 'dropna in the notebook', timestamp: TIME };
    const session = { id: 'own', title: null, created_at: TIME, updated_at: TIME, messages: [message] };
    notebook.setMetadata('codex', { version: 1, current: null, sessions: [session] });
    const sessions = new NotebookSessions(notebook, trans);
    model.setNotebook(sessions);
    await search.search('dropna');
    expect(search.hits.map(hit => [hit.place, hit.snippet])).toEqual([
      ['notebook', 'dropna in the notebook'],
      ['workspace', 'dropna in the workspace']
    ]);
    sessions.dispose();
  });

  it('asks nothing of the server for a query without a word', async () => {
    await search.search(' ?! ');
    expect([api.requests, search.hits]).toEqual([[], []]);
  });

  it('shows only the results of the query typed last', async () => {
    const id = api.addSession('workspace');
    await api.addMessage(id, 'user', 'dropna and fillna');
    const release = api.hold('search');
    const first = search.search('dropna');
    await settled();
    const last = search.search('fillna');
    release();
    await Promise.all([first, last]);
    expect([search.searched, search.hits.length]).toEqual(['fillna', 1]);
    expect(api.requests.filter(request => request.startsWith('search'))).toEqual([
      'search dropna 50',
      'search fillna 50'
    ]);
  });

  it('says what went wrong when the server refuses', async () => {
    api.failNext('search', new Error('not an ApiError'));
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await search.search('dropna');
    logged.mockRestore();
    expect(search.error).toBe('Something unexpected happened (see the browser console).');
  });
});

describe('marking the words found', () => {
  it('marks the spans given in code points, after characters outside the BMP', () => {
    const nodes = markedText('😀 Pass dropna=False', [[7, 13]]);
    const holder = document.createElement('div');
    holder.append(...nodes);
    expect(holder.innerHTML).toBe('😀 Pass <mark>dropna</mark>=False');
  });

  it('shows markup in a snippet as text, never as HTML', () => {
    const holder = document.createElement('div');
    holder.append(...markedText('<img src=x onerror=alert(1)> dropna', [[29, 35]]));
    expect(holder.querySelector('img')).toBeNull();
    expect(holder.textContent).toBe('<img src=x onerror=alert(1)> dropna');
    expect(holder.querySelector('mark')?.textContent).toBe('dropna');
  });

  it('leaves spans out of range or overlapping unmarked, keeping the text whole', () => {
    const holder = document.createElement('div');
    holder.append(
      ...markedText('dropna', [
        [0, 4],
        [2, 6],
        [5, 99]
      ])
    );
    expect([holder.textContent, holder.querySelectorAll('mark').length]).toEqual(['dropna', 1]);
  });
});
