/**
 * Test support: a stand-in for the peer hop (src/router/replica-hop.ts) that
 * calls another member's replica straight on the address the member
 * reported, for router tests about routing, not about the hop itself
 * (remote-members.test.ts runs the real hop over the signed peer API).
 */
import type { RemoteInfer } from '../../../src/router/upstream-client.js';

export const directHop: RemoteInfer = {
  infer: (ep, input, h, timeoutMs, client) =>
    client.infer(
      { replica: ep.replica, node: ep.node, host: ep.host, port: ep.port, weight: ep.weight },
      input,
      h,
      timeoutMs,
    ),
};
