import { testS3Config, uniqueTestPrefix } from '../../testing/s3-env.js';
import { objectStoreConformance } from './conformance.js';
import { listAllKeys } from './object-store.js';
import { S3ObjectStore } from './s3-store.js';

objectStoreConformance('s3 (radosgw)', async () => {
  const cfg = await testS3Config();
  const store = new S3ObjectStore({ ...cfg, prefix: uniqueTestPrefix('objectstore-conformance') });
  return {
    store,
    cleanup: async () => {
      try {
        await store.deleteMany((await listAllKeys(store, '')).map((o) => o.key));
      } finally {
        await store.close();
      }
    },
  };
});
