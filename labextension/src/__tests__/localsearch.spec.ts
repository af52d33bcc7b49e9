import { findMatches, parseQuery, searchSessions, snippet } from '../localsearch';
import { ISession } from '../notebookdoc';

const TIME = '2026-11-25T10:00:00+00:00';

function matches(query: string, text: string): [number, number][] | null {
  return findMatches(parseQuery(query), Array.from(text));
}

function session(id: string, updated_at: string, ...contents: string[]): ISession {
  const messages = contents.map((content, n) => ({
    id: `${id}-m${n}`,
    role: 'user' as const,
    content,
    timestamp: TIME
  }));
  return { id, title: `title of ${id}`, created_at: TIME, updated_at, messages };
}

describe('the query language, as the server reads it', () => {
  it('needs every word, in any order and case', () => {
    expect(matches('NaN groupby', 'Why does my groupby drop NaN keys?')).toEqual([
      [12, 19],
      [25, 28]
    ]);
    expect(matches('groupby pivot', 'Why does my groupby drop NaN keys?')).toBeNull();
  });

  it('matches whole words, or a word’s start with *', () => {
    expect(matches('group', 'groupby')).toBeNull();
    expect(matches('group*', 'groupby')).toEqual([[0, 7]]);
  });

  it('matches a quoted phrase only as words in a row', () => {
    expect(matches('"drop nan"', 'drop NaN keys')).toEqual([[0, 8]]);
    expect(matches('"nan drop"', 'drop NaN keys')).toBeNull();
  });

  it('ignores the accents of Latin letters, typed composed or not', () => {
    expect(matches('cafe', 'Un café')).toEqual([[3, 7]]);
    expect(matches('café', 'Un cafe\u0301 noir')).toEqual([[3, 8]]);
  });

  it('finds no word in punctuation alone', () => {
    expect(parseQuery(' ?! -- ')).toEqual([]);
  });

  it('counts offsets in code points, as the server does', () => {
    expect(matches('dropna', '😀😀 dropna')).toEqual([[3, 9]]);
  });
});

describe('snippets', () => {
  it('keeps a short text whole, on one line', () => {
    const chars = Array.from('Pass\ndropna=False');
    expect(snippet(chars, [[5, 11]])).toEqual({ snippet: 'Pass dropna=False', highlights: [[5, 11]] });
  });

  it('cuts a long text around the first match, at word boundaries, and moves the marks with it', () => {
    const text = `${'word '.repeat(100)}needle ${'word '.repeat(100)}`;
    const chars = Array.from(text);
    const { snippet: cut, highlights } = snippet(chars, [[500, 506]]);
    expect(cut.startsWith('…word')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    const [[start, end]] = highlights;
    expect(Array.from(cut).slice(start, end).join('')).toBe('needle');
  });
});

describe('searching a notebook’s sessions', () => {
  it('finds titles and messages, the most recently updated session first, its latest messages first', () => {
    const older = session('older', '2026-11-25T10:00:00+00:00', 'dropna here', 'dropna again');
    const newer = session('newer', '2026-11-25T11:00:00+00:00', 'also dropna');
    const hits = searchSessions([older, newer], 'dropna', 10);
    expect(hits.map(hit => hit.message_id)).toEqual(['newer-m0', 'older-m1', 'older-m0']);
  });

  it('finds a session by its title', () => {
    const hits = searchSessions([session('one', TIME)], 'title', 10);
    expect(hits.map(hit => [hit.message_id, hit.snippet])).toEqual([[null, 'title of one']]);
  });

  it('returns at most `limit` hits', () => {
    const many = session('many', TIME, ...Array.from({ length: 30 }, () => 'dropna'));
    expect(searchSessions([many], 'dropna', 20)).toHaveLength(20);
  });
});
