// Which agent a resource's calls go to: pure routing, no network.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentRouter, routerOf } from '../../../src/inject/agent-router';
import { AgentClient } from '../../../src/inject/client';

const resources = [
  { name: 'web', host: 'local' },
  { name: 'db', host: 'db-host' },
  { name: 'cache', host: 'cache-host' },
  { name: 'queue', host: 'db-host' },
];

describe('AgentRouter', () => {
  it('sends each resource to its host agent, local and unlisted hosts to agent.url', () => {
    const router = AgentRouter.fromConfig(
      { agent: { url: 'http://127.0.0.1:7070', hosts: { 'db-host': 'http://10.0.0.5:7070' } }, resources },
      { token: 't' },
    );
    assert.equal(router.forResource('web').url, 'http://127.0.0.1:7070');
    assert.equal(router.forResource('db').url, 'http://10.0.0.5:7070');
    assert.equal(router.forResource('queue'), router.forResource('db'), 'one client per agent');
    assert.equal(router.forResource('cache').url, 'http://127.0.0.1:7070');
    assert.equal(router.forResource('unknown').url, 'http://127.0.0.1:7070');
    assert.equal(router.forResource(undefined).url, 'http://127.0.0.1:7070');
    assert.deepEqual(
      router.all().map((c) => c.url),
      ['http://127.0.0.1:7070', 'http://10.0.0.5:7070'],
    );
  });

  it('with no hosts listed, every resource goes to agent.url', () => {
    const router = AgentRouter.fromConfig(
      { agent: { url: 'http://127.0.0.1:7070/' }, resources },
      { token: 't' },
    );
    assert.deepEqual(
      resources.map((r) => router.forResource(r.name).url),
      resources.map(() => 'http://127.0.0.1:7070'),
    );
    assert.equal(router.all().length, 1);
  });

  it('a single client is a router to itself', () => {
    const client = new AgentClient({ url: 'http://127.0.0.1:1', token: 't' });
    assert.equal(routerOf(client).forResource('db'), client);
    const router = routerOf(client);
    assert.equal(routerOf(router), router);
  });
});
