// The watchdog thread of loop-watchdog.ts: watches the main thread's heartbeat counter; after
// `stallMs` without a beat it logs the main thread's JavaScript stack (taken through the
// inspector) to stderr and kills the process.

import { writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { workerData } from 'node:worker_threads';

interface WatchdogData {
  readonly beats: Int32Array;
  readonly stallMs: number;
  readonly name: string;
}

const { beats, stallMs, name } = workerData as WatchdogData;
const CHECK_MS = Math.min(1000, stallMs / 4);
/** How long to wait for the stuck thread to pause (it cannot while outside JavaScript). */
const PAUSE_TIMEOUT_MS = 2000;

let seen = Atomics.load(beats, 0);
let since = performance.now();
const timer = setInterval(() => {
  const v = Atomics.load(beats, 0);
  const now = performance.now();
  if (v !== seen) {
    seen = v;
    since = now;
    return;
  }
  if (now - since >= stallMs) {
    clearInterval(timer);
    void abort(now - since);
  }
}, CHECK_MS);

async function abort(stalledMs: number): Promise<void> {
  let stack: string[];
  try {
    stack = await mainThreadStack();
  } catch (e) {
    stack = [`(no stack: ${e instanceof Error ? e.message : String(e)})`];
  }
  const line = {
    level: 60,
    time: Date.now(),
    pid: process.pid,
    name,
    msg: 'event loop stalled; killing the process (the stack is where the main thread was)',
    stalledMs: Math.round(stalledMs),
    stack,
  };
  try {
    writeSync(2, `${JSON.stringify(line)}\n`);
  } finally {
    // A full non-blocking stderr (EAGAIN) must not keep a stalled process alive.
    process.kill(process.pid, 'SIGKILL');
  }
}

/** The main thread's JavaScript call stack, innermost first. */
function mainThreadStack(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const session = new Session();
    session.connectToMainThread();
    const t = setTimeout(() => reject(new Error('the main thread did not pause (blocked outside JavaScript)')), PAUSE_TIMEOUT_MS);
    // Paused frames name their script by id; enabling the debugger announces every script.
    const urls = new Map<string, string>();
    session.on('Debugger.scriptParsed', (m) => urls.set(m.params.scriptId, m.params.url));
    session.on('Debugger.paused', (m) => {
      clearTimeout(t);
      resolve(
        m.params.callFrames.map((f) => {
          const url = urls.get(f.location.scriptId) ?? f.url;
          return `${f.functionName === '' ? '(anonymous)' : f.functionName} ${url}:${f.location.lineNumber + 1}:${(f.location.columnNumber ?? 0) + 1}`;
        }),
      );
    });
    session.post('Debugger.enable', (err) => {
      if (err !== null) {
        reject(err);
        return;
      }
      session.post('Debugger.pause', (e2) => {
        if (e2 !== null) reject(e2);
      });
    });
  });
}
