/**
 * A declared resource's proxy: the TCP proxy on `listen`, plus the HTTP layer in `http` mode,
 * and the switch between the primary upstream and the `failover` one.
 */
import type { ProxyConfig } from '../../config/schema';
import { HttpLayer, type HttpCounters } from './http-layer';
import { TcpProxy, parseHostPort, type ProxyCounters } from './tcp-proxy';

export class ResourceProxy {
  private failoverActive = false;

  private constructor(
    readonly resource: string,
    readonly config: ProxyConfig,
    readonly tcp: TcpProxy,
    readonly http: HttpLayer | undefined,
  ) {}

  static async start(
    resource: string,
    config: ProxyConfig,
    counters: { proxy: ProxyCounters; http: HttpCounters },
    maxConnections?: number,
  ): Promise<ResourceProxy> {
    const upstream = parseHostPort(config.upstream);
    const http = config.protocol === 'http' ? await HttpLayer.start(upstream, counters.http) : undefined;
    try {
      const tcp = await TcpProxy.start({
        name: resource,
        listen: parseHostPort(config.listen),
        upstream: http ? http.address : upstream,
        counters: counters.proxy,
        ...(maxConnections !== undefined ? { maxConnections } : {}),
      });
      return new ResourceProxy(resource, config, tcp, http);
    } catch (err) {
      await http?.stop();
      throw err;
    }
  }

  get listenAddress(): string {
    const { host, port } = this.tcp.address;
    return `${host}:${port}`;
  }

  /** Where traffic goes now: the primary or the failover upstream. */
  get currentUpstream(): string {
    return this.failoverActive && this.config.failover ? this.config.failover : this.config.upstream;
  }

  get onFailover(): boolean {
    return this.failoverActive;
  }

  setFailover(active: boolean): string {
    this.failoverActive = active;
    const target = parseHostPort(this.currentUpstream);
    if (this.http) this.http.switchUpstream(target);
    else this.tcp.switchUpstream(target);
    return this.currentUpstream;
  }

  async stop(): Promise<void> {
    await this.tcp.stop();
    await this.http?.stop();
  }
}
