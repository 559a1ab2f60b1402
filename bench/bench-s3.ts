// S3 for benchmarks: the server named by the TSB_TEST_* variables, or a radosgw started by the
// test harness for this run (stopped by `stop`).

import type { S3Settings } from '../testing/test-services.js';
import { s3SettingsFromEnv, startTestServices } from '../testing/test-services.js';

export async function benchS3(): Promise<{ s3: S3Settings; stop(): Promise<void> }> {
  const fromEnv = s3SettingsFromEnv();
  if (fromEnv !== undefined) return { s3: fromEnv, stop: async () => {} };
  const t = performance.now();
  const started = await startTestServices({ needS3: true, needEtcd: false, log: () => {} });
  const s3 = s3SettingsFromEnv(started.env);
  if (s3 === undefined) throw new Error('the test harness started no s3 server');
  console.log(`# started radosgw in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { s3, stop: () => started.stop() };
}
