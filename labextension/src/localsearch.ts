/**
 * Searching sessions that live in the browser (a notebook's `metadata.codex`), with the server's
 * query language: words (all must match), `"a phrase"` (words in a row) and `prefix*`, compared
 * without case and without the accents of Latin letters. A twin of `codex_jupyter/search.py`
 * (`parse_query`, `find_matches`, `snippet`), so a query means the same in both sections of the
 * sidebar. Offsets are in code points, as the server's are.
 */

import { ISearchHit } from './api';
import { ISession } from './notebookdoc';

/** About how many characters of context a snippet shows around its first match. */
const SNIPPET_CHARS = 160;
const ELLIPSIS = '…';

/** One part of a query: a word, a phrase (several words in a row), or a word's prefix. */
export interface ITerm {
  words: string[];
  prefix: boolean;
}

type Span = [number, number];

/** A word of a text: folded, and where it is, in code points. */
interface IToken {
  word: string;
  start: number;
  end: number;
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const MARK = /^\p{M}$/u;

/** One character as the search compares it: a Latin letter without its accents, lower case. */
function foldChar(char: string): string {
  const decomposed = Array.from(char.normalize('NFD'));
  const base = decomposed[0] <= '\u007f' && decomposed.slice(1).every(c => MARK.test(c)) ? decomposed[0] : char;
  const lower = base.toLowerCase();
  return Array.from(lower).length === 1 ? lower : base;
}

/** The words of `chars` (a text's code points): runs of letters and digits, with the accents typed after them. */
function tokens(chars: string[]): IToken[] {
  const found: IToken[] = [];
  let start = -1;
  for (let index = 0; index <= chars.length; index++) {
    const char = chars[index];
    const inWord = char !== undefined && (LETTER_OR_DIGIT.test(char) || (start >= 0 && MARK.test(char)));
    if (inWord && start < 0) {
      start = index;
    } else if (!inWord && start >= 0) {
      const word = chars
        .slice(start, index)
        .filter(c => !MARK.test(c))
        .map(foldChar)
        .join('');
      found.push({ word, start, end: index });
      start = -1;
    }
  }
  return found;
}

/** The query's terms; empty when it holds no word to look for. */
export function parseQuery(query: string): ITerm[] {
  const terms: ITerm[] = [];
  for (const [, phrase, word] of query.matchAll(/"([^"]*)"?|(\S+)/g)) {
    const text = phrase ?? word;
    const words = tokens(Array.from(text)).map(token => token.word);
    if (words.length > 0) {
      terms.push({ words, prefix: phrase === undefined && word.endsWith('*') });
    }
  }
  return terms;
}

/** The spans of `chars` that match, if every term matches somewhere in it; else null. */
export function findMatches(terms: ITerm[], chars: string[]): Span[] | null {
  const words = tokens(chars);
  const spans = new Map<string, Span>();
  for (const term of terms) {
    const found = termSpans(term, words);
    if (found.length === 0) {
      return null;
    }
    for (const span of found) {
      spans.set(span.join(':'), span);
    }
  }
  return [...spans.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function termSpans(term: ITerm, words: IToken[]): Span[] {
  const size = term.words.length;
  const last = term.words[size - 1];
  const spans: Span[] = [];
  for (let index = 0; index + size <= words.length; index++) {
    const window = words.slice(index, index + size);
    const final = window[size - 1].word;
    const wholeMatch = window.slice(0, -1).every((token, n) => token.word === term.words[n]);
    if (wholeMatch && (term.prefix ? final.startsWith(last) : final === last)) {
      spans.push([window[0].start, window[size - 1].end]);
    }
  }
  return spans;
}

/** About {@link SNIPPET_CHARS} characters of `chars` around its first match, on one line, and the spans inside it. */
export function snippet(chars: string[], spans: Span[]): { snippet: string; highlights: Span[] } {
  const first = spans.length > 0 ? spans[0][0] : 0;
  let start = Math.max(0, first - Math.floor(SNIPPET_CHARS / 3));
  let end = Math.min(chars.length, start + SNIPPET_CHARS);
  start = Math.max(0, Math.min(start, end - SNIPPET_CHARS));
  // Cut at word boundaries, so the snippet does not begin or end in the middle of a word.
  while (start > 0 && start < first && LETTER_OR_DIGIT.test(chars[start - 1])) {
    start++;
  }
  while (
    end < chars.length &&
    end > start &&
    LETTER_OR_DIGIT.test(chars[end - 1]) &&
    LETTER_OR_DIGIT.test(chars[end])
  ) {
    end--;
  }
  const head = start > 0 ? ELLIPSIS : '';
  const tail = end < chars.length ? ELLIPSIS : '';
  const body = chars
    .slice(start, end)
    .join('')
    .replace(/[\r\n]/g, ' ');
  const shift = head.length - start;
  const highlights = spans.filter(([s, e]) => s >= start && e <= end).map(([s, e]): Span => [s + shift, e + shift]);
  return { snippet: head + body + tail, highlights };
}

/**
 * The titles and messages of `sessions` matching `query`: the most recently updated sessions'
 * first, and in each, its title, then its latest messages first.
 */
export function searchSessions(sessions: readonly ISession[], query: string, limit: number): ISearchHit[] {
  const terms = parseQuery(query);
  if (terms.length === 0) {
    return [];
  }
  const hits: ISearchHit[] = [];
  const ordered = [...sessions].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
  for (const session of ordered) {
    const found = (text: string) => {
      const chars = Array.from(text);
      const spans = findMatches(terms, chars);
      return spans ? snippet(chars, spans) : null;
    };
    const base = { session_id: session.id, session_title: session.title ?? null };
    const title = session.title ? found(session.title) : null;
    if (title) {
      hits.push({ ...base, message_id: null, role: null, timestamp: session.updated_at, ...title });
    }
    for (let index = session.messages.length - 1; index >= 0 && hits.length < limit; index--) {
      const message = session.messages[index];
      const match = found(message.content);
      if (match) {
        hits.push({ ...base, message_id: message.id, role: message.role, timestamp: message.timestamp, ...match });
      }
    }
    if (hits.length >= limit) {
      break;
    }
  }
  return hits.slice(0, limit);
}
