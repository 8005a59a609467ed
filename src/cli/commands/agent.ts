/**
 * `foreshock agent --config foreshock.yaml`: the Runtime Injection agent for this host. Runs
 * until SIGTERM/SIGINT, then reverts every fault it holds and stops its proxies and processes.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/loader';
import { startAgent } from '../../inject/agent';

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
  const token = process.env[tokenEnv] || undefined;
  const agent = await startAgent({
    config,
    listen: opts.listen,
    token,
    stateDir: opts.stateDir,
    host: opts.host,
    cgroupPrefix: opts.cgroupPrefix,
    log: (line) => console.error(`foreshock agent: ${line}`),
  });
  if (!token) console.error(`foreshock agent: ${tokenEnv} is not set; this run's token is ${agent.token}`);
  for (const r of agent.recovered) {
    console.error(`foreshock agent: journal: ${r.ok ? 'undid' : 'FAILED to undo'} ${r.kind} ${r.id}`);
  }
  // One machine-readable line for scripts and tests.
  console.log(
    JSON.stringify({
      url: agent.url,
      pid: process.pid,
      proxies: Object.fromEntries([...agent.proxies].map(([name, proxy]) => [name, proxy.listenAddress])),
      recovered: agent.recovered.length,
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
