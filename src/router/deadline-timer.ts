/**
 * The deadlines of the calls in flight under one timer, armed for the
 * earliest. A call that ends before its deadline (nearly all) costs no timer
 * operation: at a low frame rate a timer set and cleared per call (a new
 * list in Node's timer heap each time) was a fifth of the router's own work
 * per frame. Each call still expires at its own deadline (Node's 1 ms timer
 * resolution). Times are `performance.now()` milliseconds.
 */
export interface Expiring {
  /** When the call expires (performance.now() ms). */
  readonly due: number;
  expire(): void;
}

export class DeadlineTimer {
  private readonly pending = new Set<Expiring>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Expires `call` at its `due` unless removed before. */
  add(call: Expiring): void {
    this.pending.add(call);
    if (call.due < this.armedFor) this.arm(call.due);
  }

  /** The call ended: it will not expire. */
  remove(call: Expiring): void {
    this.pending.delete(call);
  }

  /** Calls waiting for their deadline. */
  get size(): number {
    return this.pending.size;
  }

  /** Stops the timer; the calls still pending never expire. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
    this.pending.clear();
  }

  private arm(due: number): void {
    clearTimeout(this.timer);
    this.armedFor = due;
    // Unref'd: the calls' sockets keep the process alive while a call is in flight, not a deadline alone.
    this.timer = setTimeout(this.fire, Math.max(0, due - this.clock())).unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.clock();
    let next = Infinity;
    for (const call of this.pending) {
      if (call.due <= now) {
        this.pending.delete(call);
        call.expire();
      } else if (call.due < next) next = call.due;
    }
    if (next < Infinity) this.arm(next);
  };
}
