/**
 * Runs an async refresh so that runs never overlap and a burst of requests costs at most two runs.
 *
 * Change events come in bursts (a cell writing ten messages); each asks for a refresh. Runs
 * that overlapped could finish out of order and show stale data, and one run per event would
 * repeat the same request. So a request made while a run is under way queues one more run
 * after it, which every later request shares until it starts: the last request is always
 * followed by a run that began after it.
 */
export class Coalescer {
  constructor(private readonly _task: () => Promise<void>) {}

  /** Ask for a run; resolves when a run that started after this call has finished. */
  request(): Promise<void> {
    if (!this._queued) {
      const queued = this._tail.then(() => {
        this._queued = null;
        return this._task();
      });
      this._queued = queued;
      this._tail = queued.catch(() => undefined);
    }
    return this._queued;
  }

  private _queued: Promise<void> | null = null;
  private _tail: Promise<void> = Promise.resolve();
}
