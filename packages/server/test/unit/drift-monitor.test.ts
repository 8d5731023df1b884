import { randomUUID } from 'node:crypto';
import {
  CountWindow,
  CUSTOMER_FEATURES,
  CUSTOMER_SCHEMA,
  datasetRows,
  detectDrift,
  generateCustomers,
  prepareDriftReference,
} from '@churn/ml';
import { describe, expect, it } from 'vitest';
import { eventTopics, predictionScoredEvent } from '../../src/events/index.js';
import {
  DriftMonitor,
  type DriftReportStore,
  encodeFeatures,
  type MonitoredModel,
  type MonitoredModels,
  type StoredDriftReport,
} from '../../src/monitors/index.js';

// The drift monitor alone, with in-memory stand-ins for the model cache, the report store and the
// alerts: its checks run on the DriftChecker's worker threads and must store exactly what
// detectDrift says about the same window.

const features = CUSTOMER_SCHEMA.features;
const model: MonitoredModel = {
  version: 1,
  layout: {
    features,
    categoryIndex: features.map((f) =>
      f.kind === 'categorical' ? new Map(f.categories.map((c, i) => [c, i] as const)) : null,
    ),
  },
  drift: prepareDriftReference(generateCustomers({ rows: 3000, seed: 11 }), { features: CUSTOMER_FEATURES }),
  forest: null,
  importance: { payment_method: 0.3, failed_payment_count: 0.2, total_orders: 0.1 },
  importanceSource: 'gain',
};

function monitor(saved: Omit<StoredDriftReport, 'id' | 'created_at'>[]): DriftMonitor {
  const store = {
    save: async (r: Omit<StoredDriftReport, 'id' | 'created_at'>) => {
      saved.push(r);
      return { ...r, id: saved.length, created_at: new Date().toISOString() };
    },
  };
  return new DriftMonitor({
    models: { get: async () => model } as unknown as MonitoredModels,
    store: store as unknown as DriftReportStore,
    alerts: { raise: async () => ({}) as never },
    topics: eventTopics(),
    publish: () => {},
    windowRows: 800,
    windowSeconds: 3600,
    checkEvery: 400,
  });
}

describe('DriftMonitor checks on worker threads', () => {
  it('stores the report detectDrift gives for the same window', async () => {
    const saved: Omit<StoredDriftReport, 'id' | 'created_at'>[] = [];
    const m = monitor(saved);
    const rows = [
      ...datasetRows(generateCustomers({ rows: 400, seed: 12 })),
      ...datasetRows(generateCustomers({ rows: 400, seed: 13, drift: 'payment-shift' })),
    ];
    const events = rows.map((r, i) =>
      predictionScoredEvent(
        {
          predictionId: randomUUID(),
          customerId: `c${i}`,
          modelVersion: 1,
          probability: 0.2,
          riskLevel: 'low',
          features: r,
        },
        'test',
      ),
    );
    await m.handle(events);
    // The window the monitor checked, rebuilt here: its last 800 rows, encoded the same way.
    const window = new CountWindow({ features }, 800);
    const row = new Float64Array(features.length);
    for (const r of rows) {
      encodeFeatures(model.layout, r, row, new Array(features.length).fill(null));
      window.push(row);
    }
    const expected = detectDrift(model.drift!, window.toDataset(), { importance: model.importance });
    expect(saved).toHaveLength(2);
    expect(saved[1]).toMatchObject({ rows: 800, severity: expected.severity, summary: expected.summary });
    expect(saved[1].features).toEqual(expected.features);
    expect(expected.severity).toBe('high');
    await m.stop();
  });
});
