/**
 * Runs async jobs one at a time, in order. A store holds one connection (or one lock) per
 * process; two overlapping transactions from the same process would otherwise interleave
 * their statements inside one database transaction.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
