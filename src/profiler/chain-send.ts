/**
 * The whole app as one target: a frame goes to the entry module, its answer
 * to each next module, as Rim's router chains them; the frame is done when
 * every sink has answered. Latency is end to end.
 */
import type http from 'node:http';
import type { Manifest } from '../domain/manifest.js';
import { postFrame, type Send, type SendOutcome } from './http-send.js';

export function chainSend(
  manifest: Manifest,
  urls: ReadonlyMap<string, string>,
  input: Buffer,
  agent: http.Agent,
  timeoutMs: number,
): Send {
  const byName = new Map(manifest.modules.map((m) => [m.name, m]));
  const call = async (name: string, body: Buffer, signal: AbortSignal): Promise<SendOutcome> => {
    const url = urls.get(name);
    if (!url) return { ok: false, error: `${name}: no replica` };
    const out = await postFrame({ url: `${url}/infer`, body, agent, timeoutMs, keepBody: true }, signal);
    if (!out.ok) return out.error === 'aborted' ? out : { ...out, error: `${name}: ${out.error ?? 'error'}` };
    const next = byName.get(name)?.next ?? [];
    if (next.length === 0) return out;
    const outs = await Promise.all(next.map((n) => call(n, out.body ?? Buffer.alloc(0), signal)));
    return outs.find((o) => !o.ok) ?? outs[0]!;
  };
  return (signal) => call(manifest.entry, input, signal);
}
