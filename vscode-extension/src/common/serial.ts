// Runs async tasks one at a time, in the order they were given.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private _pending = 0;

  get pending(): number {
    return this._pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this._pending++;
    const result = this.tail.then(task, task);
    const done = (): void => {
      this._pending--;
    };
    this.tail = result.then(done, done);
    return result;
  }
}
