/** connection_reset: a share of live and new connections are reset (RST) while active. */
import { proxyOf } from './proxy-target';
import { registerFault } from './registry';

registerFault({
  mode: 'connection_reset',
  journaled: false,
  async apply(target, params, lease) {
    const proxy = proxyOf(target);
    proxy.tcp.addReset(lease.faultId, params.share);
    return {
      detail: { proxy: proxy.listenAddress, share: params.share },
      async revert() {
        proxy.tcp.removeReset(lease.faultId);
      },
      async isPresent() {
        return proxy.tcp.hasToxic(lease.faultId);
      },
    };
  },
});
