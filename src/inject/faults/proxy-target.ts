/** Shared by the proxy faults: the resource's proxy, or a refusal naming what is missing. */
import { InvalidRequestError } from '../errors';
import type { ResourceProxy } from '../proxy/resource-proxy';
import type { HttpLayer } from '../proxy/http-layer';
import type { FaultTarget } from './types';

export function proxyOf(target: FaultTarget): ResourceProxy {
  if (!target.proxy) {
    throw new InvalidRequestError(
      `resource ${target.resource.name} has no proxy`,
      'resource',
      'a resource with proxy: {listen, upstream}',
    );
  }
  return target.proxy;
}

export function httpLayerOf(target: FaultTarget): HttpLayer {
  const proxy = proxyOf(target);
  if (!proxy.http) {
    throw new InvalidRequestError(
      `the proxy of ${target.resource.name} is not in http mode`,
      'resource',
      'a resource with proxy.protocol: http',
    );
  }
  return proxy.http;
}
