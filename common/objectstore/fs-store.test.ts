import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectStoreConformance } from './conformance.js';
import { FsObjectStore } from './fs-store.js';

objectStoreConformance('fs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tsb-fs-store-'));
  const store = await FsObjectStore.open(root);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
