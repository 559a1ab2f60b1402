// Line reports of test child processes (crash tests' writers) to their parent over stdout.
// `report` batches lines and writes them once per event-loop turn (acknowledgements: a line
// cut by a kill is not a report); `reportNow` writes everything pending before returning
// (intents the parent must see before the request is sent). Writes are synchronous: a kill
// right after a report cannot lose it. stdout may be a non-blocking pipe (Node makes it one as
// soon as anything reads process.stdout; the AWS SDK does, through Readable.pipe): a full pipe
// is retried every millisecond until the parent reads.

import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));
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
      Atomics.wait(pause, 0, 0, 1); // the pipe is full: let the parent read
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
