// TableStore reads table records written by earlier versions: family options added since get
// their defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import { MemoryCoordination } from '../common/coordination/memory-coordination.js';
import { columnFamilyAttributes } from '../regionserver/region/column-family.js';
import { TableStore } from './table-store.js';

test('a stored family without IN_MEMORY_COMPACTION reads back as NONE', async () => {
  const coordination = new MemoryCoordination();
  // A record as written before the option existed (every other option present).
  const old = {
    descriptor: {
      namespace: 'default',
      name: 't',
      families: [{ name: 'f', maxVersions: 3, minVersions: 0, ttlSeconds: 2_147_483_647, keepDeletedCells: 'FALSE', bloomFilter: 'ROW', blockSize: 65536, compression: 'NONE', dataBlockEncoding: 'NONE', inMemory: false }],
    },
    state: 'ENABLED',
  };
  await coordination.put(clusterKeys('c').table('default', 't'), Buffer.from(JSON.stringify(old)));
  const store = new TableStore(coordination, 'c');
  const f = (await store.getTable('default', 't'))!.record.descriptor.families[0]!;
  assert.equal(f.inMemoryCompaction, 'NONE');
  assert.equal(f.maxVersions, 3);
  assert.equal(columnFamilyAttributes(f)['IN_MEMORY_COMPACTION'], 'NONE');
  assert.equal((await store.listTables())[0]!.descriptor.families[0]!.inMemoryCompaction, 'NONE');
});
