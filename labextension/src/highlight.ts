/**
 * Search snippets with the words found marked. A snippet is untrusted message text and the
 * server gives the matches as offsets (in code points), never as markup: the marks are built
 * here, with text nodes only, so nothing in a snippet is ever parsed as HTML.
 */

/** `text` as text nodes, with `<mark>` around the `[start, end)` spans (offsets in code points). */
export function markedText(text: string, spans: readonly [number, number][]): Node[] {
  const chars = Array.from(text);
  const nodes: Node[] = [];
  let at = 0;
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (start < at || end > chars.length || start >= end) {
      continue; // overlapping or out of range: leave it unmarked rather than mangle the text
    }
    if (start > at) {
      nodes.push(document.createTextNode(chars.slice(at, start).join('')));
    }
    const mark = document.createElement('mark');
    mark.textContent = chars.slice(start, end).join('');
    nodes.push(mark);
    at = end;
  }
  if (at < chars.length) {
    nodes.push(document.createTextNode(chars.slice(at).join('')));
  }
  return nodes;
}
