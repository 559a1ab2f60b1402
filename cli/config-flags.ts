// The flags every tsbase server subcommand shares (`--config`, `--set`, `--log-level`), how
// they become a validated configuration (common/config loadConfig), and how a process reports
// a bad configuration: one clear line on stderr naming the setting and the reason, exit 1.
import { loadConfig } from '../common/config/load-config.js';
import type { TsbaseConfig } from '../common/config/config-schema.js';
import { ErrorCodes, TsbaseError } from '../common/errors.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';

export interface CommonFlags {
  readonly config?: string;
  readonly set: readonly string[];
  readonly logLevel?: string;
}

/** True for an error that means "the configuration is wrong" (exit 1, no stack). */
export function isConfigError(e: unknown): e is TsbaseError {
  return e instanceof TsbaseError && e.code === ErrorCodes.INVALID_CONFIG;
}

/**
 * The configuration from `--config`, the environment (TSB_*) and `--set`, then `extra`
 * (named flags such as --data-dir, as dotted paths). Throws InvalidError TSB_INVALID_CONFIG.
 */
export function configFromFlags(flags: CommonFlags, extra: Readonly<Record<string, unknown>> = {}): TsbaseConfig {
  const named: Record<string, unknown> = { ...extra };
  if (flags.logLevel !== undefined) named['log.level'] = flags.logLevel;
  // Named flags after --set: a flag given explicitly on the command line wins.
  const overrides = [
    ...flags.set,
    ...Object.entries(named)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`),
  ];
  return loadConfig({ ...(flags.config !== undefined ? { file: flags.config } : {}), overrides });
}

/**
 * Runs a subcommand's main function: loads nothing itself, but turns the failures every
 * subcommand shares into exit statuses — a configuration error prints
 * `tsbase <command>: <message>` and exits 1; any other start failure is logged (fatal) and
 * exits 1.
 */
export async function runMain(command: string, main: (log: (role: string, level?: string) => Logger) => Promise<void>): Promise<void> {
  try {
    await main((role, level) => createLogger(role, level));
  } catch (e) {
    if (isConfigError(e)) {
      process.stderr.write(`tsbase ${command}: ${e.message}\n`);
    } else {
      const log = createLogger(command);
      log.fatal({ err: e }, `tsbase ${command} failed to start`);
      process.stderr.write(`tsbase ${command}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    process.exit(1);
  }
}
