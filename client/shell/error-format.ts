// How the shell reports a failed command, after HBase's shell (commands.rb): the friendly message
// HBase gives for common cases ("Unknown table t1!", "Table already exists: t1!"), then tsbase's
// stable error code and the full message, then a usage hint:
//
//   ERROR: Unknown table t1! (TSB_NOT_FOUND: table does not exist table=`t1`)
//
//   For usage try 'help "scan"'

import { ErrorCodes, TsbaseError } from '../../common/errors.js';

const hints = new WeakMap<object, readonly string[]>();

/** Extra lines to print under an error (e.g. a caret under the bad place in a FILTER). */
export function addHint(err: Error, lines: readonly string[]): void {
  hints.set(err, lines);
}

function detail(err: TsbaseError, key: string): string | undefined {
  const v = err.details[key];
  return v === undefined ? undefined : String(v);
}

/** HBase's friendly message for an error, if it has one. `firstArg` is the command's first argument. */
function friendly(err: TsbaseError, firstArg: string | undefined): string | undefined {
  const m = err.message.toLowerCase();
  if (err.code === ErrorCodes.NOT_FOUND) {
    if (detail(err, 'table') !== undefined || /\btable\b/.test(m)) return `Unknown table ${detail(err, 'table') ?? firstArg ?? ''}!`;
    if (detail(err, 'namespace') !== undefined || /\bnamespace\b/.test(m)) {
      return `Unknown namespace ${detail(err, 'namespace') ?? (firstArg ?? '').split(':')[0]}!`;
    }
    if (detail(err, 'server') !== undefined) return `Unknown server ${detail(err, 'server')}!`;
    if (detail(err, 'region') !== undefined || /\bregion\b/.test(m)) return `Unknown region ${detail(err, 'region') ?? firstArg ?? ''}!`;
    if (detail(err, 'family') !== undefined || /\bfamily\b/.test(m)) return 'Unknown column family!';
  }
  if (err.code === ErrorCodes.ALREADY_EXISTS) {
    if (detail(err, 'namespace') !== undefined || /\bnamespace\b/.test(m)) return `Namespace already exists: ${detail(err, 'namespace') ?? firstArg ?? ''}!`;
    if (detail(err, 'table') !== undefined || /\btable\b/.test(m)) return `Table already exists: ${detail(err, 'table') ?? firstArg ?? ''}!`;
  }
  if (err.code === ErrorCodes.TABLE_DISABLED) return `Table ${detail(err, 'table') ?? firstArg ?? ''} is disabled!`;
  return undefined;
}

/** The `ERROR: ...` line and any hint lines for `err`. */
export function errorLines(err: unknown, firstArg?: string): string[] {
  const lines: string[] = [];
  if (err instanceof TsbaseError) {
    const f = friendly(err, firstArg);
    lines.push(f === undefined ? `ERROR: ${err.message} (${err.code})` : `ERROR: ${f} (${err.code}: ${err.message})`);
    if (err.retryable) lines.push('The cluster may be busy or recovering; the command can be retried.');
  } else if (err instanceof Error) {
    lines.push(`ERROR: ${err.message} (${err.name})`);
  } else {
    lines.push(`ERROR: ${String(err)}`);
  }
  const h = typeof err === 'object' && err !== null ? hints.get(err) : undefined;
  if (h !== undefined) for (const l of h) lines.push('  ' + l);
  return lines;
}
