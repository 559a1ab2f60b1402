// `tsbase shell [-e '<commands>'] [--master host:port]`: HBase's shell against a running
// cluster or standalone. Master addresses: --master (repeatable), else client.masters of the
// configuration (--config / TSB_CLIENT_MASTERS / --set client.masters=...), default
// 127.0.0.1:16010. Exit status: the shell's (0, 1 after a failed command), 1 if it cannot
// connect, 141 (as a process killed by SIGPIPE) if the reader of its output went away
// (`tsbase shell -e "scan 't'" | head`): it stops quietly then, without a stack trace.
import { clientSettings } from '../common/config/config-resolve.js';
import { Connection } from '../client/connection.js';
import { createRpcClientPool } from '../common/rpc/rpc-client-pool.js';
import { runShell } from '../client/shell/index.js';
import { configFromFlags, isConfigError } from './config-flags.js';
import { exitAfterOutput } from './exit-after-output.js';

export interface ShellFlags {
  readonly execute?: string;
  readonly master: readonly string[];
  readonly config?: string;
  readonly set: readonly string[];
}

/** Exit status when stdout's reader is gone: 128 + SIGPIPE, what a shell reports for `yes | head`. */
export const EXIT_OUTPUT_CLOSED = 141;

export async function runShellCommand(flags: ShellFlags): Promise<void> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OUTPUT_CLOSED);
    throw e;
  });
  let conn: Connection;
  try {
    const cfg = configFromFlags({ set: flags.set, ...(flags.config !== undefined ? { config: flags.config } : {}) }, flags.master.length > 0 ? { 'client.masters': [...flags.master] } : {});
    const settings = clientSettings(cfg);
    // A master that does not answer is retried for client.operationTimeout; say what is going on.
    const hint = setTimeout(() => {
      process.stderr.write(
        `tsbase shell: no answer yet from ${settings.connection.masters.join(', ')}; retrying for up to ${Math.round(settings.connection.operationTimeoutMs / 1000)} s ` +
          '(is tsbase running? `npm start` runs standalone; --master host:port names another master)\n',
      );
    }, 3_000);
    hint.unref();
    try {
      conn = await Connection.connect(settings.connection, { pool: createRpcClientPool({ timeoutMs: settings.connection.rpcTimeoutMs }) });
    } finally {
      clearTimeout(hint);
    }
  } catch (e) {
    process.stderr.write(`tsbase shell: ${isConfigError(e) ? '' : 'cannot connect: '}${e instanceof Error ? e.message : String(e)}\n`);
    return exitAfterOutput(1);
  }
  const interactive = flags.execute === undefined && process.stdin.isTTY === true;
  if (interactive) process.stdout.write(`tsbase shell: connected to ${conn.status.activeMaster}. Type "help", "exit" to leave.\n`);
  let code: number;
  try {
    code = await runShell({
      connection: conn,
      output: process.stdout,
      ...(flags.execute !== undefined ? { commands: flags.execute } : { input: process.stdin }),
      interactive,
      width: process.stdout.isTTY === true ? process.stdout.columns : 0,
    });
  } finally {
    await conn.close().catch(() => {});
  }
  return exitAfterOutput(code);
}
