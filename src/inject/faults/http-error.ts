/** http_error: the HTTP-mode proxy answers `share` of requests with `status` instead of forwarding. */
import { FAULT_PARAM_SCHEMAS } from '../../config/fault-params';
import { httpLayerOf } from './proxy-target';
import { registerFault } from './registry';

registerFault({
  mode: 'http_error',
  journaled: false,
  liveParams: ['status', 'share'],
  async apply(target, params, lease) {
    const http = httpLayerOf(target);
    http.errorRules.set(lease.faultId, { status: params.status, share: params.share });
    return {
      detail: { proxy: target.proxy?.listenAddress },
      async update(next) {
        const parsed = FAULT_PARAM_SCHEMAS.http_error.parse(next);
        http.errorRules.set(lease.faultId, { status: parsed.status, share: parsed.share });
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
