import { Coalescer } from '../coalescer';
import { settled } from './fakes';

/** A task whose runs end when the test says so. */
class Task {
  runs = 0;
  running = 0;
  maxRunning = 0;

  readonly run = (): Promise<void> => {
    this.runs++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise<void>((resolve, reject) => {
      this._ends.push(error => {
        this.running--;
        return error ? reject(error) : resolve();
      });
    });
  };

  /** End the run under way, with `error` if given; then let what follows happen. */
  async end(error?: Error): Promise<void> {
    this._ends.shift()!(error);
    await settled();
  }

  private readonly _ends: ((error?: Error) => void)[] = [];
}

/** Follow a promise without awaiting it: `state()` says whether it has settled, and how. */
function watch(promise: Promise<void>): () => 'pending' | 'resolved' | 'rejected' {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected')
  );
  return () => state;
}

describe('Coalescer', () => {
  it('starts a run at once when nothing is running', async () => {
    const task = new Task();
    const coalescer = new Coalescer(task.run);
    void coalescer.request();
    await settled();
    expect(task.runs).toBe(1);
  });

  it('makes the requests of a run under way share one more run after it', async () => {
    const task = new Task();
    const coalescer = new Coalescer(task.run);
    void coalescer.request();
    await settled();
    for (let n = 0; n < 10; n++) {
      void coalescer.request();
    }
    await task.end();
    await task.end();
    expect(task.runs).toBe(2);
  });

  it('never overlaps runs', async () => {
    const task = new Task();
    const coalescer = new Coalescer(task.run);
    void coalescer.request();
    await settled();
    void coalescer.request();
    await settled();
    expect(task.maxRunning).toBe(1);
    await task.end();
    expect(task.running).toBe(1);
    expect(task.maxRunning).toBe(1);
  });

  it('resolves a request once a run that started after it has ended', async () => {
    const task = new Task();
    const coalescer = new Coalescer(task.run);
    const first = watch(coalescer.request());
    await settled();
    const second = watch(coalescer.request()); // the first run is under way: it may have read too early
    await task.end();
    expect([first(), second()]).toEqual(['resolved', 'pending']);
    await task.end();
    expect(second()).toBe('resolved');
  });

  it('rejects the requests a failed run answers, and runs again on the next request', async () => {
    const task = new Task();
    const coalescer = new Coalescer(task.run);
    const failed = watch(coalescer.request());
    await settled();
    await task.end(new Error('the server went away'));
    expect(failed()).toBe('rejected');

    const next = watch(coalescer.request());
    await settled();
    await task.end();
    expect([task.runs, next()]).toEqual([2, 'resolved']);
  });
});
