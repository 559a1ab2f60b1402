// Line reports of test child processes (crash tests' writers) to their parent over stdout.
// `report` batches lines and writes them once per event-loop turn (acknowledgements: a line
// cut by a kill is not a report); `reportNow` writes everything pending before returning
// (intents the parent must see before the request is sent). Writes are synchronous: a kill
// right after a report cannot lose it. stdout may be a non-blocking pipe: a full pipe is
// retried until the parent reads.

import { writeSync } from 'node:fs';

let out = '';
let scheduled = false;

/** Writes every pending line now. */
export function flushReports(): void {
  scheduled = false;
  const b = Buffer.from(out);
  out = '';
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(1, b, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

/** Queues `line`; it is written at the end of this event-loop turn. */
export function report(line: string): void {
  out += line + '\n';
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushReports);
  }
}

/** Writes `line` (and everything queued before it) before returning. */
export function reportNow(line: string): void {
  out += line + '\n';
  flushReports();
}
