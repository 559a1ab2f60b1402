import { objectStoreConformance } from './conformance.js';
import { MemoryObjectStore } from './memory-store.js';

objectStoreConformance('memory', async () => {
  const store = new MemoryObjectStore();
  return { store, cleanup: () => store.close() };
});
