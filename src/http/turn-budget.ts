/**
 * Work bounded per turn of the event loop. A flood's requests do not arrive
 * one per turn: a flooder that connects a thousand sockets and then sends
 * their requests makes hundreds of them readable at once, and one poll of
 * the loop hands them all over in one turn. Answering each there and then
 * (a canned refusal, or a stream opened) kept the loop in that one turn for
 * 100 ms and more, and `/healthz` (on a listener of its own, but the same
 * loop) waited for it. So such work goes through a budget: at most `perTurn`
 * tasks run from one check phase (setImmediate) to the next; the rest wait,
 * in the order they came, and run `perTurn` a turn, with a poll of the loop
 * (everyone else's I/O) between each batch. Nothing is scheduled while
 * nothing waits and nothing ran.
 *
 * The loop is the process's, so is the budget: every early refusal (frames
 * refused on their headers, unsigned or badly signed peer requests, stream
 * requests) goes through the one `loopBudget()`, and one turn never answers
 * more than `TURN_BUDGET` of them, whichever flood they come from.
 */
export const TURN_BUDGET = 16;

export interface TurnBudget {
  /** Runs `task` now when this turn's budget allows and nothing waits; else queues it behind the others. */
  run(task: () => void): void;
  /** Tasks waiting for a later turn. */
  readonly waiting: number;
}

/** `later` runs a function in the loop's check phase (setImmediate; a stand-in in tests). */
export function turnBudget(perTurn = TURN_BUDGET, later: (f: () => void) => void = setImmediate): TurnBudget {
  const queue: (() => void)[] = [];
  let used = 0;
  let armed = false;
  const arm = () => {
    if (armed) return;
    armed = true;
    later(turn);
  };
  function turn(): void {
    armed = false;
    used = 0;
    try {
      while (used < perTurn && queue.length > 0) {
        used++;
        queue.shift()!();
      }
    } finally {
      // Again at the next check phase: to run what still waits, or to start the next turn's count afresh.
      if (used > 0 || queue.length > 0) arm();
    }
  }
  return {
    run(task) {
      arm();
      if (queue.length > 0 || used >= perTurn) {
        queue.push(task);
        return;
      }
      used++;
      task();
    },
    get waiting() {
      return queue.length;
    },
  };
}

let shared: TurnBudget | undefined;

/** The process's budget for early refusals (one event loop, one budget), made on first use. */
export function loopBudget(): TurnBudget {
  shared ??= turnBudget();
  return shared;
}
