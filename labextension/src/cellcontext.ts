/**
 * The notebook's active cell as context for a question: its source, what it output as text,
 * and its prompt as label, as the kernel's `%%codex_ask --cell` sends a cell.
 */

import * as nbformat from '@jupyterlab/nbformat';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { IContextCell } from './api';
import { IActiveCell } from './composer';

/** A cell (as nbformat JSON) as context. */
export function contextOfCell(cell: nbformat.ICell): IContextCell {
  const source = text(cell.source);
  if (cell.cell_type !== 'code') {
    return { source, output: null, label: null };
  }
  const code = cell as nbformat.ICodeCell;
  const output = code.outputs
    .map(outputText)
    .filter(part => part !== '')
    .join('\n');
  const count = code.execution_count;
  return { source, output: output || null, label: count === null ? null : `In [${count}]` };
}

/** What an output shows as text: a stream's text, a result's plain text, an error's name and value. */
function outputText(output: nbformat.IOutput): string {
  if (nbformat.isStream(output)) {
    return text(output.text);
  }
  if (nbformat.isExecuteResult(output) || nbformat.isDisplayData(output)) {
    return text((output.data['text/plain'] as nbformat.MultilineString | undefined) ?? '');
  }
  if (nbformat.isError(output)) {
    return `${output.ename}: ${output.evalue}`;
  }
  return '';
}

function text(value: nbformat.MultilineString): string {
  return Array.isArray(value) ? value.join('') : value;
}

/** The active cell of the notebook Lab calls current. */
export class ActiveCell implements IActiveCell {
  constructor(private readonly _tracker: INotebookTracker) {
    _tracker.activeCellChanged.connect(this._emit, this);
    _tracker.currentChanged.connect(this._emit, this);
  }

  get available(): boolean {
    return this._tracker.activeCell !== null;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  context(): IContextCell | null {
    const cell = this._tracker.activeCell;
    return cell ? contextOfCell(cell.model.toJSON()) : null;
  }

  private _emit(): void {
    this._changed.emit();
  }

  private readonly _changed = new Signal<this, void>(this);
}
