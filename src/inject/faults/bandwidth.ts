/** bandwidth: the proxy forwards at most `rate` bytes per second per connection and direction. */
import { FAULT_PARAM_SCHEMAS } from '../../config/fault-params';
import { directionsOf, type Direction } from '../proxy/tcp-proxy';
import { BandwidthToxic } from '../proxy/toxics';
import { proxyOf } from './proxy-target';
import { registerFault } from './registry';

registerFault({
  mode: 'bandwidth',
  journaled: false,
  liveParams: ['rate'],
  async apply(target, params, lease) {
    const proxy = proxyOf(target);
    // One bucket per direction: the limit applies to each direction on its own.
    const toxics = new Map<Direction, BandwidthToxic>();
    for (const direction of directionsOf(params.direction)) {
      const toxic = new BandwidthToxic(params.rate);
      toxics.set(direction, toxic);
      proxy.tcp.addToxic(lease.faultId, [direction], toxic);
    }
    return {
      detail: { proxy: proxy.listenAddress, direction: params.direction },
      async update(next) {
        const parsed = FAULT_PARAM_SCHEMAS.bandwidth.parse(next);
        for (const toxic of toxics.values()) toxic.bytesPerSecond = parsed.rate;
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
