// {{label}} templates of discovered resources: substitution, PromQL escaping, names, and the
// error for a label the series lacks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promqlString, renderTemplate, toName, TemplateError } from '../../../src/discovery/template';

describe('discovery templates', () => {
  it('substitutes labels, with or without spaces inside the braces', () => {
    assert.equal(
      renderTemplate('api-{{instance}}/{{ job }}', { instance: 'a:1', job: 'api' }),
      'api-a:1/api',
    );
  });

  it('escapes values for a double-quoted PromQL string', () => {
    assert.equal(
      renderTemplate('up{instance="{{instance}}"}', { instance: 'we"ird\\' }, promqlString),
      'up{instance="we\\"ird\\\\"}',
    );
  });

  it('names a label the series does not have', () => {
    assert.throws(
      () => renderTemplate('{{pod}}', { instance: 'x' }),
      (err: Error) => err instanceof TemplateError && /no label "pod"/.test(err.message),
    );
  });

  it('turns any text into a config name, and refuses one that would be empty', () => {
    assert.equal(toName('API-10.0.0.1:9100'), 'api-10.0.0.1-9100');
    assert.equal(toName('--x'), 'x');
    assert.equal(toName('a'.repeat(80)).length, 63);
    assert.throws(() => toName('::'), TemplateError);
  });
});
