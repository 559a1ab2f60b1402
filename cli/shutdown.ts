// Clean stop of a tsbase process on SIGTERM / SIGINT (and when the parent of a local-cluster
// child goes away): run the stop function once, then exit. A second signal while stopping
// exits at once with status 130, for an operator who does not want to wait.
import type { Logger } from './logger.js';

export interface ShutdownOptions {
  readonly log: Logger;
  /** What stopping means for this process (drain regions, resign, close coordination...). */
  readonly stop: () => Promise<void>;
  /** Exit anyway after this long (default 60 s): a stop that hangs must not keep a pod alive. */
  readonly timeoutMs?: number;
}

/**
 * Installs the handlers. Returns `requestStop(reason)`, which starts the same clean stop (used
 * when a process decides to stop by itself, e.g. its lease was lost). Exit status: 0 after a
 * clean stop, 1 if stop() threw or timed out.
 */
export function installShutdown(opts: ShutdownOptions): (reason: string, exitCode?: number) => void {
  let stopping = false;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const requestStop = (reason: string, exitCode = 0) => {
    if (stopping) {
      opts.log.warn({ reason }, 'second stop request: exiting now');
      process.exit(130);
    }
    stopping = true;
    opts.log.info({ reason }, 'stopping');
    const timer = setTimeout(() => {
      opts.log.error({ timeoutMs }, 'stop did not finish in time: exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    opts
      .stop()
      .then(
        () => {
          opts.log.info('stopped');
          process.exit(exitCode);
        },
        (e: unknown) => {
          opts.log.error({ err: e }, 'stop failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  // A local-cluster child: the IPC channel to the parent closes when the parent dies.
  if (process.send !== undefined) process.on('disconnect', () => requestStop('parent exited'));
  return requestStop;
}
