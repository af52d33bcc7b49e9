import * as nbformat from '@jupyterlab/nbformat';

import { contextOfCell } from '../cellcontext';

describe('a cell as context for a question', () => {
  it('sends a code cell’s source, its outputs as text, and its prompt', () => {
    const cell: nbformat.ICodeCell = {
      cell_type: 'code',
      source: ['df = load()\n', 'df.groupby("k").sum()'],
      metadata: {},
      execution_count: 4,
      outputs: [
        { output_type: 'stream', name: 'stdout', text: ['loaded\n'] },
        { output_type: 'execute_result', execution_count: 4, metadata: {}, data: { 'text/plain': '   v\nk  3' } },
        { output_type: 'display_data', metadata: {}, data: { 'image/png': 'iVBOR' } },
        { output_type: 'error', ename: 'KeyError', evalue: "'x'", traceback: [] }
      ]
    };
    expect(contextOfCell(cell)).toEqual({
      source: 'df = load()\ndf.groupby("k").sum()',
      output: "loaded\n\n   v\nk  3\nKeyError: 'x'",
      label: 'In [4]'
    });
  });

  it('sends a cell never run without output or prompt', () => {
    const cell: nbformat.ICodeCell = {
      cell_type: 'code',
      source: 'x',
      metadata: {},
      execution_count: null,
      outputs: []
    };
    expect(contextOfCell(cell)).toEqual({ source: 'x', output: null, label: null });
  });

  it('sends a Markdown cell’s text', () => {
    const cell: nbformat.IMarkdownCell = { cell_type: 'markdown', source: '# Notes', metadata: {} };
    expect(contextOfCell(cell)).toEqual({ source: '# Notes', output: null, label: null });
  });
});
