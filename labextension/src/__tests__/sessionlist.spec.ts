import { Widget } from '@lumino/widgets';

import { ChatModel } from '../model';
import { NotebookLink } from '../notebooklink';
import { SessionList } from '../sessionlist';
import { FakeApi, FakeEvents, settled, trans } from './fakes';

let api: FakeApi;
let events: FakeEvents;
let model: ChatModel;
let link: NotebookLink;
let list: SessionList;

beforeEach(() => {
  api = new FakeApi();
  events = new FakeEvents();
  model = new ChatModel(api, events, trans);
  link = new NotebookLink(model, api, events, trans);
  list = new SessionList(model, link, 'workspace', trans);
  Widget.attach(list, document.body);
});

afterEach(() => {
  list.dispose();
  link.dispose();
  model.dispose();
  events.dispose();
});

function items(): HTMLElement[] {
  return Array.from(list.node.querySelectorAll<HTMLElement>('[role="option"]'));
}

function titles(): string[] {
  return items().map(item => item.querySelector('.codex-SessionList-title')!.textContent!);
}

function footer(): HTMLElement {
  return list.node.querySelector('.codex-SessionList-footer')!;
}

describe('SessionList', () => {
  it('says how many sessions it lists of how many exist', async () => {
    api.addSessions(1200);
    await model.refresh();
    await model.showMoreSessions();
    expect(footer().hidden).toBe(false);
    expect(footer().querySelector('.codex-SessionList-count')!.textContent).toBe(
      `Showing 200 of ${(1200).toLocaleString()} sessions`
    );
  });

  it('says nothing of the count, and offers no more, once every session is listed', async () => {
    api.addSessions(150);
    await model.refresh();
    await model.showMoreSessions();
    expect(items()).toHaveLength(150);
    expect(footer().hidden).toBe(true);
  });

  it('follows the model’s order when a session moves to the top', async () => {
    const ids = api.addSessions(3);
    await model.refresh();
    api.addMessages(ids[0], 1);
    events.announce('message_added', ids[0]);
    await settled();
    expect(titles()).toEqual(api.titles);
  });

  it('keeps the items of sessions that did not change, and rebuilds the one that did', async () => {
    const ids = api.addSessions(3);
    await model.refresh();
    const before = new Map(items().map(item => [item.dataset.id, item]));
    api.addMessages(ids[0], 1);
    events.announce('message_added', ids[0]);
    await settled();
    const kept = items().filter(item => before.get(item.dataset.id) === item);
    expect(kept.map(item => item.dataset.id)).toEqual([ids[2], ids[1]]);
    expect(items()[0].textContent).toContain('1 message');
  });

  it('drops the item of a session deleted elsewhere', async () => {
    const ids = api.addSessions(3);
    await model.refresh();
    api.removeSession(ids[1]);
    events.announce('session_deleted', ids[1]);
    await settled();
    expect(items().map(item => item.dataset.id)).toEqual([ids[2], ids[0]]);
  });
});
