/** blackhole: connections are accepted and their bytes swallowed; by design this loses data. */
import { directionsOf } from '../proxy/tcp-proxy';
import { BlackholeToxic } from '../proxy/toxics';
import { proxyOf } from './proxy-target';
import { registerFault } from './registry';

registerFault({
  mode: 'blackhole',
  journaled: false,
  async apply(target, params, lease) {
    const proxy = proxyOf(target);
    proxy.tcp.addToxic(lease.faultId, directionsOf(params.direction), new BlackholeToxic());
    return {
      detail: { proxy: proxy.listenAddress, direction: params.direction },
      async revert() {
        proxy.tcp.removeToxic(lease.faultId);
      },
      async isPresent() {
        return proxy.tcp.hasToxic(lease.faultId);
      },
    };
  },
});
