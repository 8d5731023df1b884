import { randomUUID } from 'node:crypto';
import { CUSTOMER_SCHEMA, datasetRows, generateCustomers, trainModel } from '@churn/ml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChurnError } from '../../src/errors/index.js';
import { type EventEnvelope, eventTopics, predictionScoredEvent } from '../../src/events/index.js';
import {
  BoundedTimeWindow,
  DriftMonitor,
  type DriftReportStore,
  MonitoredModels,
  RecentIds,
  type StoredDriftReport,
} from '../../src/monitors/index.js';

const FEATURES = [
  { kind: 'numeric', name: 'a' },
  { kind: 'categorical', name: 'c', categories: ['x', 'y'] },
] as const;

describe('BoundedTimeWindow', () => {
  it('keeps the rows of the last span, oldest first', () => {
    const w = new BoundedTimeWindow(FEATURES, 5, 100);
    for (let t = 0; t < 10; t++) w.push(t, [t, t % 2]);
    const ds = w.toDataset(9);
    expect(ds.nRows).toBe(5); // t = 5 … 9 (t = 4 is exactly span old: out)
    expect(ds.columns[0].kind === 'numeric' && [...ds.columns[0].values]).toEqual([5, 6, 7, 8, 9]);
    expect(ds.columns[1].kind === 'categorical' && [...ds.columns[1].codes]).toEqual([1, 0, 1, 0, 1]);
    expect(w.toDataset(20).nRows).toBe(0);
  });

  it('holds at most maxRows, the newest', () => {
    const w = new BoundedTimeWindow(FEATURES, 1000, 3);
    for (let t = 0; t < 10; t++) w.push(t, [t, 0]);
    const ds = w.toDataset(10);
    expect(ds.columns[0].kind === 'numeric' && [...ds.columns[0].values]).toEqual([7, 8, 9]);
  });
});

describe('RecentIds', () => {
  it('remembers the last capacity ids', () => {
    const ids = new RecentIds(2);
    expect([ids.add('a'), ids.add('b'), ids.add('a')]).toEqual([true, true, false]);
    expect(ids.add('c')).toBe(true); // 'a' drops out
    expect([ids.add('a'), ids.add('c')]).toEqual([true, false]);
  });
});

describe('DriftMonitor time window', () => {
  let monitor: DriftMonitor;
  let clock = 1_000_000;
  const saved: StoredDriftReport[] = [];
  const rows = datasetRows(generateCustomers({ rows: 400, seed: 12 }));

  beforeAll(async () => {
    const model = await trainModel(generateCustomers({ rows: 2000, seed: 2 }), CUSTOMER_SCHEMA, {
      algorithm: 'gradient-boosting',
      boosting: { nRounds: 5, threads: 1 },
    });
    const store = {
      save: async (r: Omit<StoredDriftReport, 'id' | 'created_at'>) => {
        const out = { ...r, id: saved.length + 1, created_at: new Date(clock).toISOString() };
        saved.push(out);
        return out;
      },
    } as unknown as DriftReportStore;
    const registry = {
      load: async (v: number) => {
        if (v === 1) return model;
        throw new ChurnError('CHURN_ERR_NOT_FOUND', `model version ${v} does not exist`);
      },
    };
    monitor = new DriftMonitor({
      models: new MonitoredModels(registry, () => clock),
      store,
      alerts: { raise: async () => ({}) as never },
      topics: eventTopics('t.'),
      publish: () => {},
      windowRows: 1000,
      windowSeconds: 60,
      checkEvery: 100_000,
      now: () => clock,
    });
  });

  const events = (from: number, to: number): EventEnvelope[] =>
    rows.slice(from, to).map(
      (features, i) =>
        predictionScoredEvent(
          {
            predictionId: randomUUID(),
            customerId: `c${i}`,
            modelVersion: 1,
            probability: 0.5,
            riskLevel: 'medium',
            features,
            servedAt: new Date(clock),
          },
          'test',
        ) as unknown as EventEnvelope,
    );

  it('checks the rows of the last window span at least once per span', async () => {
    // The version's state (and its time-check clock) starts with its first event.
    expect(await monitor.handle(events(0, 1))).toEqual({ rejected: [] });
    clock += 30_000;
    expect(await monitor.handle(events(1, 200))).toEqual({ rejected: [] });
    await monitor.checkDue();
    expect(saved).toHaveLength(0); // not due yet
    clock += 31_000;
    await monitor.checkDue();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ window: 'time', rows: 199, model_version: 1 });
    // 100 rows 39 s later, delivered twice (at least once): counted once.
    clock += 39_000;
    const again = events(200, 300);
    await monitor.handle(again);
    await monitor.handle(again);
    clock += 25_000;
    await monitor.checkDue();
    expect(saved).toHaveLength(2);
    // The first 200 rows are older than 60 s now: only the 100 new ones are in the window.
    expect(saved[1]).toMatchObject({ window: 'time', rows: 100 });
    // Nothing new since: no further check however long it stays quiet.
    clock += 600_000;
    await monitor.checkDue();
    expect(saved).toHaveLength(2);
  });

  it('rejects events of an unknown version with the reason', async () => {
    const [e] = events(300, 301);
    const bad = { ...e, payload: { ...e.payload, model_version: 5 } };
    const result = await monitor.handle([bad]);
    expect(result.rejected?.map((r) => r.reason)).toEqual([
      '/payload/model_version: model version 5 is not registered',
    ]);
  });
});
