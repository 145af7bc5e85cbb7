/**
 * The node flags the appliance runs with (images/appliance/Dockerfile's CMD,
 * package.json's `start`): the bench's router process gets the same, so what
 * it measures is what a box does. A unit test keeps the three in step.
 *
 * Young generation of 16 MiB semi-spaces, fixed: V8 starts at 1 MiB and, at a
 * low frame rate, keeps it there, so at 50 fps (~20 KB allocated per frame)
 * a scavenge stops a frame about once a second, 1 frame in 45: the router's
 * p99. With 16 MiB it is once in ~800 frames. Costs RSS once the young
 * generation has been used through: +23 MB on a small allocating script.
 */
export const APPLIANCE_NODE_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
