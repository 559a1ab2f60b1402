// One standalone process per data dir: two processes writing the same coordination snapshot,
// object files and WAL would lose each other's changes. The lock is `<dataDir>/standalone.pid`
// created exclusively; a file left by a process that no longer runs (kill -9) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, InvalidError } from '../common/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  /** Removes the lock file (if it is still ours). Idempotent. */
  release(): void;
}

/**
 * Takes the lock of `dataDir` (created if missing). Throws InvalidError TSB_INVALID_CONFIG if
 * another live process holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'standalone.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new InvalidError('the data dir is in use by another tsbase standalone process: stop it or choose another --data-dir', {
          code: ErrorCodes.INVALID_CONFIG,
          details: { setting: 'standalone.dataDir', dataDir, pid: holder },
        });
      }
      rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      try {
        if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
