/**
 * Throwaway certificates for tests: the agent's control API speaks TLS (and mTLS) beyond loopback.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export type TestCertificates = Record<'ca' | 'cert' | 'key' | 'clientCert' | 'clientKey', string>;

/**
 * A throwaway CA, a server certificate for `ips` (and localhost) and a client certificate, made
 * with openssl into `dir` (one day valid). For tests of the agent's TLS and mTLS.
 * @param ips the addresses the server certificate names @default ['127.0.0.1']
 */
export function makeTestCertificates(dir: string, ips: readonly string[] = ['127.0.0.1']): TestCertificates {
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=foreshock test CA',
  );
  writeFileSync(f('san.ext'), `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')},DNS:localhost\n`);
  for (const [name, ext] of [
    ['server', ['-extfile', f('san.ext')]],
    ['client', []],
  ] as const) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
      '-subj',
      `/CN=${name}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.pem`),
      '-days',
      '1',
      ...ext,
    );
  }
  return {
    ca: f('ca.pem'),
    cert: f('server.pem'),
    key: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
  };
}
