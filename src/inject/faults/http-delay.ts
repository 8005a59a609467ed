/** http_delay: the HTTP-mode proxy holds `share` of requests for `delay` before forwarding them. */
import { FAULT_PARAM_SCHEMAS } from '../../config/fault-params';
import { httpLayerOf } from './proxy-target';
import { registerFault } from './registry';

registerFault({
  mode: 'http_delay',
  journaled: false,
  liveParams: ['delay', 'share'],
  async apply(target, params, lease) {
    const http = httpLayerOf(target);
    http.delayRules.set(lease.faultId, { delayMs: params.delay, share: params.share });
    return {
      detail: { proxy: target.proxy?.listenAddress },
      async update(next) {
        const parsed = FAULT_PARAM_SCHEMAS.http_delay.parse(next);
        http.delayRules.set(lease.faultId, { delayMs: parsed.delay, share: parsed.share });
      },
      async revert() {
        http.removeRule(lease.faultId);
      },
      async isPresent() {
        return http.hasRule(lease.faultId);
      },
    };
  },
});
