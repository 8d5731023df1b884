import { parentPort } from 'node:worker_threads';
import { compareFeature, type FeatureComparison } from './detect.js';
import type { CheckerMessage, CheckerReply } from './drift-checker.js';
import { clearKsCache } from './ks-exact.js';
import { DRIFT_TESTS, type FeatureReference } from './reference.js';

// Worker entry: keep the references the checker sends (the test restored from its name), and
// test the features of each check it is sent (protocol in drift-checker.ts).
const references = new Map<number, readonly FeatureReference[]>();

function answer(m: CheckerMessage): CheckerReply | null {
  if (m.kind === 'reference') {
    if (m.evict !== undefined) references.delete(m.evict);
    references.set(
      m.ref,
      m.features.map((f): FeatureReference => {
        const test = DRIFT_TESTS[f.kind];
        if (test.name !== f.test)
          throw new Error(`drift checker worker: no built-in ${f.kind} test "${f.test}"`);
        return { ...f, test };
      }),
    );
    return null;
  }
  if (m.kind === 'clear') {
    clearKsCache();
    return { job: m.job };
  }
  const features = references.get(m.ref);
  if (!features) throw new Error(`drift checker worker: reference ${m.ref} was never sent`);
  const compared: FeatureComparison[] = [];
  const ms: number[] = [];
  m.features.forEach((i, j) => {
    const t0 = performance.now();
    const { result: r, psi } = compareFeature(features[i], m.columns[j]);
    // Only what the report uses goes back (the PSI bin counts stay here).
    const result = {
      statistic: r.statistic,
      pValue: r.pValue,
      effect: r.effect,
      nReference: r.nReference,
      nCurrent: r.nCurrent,
    };
    compared.push({ result, psi });
    ms.push(performance.now() - t0);
  });
  return { job: m.job, compared, ms };
}

parentPort!.on('message', (m: CheckerMessage) => {
  try {
    const reply = answer(m);
    if (reply) parentPort!.postMessage(reply);
  } catch (err) {
    // A reference message has no job to fail: its error surfaces on the next check of it.
    if (m.kind !== 'reference') parentPort!.postMessage({ job: m.job, error: (err as Error).message });
  }
});
