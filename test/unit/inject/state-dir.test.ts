import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigValidationError } from '../../../src/config/errors';
import { parseConfigText } from '../../../src/config/loader';
import { startAgent } from '../../../src/inject/agent';
import { InvalidRequestError } from '../../../src/inject/errors';
import { defaultStateDir, ROOT_STATE_DIR, stateDirOf } from '../../../src/inject/state-dir';

const config = (stateDir: string) =>
  [
    'prometheus: { url: http://127.0.0.1:9 }',
    'agent:',
    `  stateDir: ${stateDir}`,
    'resources:',
    '  - { name: db, type: database, proxy: { listen: 127.0.0.1:1, upstream: 127.0.0.1:2 } }',
    'failure_injection_profile: { injection_frequency: 1h }',
    '',
  ].join('\n');

describe('the agent state directory', () => {
  it('is absolute by default: /var/lib for root, the XDG state dir for others', () => {
    assert.equal(defaultStateDir({}, 0), ROOT_STATE_DIR);
    assert.equal(defaultStateDir({ XDG_STATE_HOME: '/srv/state' }, 1000), '/srv/state/foreshock/agent');
    assert.equal(
      defaultStateDir({ XDG_STATE_HOME: 'relative/state' }, 1000),
      path.join(os.homedir(), '.local', 'state', 'foreshock', 'agent'),
    );
    assert.ok(path.isAbsolute(stateDirOf(undefined)));
  });

  it('a relative agent.stateDir is a config error naming file:line:col and the field', () => {
    assert.equal(parseConfigText(config('/var/lib/x'), 'f.yaml').config.agent.stateDir, '/var/lib/x');
    assert.equal(
      parseConfigText(config('/var/lib/x').replace(/agent:\n.*\n/, ''), 'f.yaml').config.agent.stateDir,
      undefined,
    );
    assert.throws(
      () => parseConfigText(config('.foreshock/agent'), 'f.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigValidationError);
        const message = err.message;
        assert.match(message, /f\.yaml:3:13/);
        assert.match(message, /agent\.stateDir/);
        assert.match(message, /absolute/);
        return true;
      },
    );
  });

  it('startAgent refuses a relative state directory before it starts anything', async () => {
    await assert.rejects(
      startAgent({ config: { resources: [] }, listen: '127.0.0.1:0', stateDir: 'relative/state' }),
      (err: unknown) => err instanceof InvalidRequestError && err.field === 'stateDir',
    );
    await assert.rejects(
      startAgent({ config: { resources: [], agent: { stateDir: 'rel' } }, listen: '127.0.0.1:0' }),
      (err: unknown) => err instanceof InvalidRequestError && err.field === 'agent.stateDir',
    );
    assert.equal(existsSync('relative') || existsSync('rel'), false, 'nothing was created');
  });
});
