import type { Command } from 'commander';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { DevServer } from '../../worker/dev-server';
import { embeddedServerFile, recordEmbeddedServer } from '../../client/connection';

export function registerDevServer(program: Command): void {
  program
    .command('dev-server')
    .description('start the embedded Temporal dev server (file-backed) and keep it running until Ctrl-C')
    .option('--port <port>', 'gRPC port (default: a free one)', Number)
    .option('--ui', 'also serve the Web UI')
    .option('--db <file>', 'SQLite file', path.join('.foreshock', 'temporal.db'))
    .action(async (opts: { port?: number; ui?: boolean; db: string }) => {
      const server = await DevServer.start({ port: opts.port, ui: opts.ui, dbFile: opts.db });
      // foreshock worker/run/schedule without temporal.address find and share this server
      recordEmbeddedServer(opts.db, server);
      console.log(
        `Temporal dev server at ${server.address}${server.uiUrl ? `, Web UI at ${server.uiUrl}` : ''}`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
      rmSync(embeddedServerFile(opts.db), { force: true });
    });
}
