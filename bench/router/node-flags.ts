/**
 * The node flags the appliance runs with (images/appliance/Dockerfile's CMD,
 * package.json's `start`): the bench's router process gets the same, so what
 * it measures is what a box does. A unit test keeps the three in step.
 *
 * A young generation of at least 8 MiB semi-spaces. V8 starts at 1 MiB and,
 * at a low rate, keeps it there: a scavenge about once a second at 50 fps
 * (~20 KB allocated per frame), and the idle appliance's own allocations
 * scavenged often enough to cost 1.1% of a core (bench:footprint, quiet,
 * 06:00 UTC round 6; target < 1%). Measured, quiet machine, idle RSS max /
 * idle CPU: no flag 108 / 1.08% and 104.9 / 1.10%; 8 MiB 104.8 / 0.95% and
 * 103.3 / 0.57%; fixed 16 MiB 119.1 MB / 0.70% (too near the 120 MB target).
 * The router's added p99 at 50 fps (latency-probe.ts, 2 × 1,000 interleaved
 * frames) did not tell them apart: 2.0–2.5 ms with none, 1.7–3.3 with 16 MiB,
 * 2.8–3.1 with 8 MiB (noise of the shared 2-core machine).
 *
 * No memory reducer (round 7). When the allocation rate falls (a burst of
 * frames, then a steady camera), V8's memory reducer runs full collections to
 * shrink the heap, most likely what landed on the frames flowing: bench:router
 * (pinned, quiet, 50 fps after the warm-up bursts) saw 7 collections with a
 * 35.9 ms pause and +2.99 ms added p99; with `--no-memory-reducer`, 1
 * collection of 1.4 ms and +1.58 ms (one run each, 08:41 and 08:51 UTC). The
 * idle footprint with it: 104.1 / 105 MB RSS, 0.78% CPU (bench:footprint,
 * quiet, 08:56 UTC). The heap still shrinks at the collections allocation
 * brings; it is not given back on a timer once traffic stops.
 *
 * Tried in round 8, not adopted: `--single-threaded-gc` (bench:router, quiet,
 * 11:05 UTC): fewer preemptions of the pinned router at 50 fps (+0.93 ms
 * added p99), but its scavenges took 8.9–21 ms at 200–500 fps (under 3 ms
 * with the GC's helper threads) and it held 200 fps.
 *
 * `--expose-gc` (round 14): the router's scavenges between frames
 * (src/router/idle-scavenge.ts) call the `gc` it exposes; without it the
 * router leaves every collection to V8.
 */
export const APPLIANCE_NODE_FLAGS: readonly string[] = [
  '--min-semi-space-size=8',
  '--no-memory-reducer',
  '--expose-gc',
];
