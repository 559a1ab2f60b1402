// Event-loop watchdog for server processes (HBase's JvmPauseMonitor, plus an abort). The main
// thread bumps a shared counter every `beatMs`; a worker thread (loop-watchdog-worker.ts)
// checks it. If the counter has not moved for `stallMs`, the main thread's event loop is stuck
// — a synchronous loop, a microtask chain that never ends, a blocking native call. Such a
// process has stopped renewing its coordination lease and answering requests, yet holds its
// port, and does not even react to SIGTERM. The worker then:
//   1. pauses the main thread through the inspector (inspector.Session.connectToMainThread)
//      and writes its JavaScript stack to stderr as one JSON log line (level fatal), so the
//      cause can be found from the log;
//   2. kills the process (SIGKILL), so that Kubernetes (or local-cluster) restarts it and the
//      master recovers its regions, instead of it lingering as a zombie.
// A stall shorter than stallMs but longer than `warnMs` is reported (level warn) once the loop
// runs again (GC pauses, long synchronous work).
//
// Thread safety: start once per process, from the main thread.

import { Worker } from 'node:worker_threads';
import { InvalidError } from '../errors.js';

export interface LoopWatchdogOptions {
  /** A stall this long kills the process (ms). */
  readonly stallMs: number;
  /** Stalls longer than this are logged once over (ms; default stallMs / 4). */
  readonly warnMs?: number;
  /** Process name for the log lines. */
  readonly name: string;
  /** Called on the main thread after a stall between warnMs and stallMs. */
  readonly onStall?: (ms: number) => void;
  /** The watchdog thread failed (e.g. no inspector in this build): the process runs on unwatched. */
  readonly onError?: (err: Error) => void;
}

export interface LoopWatchdog {
  /** Stops watching (the worker exits). Idempotent. */
  stop(): void;
}

const WORKER_URL = new URL('./loop-watchdog-worker.js', import.meta.url);

/** Heartbeat period of the main thread. */
const BEAT_MS = 200;

/** Starts the watchdog. Throws InvalidError for a stallMs below 1 s. */
export function startLoopWatchdog(opts: LoopWatchdogOptions): LoopWatchdog {
  if (!(opts.stallMs >= 1000)) throw new InvalidError('the event-loop stall limit must be at least 1 s', { details: { stallMs: opts.stallMs } });
  const warnMs = opts.warnMs ?? opts.stallMs / 4;
  const beats = new Int32Array(new SharedArrayBuffer(4));
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const gap = now - last - BEAT_MS;
    last = now;
    Atomics.add(beats, 0, 1);
    if (gap > warnMs) opts.onStall?.(Math.round(gap));
  }, BEAT_MS);
  timer.unref();
  const worker = new Worker(WORKER_URL, { workerData: { beats, stallMs: opts.stallMs, name: opts.name } });
  worker.unref();
  // Never let the watchdog take the process down by failing itself.
  worker.on('error', (err) => opts.onError?.(err));
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      void worker.terminate();
    },
  };
}
