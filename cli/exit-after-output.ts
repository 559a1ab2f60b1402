// Exiting a command-line process without losing its output. process.exit() drops whatever Node
// has not yet handed to the OS: writes to a file or a terminal are synchronous, but a pipe
// whose reader is slower than the writer queues them, so `tsbase shell -e "scan 't'" | less`
// kept only the first 64 KiB of a long scan.

/**
 * Exits with `code` once everything written so far to stdout and stderr has been handed to
 * the OS (or the reader is gone: EPIPE ends the wait instead of crashing the process).
 */
export async function exitAfterOutput(code: number): Promise<never> {
  // From here on a failed write (the reader is gone) changes nothing: the process is exiting.
  // The listeners also catch an error of an earlier write that Node has yet to emit.
  for (const s of [process.stdout, process.stderr]) s.on('error', ignore);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

const ignore = (): void => {};

/** Resolves when the writes queued on `stream` before this call are done (or failed). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    // Writes complete in order: this empty write's callback runs after every earlier one.
    stream.write('', () => resolve());
  });
}
