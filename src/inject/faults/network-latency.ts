/** network_latency: the proxy holds each chunk for latency ± jitter; removing it releases them in order. */
import { FAULT_PARAM_SCHEMAS } from '../../config/fault-params';
import { directionsOf } from '../proxy/tcp-proxy';
import { LatencyToxic } from '../proxy/toxics';
import { proxyOf } from './proxy-target';
import { registerFault } from './registry';

registerFault({
  mode: 'network_latency',
  journaled: false,
  liveParams: ['latency', 'jitter'],
  async apply(target, params, lease) {
    const proxy = proxyOf(target);
    const toxic = new LatencyToxic(params.latency, params.jitter ?? 0);
    proxy.tcp.addToxic(lease.faultId, directionsOf(params.direction), toxic);
    return {
      detail: { proxy: proxy.listenAddress, direction: params.direction },
      async update(next) {
        const parsed = FAULT_PARAM_SCHEMAS.network_latency.parse(next);
        toxic.latencyMs = parsed.latency;
        toxic.jitterMs = parsed.jitter ?? 0;
        proxy.tcp.toxicChanged();
      },
      async revert() {
        proxy.tcp.removeToxic(lease.faultId);
      },
      async isPresent() {
        return proxy.tcp.hasToxic(lease.faultId);
      },
    };
  },
});
