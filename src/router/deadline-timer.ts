/**
 * The deadlines of the calls in flight under one timer, armed for the
 * earliest. A call that ends before its deadline (nearly all) costs no timer
 * operation: at a low frame rate a timer set and cleared per call (a new
 * list in Node's timer heap each time) was a fifth of the router's own work
 * per frame. Each call still expires at its own deadline (Node's 1 ms timer
 * resolution). Times are `performance.now()` milliseconds.
 *
 * The calls are held in an array, each knowing its slot (removal swaps the
 * last one in), not in a Set: a Set added to and deleted from on every call
 * rehashed its table every few calls (most likely the cause: an obsolete
 * table links to its successor, so one in the old generation keeps the young
 * chain after it, with the calls it held, alive), and the router promoted
 * ~1.1 MB per scavenge at 1000 fps (0.14 MB with the array) and paid full
 * collections for it (issue #10, docs/performance.md).
 */
export interface Expiring {
  /** When the call expires (performance.now() ms). */
  readonly due: number;
  expire(): void;
  /** The timer's own bookkeeping (where it holds the call); an implementation may start it at -1. */
  deadlineSlot?: number;
}

/** deadlineSlot of a call past its deadline whose expire() has yet to run. */
const EXPIRING = -2;

export class DeadlineTimer {
  private readonly pending: Expiring[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  /** The calls a fire() found past their deadline, while it expires them. */
  private expiring: Expiring[] | undefined;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Expires `call` at its `due` unless removed before. */
  add(call: Expiring): void {
    if (this.holds(call)) return;
    call.deadlineSlot = this.pending.length;
    this.pending.push(call);
    if (call.due < this.armedFor) this.arm(call.due);
  }

  /** The call ended: it will not expire. */
  remove(call: Expiring): void {
    if (this.holds(call)) this.take(call.deadlineSlot!);
    else if (call.deadlineSlot === EXPIRING) call.deadlineSlot = -1;
  }

  /** Calls waiting for their deadline. */
  get size(): number {
    return this.pending.length;
  }

  /** Stops the timer; the calls still pending never expire. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
    for (const call of this.pending) call.deadlineSlot = -1;
    this.pending.length = 0;
    // From an expire(): the rest of that round's expired calls do not expire either.
    if (this.expiring) for (const call of this.expiring) call.deadlineSlot = -1;
  }

  private holds(call: Expiring): boolean {
    const i = call.deadlineSlot;
    return i !== undefined && i >= 0 && this.pending[i] === call;
  }

  /** Removes the call in slot `i`: the last one takes its slot. */
  private take(i: number): Expiring {
    const pending = this.pending;
    const call = pending[i]!;
    const last = pending.pop()!;
    if (last !== call) {
      pending[i] = last;
      last.deadlineSlot = i;
    }
    call.deadlineSlot = -1;
    return call;
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
    const pending = this.pending;
    // The expired ones leave first and the timer is armed for the rest, then they expire: an expire() that
    // adds or removes calls finds the timer in order.
    let expired: Expiring[] | undefined;
    let next = Infinity;
    for (let i = 0; i < pending.length;) {
      const call = pending[i]!;
      if (call.due <= now) (expired ??= []).push(this.take(i));
      else {
        if (call.due < next) next = call.due;
        i++;
      }
    }
    if (next < Infinity) this.arm(next);
    if (!expired) return;
    for (const call of expired) call.deadlineSlot = EXPIRING;
    // One removed by an earlier one's expire() (or all, by close()) does not expire, as when they were in a Set.
    this.expiring = expired;
    try {
      for (const call of expired) {
        if (call.deadlineSlot !== EXPIRING) continue;
        call.deadlineSlot = -1;
        call.expire();
      }
    } finally {
      this.expiring = undefined;
    }
  };
}
