/**
 * Young-generation collections between frames rather than inside them.
 *
 * V8 scavenges when an allocation finds the young generation full: always
 * in the middle of some frame's work, and that frame waits for the whole
 * collection (1.5–5 ms on the 2-core test box, 5–6 in 50 s at 50 fps:
 * docs/performance.md, router round 14). At the rates a box's cameras send, the data plane is idle most of
 * the time. So once the last frame in flight has been answered and no frame
 * has come for `quietMs`, the scavenger looks: when the young generation is
 * already `threshold` full, it collects there, and the frame that would
 * have filled it finds room. A frame that arrives during that collection
 * waits as before (at 50 fps a ~2.5 ms collection overlaps a frame's arrival
 * about one time in eight, by arithmetic). Under load
 * (frames less than `quietMs` apart) it never looks, and every collection
 * is V8's own, as without it.
 *
 * Cost: an answer reads the clock; at most once per `minGapMs` the answers
 * re-arm one timer (no timer per frame) and the look reads V8's space
 * statistics (~7 µs), so at 50 fps the process wakes for a look about once
 * every 5 frames (the young generation fills in seconds); a collection
 * at `threshold` instead of 1.0 makes up to 1 / threshold as many
 * scavenges at low rates (each costs what V8's own would: the live objects,
 * not the space).
 */

/** The process's young generation (src/adapters/v8-young-generation.ts; a fake in tests). */
export interface YoungGeneration {
  /** How full it is, 0..1. */
  fill(): number;
  /** A minor collection (scavenge), synchronous. */
  collect(): void;
}

export interface IdleScavengeOptions {
  young: YoungGeneration;
  now: () => number;
  /** Collect when at least this full (default 0.75). */
  threshold?: number;
  /** At most one look per this many ms (default 100): until then an answer arms no timer. */
  minGapMs?: number;
  /** The look comes this long after the last answer, when no frame came since (default 2 ms). */
  quietMs?: number;
  /** A timer that calls `look` `ms` from now, and again from each refresh() (default: an unref'd setTimeout). */
  timer?: (look: () => void, ms: number) => { refresh(): unknown };
}

export class IdleScavenger {
  private inFlight = 0;
  private lastLook = -Infinity;
  private armed: { refresh(): unknown } | undefined;
  /** Looks and collections made so far (tests; bench:router counts forced collections itself). */
  looks = 0;
  collections = 0;
  private readonly threshold: number;
  private readonly minGapMs: number;
  private readonly quietMs: number;
  private readonly timer: (look: () => void, ms: number) => { refresh(): unknown };

  constructor(private readonly o: IdleScavengeOptions) {
    this.threshold = o.threshold ?? 0.75;
    this.minGapMs = o.minGapMs ?? 100;
    this.quietMs = o.quietMs ?? 2;
    this.timer = o.timer ?? ((look, ms) => setTimeout(look, ms).unref());
  }

  /** Frames in, not answered yet. */
  get framesInFlight(): number {
    return this.inFlight;
  }

  /** A frame came in. */
  readonly started = (): void => {
    this.inFlight++;
  };

  /** A frame's answer went out (or its connection closed). */
  readonly finished = (): void => {
    if (--this.inFlight > 0) return;
    if (this.o.now() - this.lastLook < this.minGapMs) return; // looked lately: no timer, no wake-up
    if (this.armed) this.armed.refresh();
    else this.armed = this.timer(this.look, this.quietMs);
  };

  private readonly look = (): void => {
    if (this.inFlight > 0) return; // a frame came and is in flight: its answer re-arms the timer
    this.lastLook = this.o.now();
    this.looks++;
    if (this.o.young.fill() < this.threshold) return;
    this.o.young.collect();
    this.collections++;
  };
}
