/**
 * When `rim load` sends each frame, in ms from the start (open loop: the
 * schedule never waits for answers). Steady: one frame every 1000/fps ms.
 * Burst: each second's frames all at the start of that second (a camera
 * that buffers), the same number in all. Pure.
 */
export function sendTimes(fps: number, durationS: number, burst = false): number[] {
  const total = Math.floor(fps * durationS + 1e-9);
  const out: number[] = [];
  if (!burst) {
    for (let i = 0; i < total; i++) out.push((i * 1000) / fps);
    return out;
  }
  const perSecond = Math.max(1, Math.round(fps));
  for (let s = 0; out.length < total; s++) {
    for (let i = 0; i < perSecond && out.length < total; i++) out.push(s * 1000);
  }
  return out;
}
