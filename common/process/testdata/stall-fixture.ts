// Test fixture of loop-watchdog.test.ts (not used by production code): a process with the
// watchdog (1 s limit) whose event loop, depending on argv[2], gets stuck for good ("spin":
// a microtask chain that never ends) or blocks once for 600 ms ("busy") and then exits.
// "spin-full-stderr" first fills stderr (made non-blocking, as Node does once anything reads
// process.stderr) until the pipe refuses more, then gets stuck like "spin".
import { writeSync } from 'node:fs';
import { startLoopWatchdog } from '../loop-watchdog.js';

const mode = process.argv[2];
const watchdog = startLoopWatchdog({ stallMs: 1000, name: 'fixture', onStall: (ms) => console.log(`stall ${ms}`) });

async function spinForever(): Promise<void> {
  for (;;) await undefined;
}

function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

setTimeout(() => {
  if (mode === 'spin') {
    void spinForever();
  } else if (mode === 'spin-full-stderr') {
    void process.stderr; // Node opens fd 2 as a stream: non-blocking from now on
    const filler = Buffer.alloc(4096, 'x');
    for (;;) {
      try {
        writeSync(2, filler);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw e;
      }
    }
    void spinForever();
  } else {
    blockFor(600);
    setTimeout(() => {
      watchdog.stop();
      console.log('done');
    }, 500);
  }
}, 300);
