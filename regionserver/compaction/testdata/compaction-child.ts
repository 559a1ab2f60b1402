// Child process of the compaction crash test (run as compiled JS):
//   node compaction-child.js <fs root> <step> <worker|inline>
// Writes puts and deletes over four flushes (every acknowledged write is in a file), prints
// "acked" once they all are, then compacts every file and SIGKILLs itself at <step> of the
// compaction ('inputs-read', 'uploaded', 'committed'). Exits 3 if it was not killed.

import { FsObjectStore } from '../../../common/objectstore/fs-store.js';
import { candidatesOf } from '../../store/compaction-policy.js';
import { reportNow } from '../../../testing/child-report.js';
import { RegionHarness, b } from '../../region/testdata/harness.js';
import { WorkerRunner, inlineRunner } from '../compaction-runner.js';
import { compactStore } from '../compactor.js';
import type { CompactionStep } from '../compactor.js';

const [root, step, runner] = process.argv.slice(2);
const store = await FsObjectStore.open(root!);
const h = await RegionHarness.open({ objectStore: store });
const r = h.region;
for (let f = 0; f < 4; f++) {
  for (let i = 0; i < 50; i++) await r.put({ kind: 'put', row: b(`r${i}`), columns: [{ family: b('f'), qualifier: b(`q${f}`), value: b(`v${f}-${i}`) }] });
  for (let i = f; i < 50; i += 10) await r.delete({ kind: 'delete', row: b(`r${i}`), columns: [{ family: b('f'), qualifier: b(`q${f}`), allVersions: true }] });
  await r.flush();
}
reportNow('acked');
const s = r.store('f')!;
await compactStore(
  s,
  { files: candidatesOf(s.manifest.current.manifest).map((c) => c.name), kind: 'major' },
  {
    objectStore: store,
    runner: runner === 'worker' ? new WorkerRunner() : inlineRunner,
    onStep: (at: CompactionStep) => {
      if (at === step) process.kill(process.pid, 'SIGKILL');
    },
  },
);
process.exit(3);
