// Process logging for the tsbase command: pino, JSON lines on stderr (stdout stays free for
// the human-readable banner of where a process listens). TSBASE_LOG_LEVEL or --log-level set
// the level (default info).
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The logger of one tsbase process. `role` goes on every line (master, regionserver,
 * standalone, local-cluster, shell). Synchronous writes to fd 2, so the last lines before an
 * exit are not lost.
 */
export function createLogger(role: string, level?: string): Logger {
  const chosen = level ?? process.env['TSBASE_LOG_LEVEL'] ?? 'info';
  const valid = (LOG_LEVELS as readonly string[]).includes(chosen) ? chosen : 'info';
  return pino({ level: valid, base: { role, pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
