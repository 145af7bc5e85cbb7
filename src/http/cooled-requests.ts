/**
 * A request from an address in cool-down (refusal-cooldown.ts) is closed,
 * unanswered and unlogged, wherever it is bound. The accept gate closes such
 * an address's new connections; this closes the requests already on their
 * way over connections accepted before it cooled down. A flood sends its
 * requests by the hundred in one batch: before this, the requests queued
 * behind the one that cooled the address down were each parsed, checked,
 * logged (rate-limited) and answered 401 or 503, in the same turn of the
 * loop; now the rest of the batch costs a close each.
 */
import type { IncomingMessage } from 'node:http';
import { clientIp, type RefusalCooldown } from './refusal-cooldown.js';

/** Closes `req`'s connection when its address is in cool-down; true when it did (nothing more to do). */
export function closeIfCooled(
  cooldown: Partial<Pick<RefusalCooldown, 'blocked'>> | undefined,
  req: IncomingMessage,
): boolean {
  if (!cooldown?.blocked?.(clientIp(req.socket.remoteAddress))) return false;
  req.socket.destroy();
  return true;
}
