/**
 * `foreshock agent --config foreshock.yaml`: the Runtime Injection agent for this host. Runs
 * until SIGTERM/SIGINT, then reverts every fault it holds and stops its proxies and processes.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/loader';
import { startAgent } from '../../inject/agent';
import { writePrivateFile } from '../../inject/state-dir';

interface AgentCliOptions {
  config: string;
  listen?: string;
  tokenEnv?: string;
  stateDir?: string;
  host?: string;
  cgroupPrefix?: string;
}

async function runAgent(opts: AgentCliOptions): Promise<void> {
  const { config } = await loadConfig(opts.config);
  const tokenEnv = opts.tokenEnv ?? config.agent.tokenEnv;
  // Read once, then gone from the environment: no child process, log or crash dump inherits it.
  const token = takeEnv(tokenEnv);
  const readToken = config.agent.readTokenEnv ? takeEnv(config.agent.readTokenEnv) : undefined;
  const metricsToken = config.agent.metricsTokenEnv ? takeEnv(config.agent.metricsTokenEnv) : undefined;
  const agent = await startAgent({
    config,
    listen: opts.listen,
    token,
    readToken,
    metricsToken,
    stateDir: opts.stateDir !== undefined ? path.resolve(opts.stateDir) : undefined,
    configDir: path.dirname(path.resolve(opts.config)),
    host: opts.host,
    cgroupPrefix: opts.cgroupPrefix,
    log: (line) => console.error(`foreshock agent: ${line}`),
  });
  if (!token) {
    // a generated token goes to a file only the agent's user can read, never to a log
    const file = path.join(agent.stateDir, 'agent.token');
    writePrivateFile(file, Buffer.from(`${agent.token}\n`));
    console.error(`foreshock agent: ${tokenEnv} is not set; this run's token is in ${file} (mode 0600)`);
  }
  for (const r of agent.recovered) {
    const what = r.ok ? 'undid' : r.refused !== undefined ? `REFUSED (${r.refused})` : 'FAILED to undo';
    console.error(`foreshock agent: journal: ${what} ${r.kind} ${r.id}`);
  }
  // One machine-readable line for scripts and tests.
  console.log(
    JSON.stringify({
      url: agent.url,
      pid: process.pid,
      proxies: Object.fromEntries([...agent.proxies].map(([name, proxy]) => [name, proxy.listenAddress])),
      recovered: agent.recovered.filter((r) => r.ok).length,
      refused: agent.recovered.filter((r) => r.refused !== undefined).length,
      stateDir: agent.stateDir,
    }),
  );
  await new Promise<void>((resolve) => {
    const shutdown = () => resolve();
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
  console.error('foreshock agent: stopping; reverting active faults');
  await agent.stop();
}

function takeEnv(name: string): string | undefined {
  const value = process.env[name] || undefined;
  delete process.env[name];
  return value;
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description(
      'run the Runtime Injection agent: in-line proxies, host faults, leases, journal, control API',
    )
    .requiredOption('-c, --config <file>', 'foreshock config file')
    .option('--listen <host:port>', 'control API address (default: host and port of agent.url)')
    .option('--token-env <VAR>', 'environment variable holding the bearer token (default: agent.tokenEnv)')
    .option('--state-dir <dir>', 'journal and logs (default: agent.stateDir)')
    .option('--host <name>', 'serve only the resources whose host is <name> (default: all)')
    .option('--cgroup-prefix <prefix>', 'prefix of the cgroups this agent creates', 'agent')
    .action(async (opts: AgentCliOptions) => {
      await runAgent(opts);
    });
}
