/**
 * mDNS: announces this appliance as `_rim._tcp` (TXT id, cluster, api, v)
 * and browses for the others, on one configured interface only (or every
 * multicast interface when none is configured). An announcement is only a
 * hint: the address goes to the discovery loop, which admits a peer only
 * after it proved it holds the cluster token.
 */
import { networkInterfaces } from 'node:os';
import { Bonjour, type Browser, type Service } from 'bonjour-service';
import { ValidationError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { PROTOCOL_VERSION } from './peer-messages.js';

export interface MdnsOptions {
  nodeId: string;
  cluster: string;
  apiPort: number;
  /** An interface name (eth0) or its IPv4 address; unset: every multicast interface. */
  interface?: string;
  logger: Logger;
  onPeer: (address: string, id: string) => void;
  /** How often to ask again for peers (ms). */
  queryEveryMs?: number;
}

/** The IPv4 address of `name` (an interface name or an address of this host). */
export function interfaceAddress(name: string): string {
  const all = networkInterfaces();
  const byName = all[name]?.find((a) => a.family === 'IPv4');
  if (byName) return byName.address;
  for (const list of Object.values(all)) if (list?.some((a) => a.family === 'IPv4' && a.address === name)) return name;
  throw new ValidationError(
    `cluster.discovery.interface: no IPv4 interface "${name}" on this host`,
    'cluster.discovery.interface',
  );
}

export class MdnsDiscovery {
  private bonjour?: Bonjour;
  private browser?: Browser;

  constructor(private readonly opts: MdnsOptions) {}

  start(signal: AbortSignal): void {
    const ip = this.opts.interface ? interfaceAddress(this.opts.interface) : undefined;
    // Bound to 0.0.0.0 (a socket bound to a unicast address hears no multicast), joined and sending on `ip` only.
    this.bonjour = new Bonjour(ip ? ({ interface: ip, bind: '0.0.0.0' } as never) : {}, (err: Error) => {
      this.opts.logger.warn({ err: err.message }, 'mDNS error');
    });
    this.bonjour.publish({
      name: `rim-${this.opts.nodeId}`,
      type: 'rim',
      protocol: 'tcp',
      port: this.opts.apiPort,
      txt: { id: this.opts.nodeId, cluster: this.opts.cluster, api: String(this.opts.apiPort), v: PROTOCOL_VERSION },
      disableIPv6: true,
    });
    this.browser = this.bonjour.find({ type: 'rim', protocol: 'tcp' }, (s: Service) => this.seen(s));
    this.browser.on('txt-update', (s: Service) => this.seen(s));
    const timer = setInterval(() => this.browser?.update(), this.opts.queryEveryMs ?? 2000);
    this.opts.logger.info({ interface: this.opts.interface ?? 'all', address: ip }, 'mDNS: announcing _rim._tcp');
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(timer);
        this.stop();
      },
      { once: true },
    );
  }

  private seen(s: Service): void {
    const txt = (s.txt ?? {}) as Record<string, string>;
    if (txt.cluster !== this.opts.cluster || !txt.id || txt.id === this.opts.nodeId) return;
    const host = s.referer?.address ?? s.addresses?.find((a) => a.includes('.'));
    if (!host) return;
    this.opts.onPeer(`${host}:${Number(txt.api) || s.port}`, txt.id);
  }

  stop(): void {
    this.browser?.stop();
    this.bonjour?.unpublishAll();
    this.bonjour?.destroy();
    this.bonjour = undefined;
  }
}
