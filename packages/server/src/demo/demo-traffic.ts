import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { CustomerStream, type CustomerStreamOptions } from './customer-stream.js';

export interface DemoTrafficOptions extends CustomerStreamOptions {
  /** The built application: customers are scored through its real routes (auth, routing, logs). */
  readonly app: FastifyInstance;
  readonly ctx: Pick<AppContext, 'config' | 'auth' | 'log'>;
  /** Customers per second; default `config.demoRate`. */
  readonly rate?: number;
  /** Delay before a customer's outcome is reported, in ms, drawn in [min, max]; default 10–40 s. */
  readonly feedbackDelayMs?: readonly [number, number];
  /** Share of customers whose outcome is reported; default 0.8. */
  readonly feedbackShare?: number;
}

/** What the simulation has done so far. */
export interface DemoStats {
  readonly customers: number;
  readonly predictions: number;
  readonly feedback: number;
  /** Requests that did not succeed (no model yet, rate limited, ...). */
  readonly failures: number;
}

const TICK_MS = 100;

/**
 * Simulated shop traffic for the demo: a modest stream of generated customers scored through
 * `POST /v1/predictions`, and some seconds later their outcomes through `POST /v1/feedback`,
 * drawn from the generator's churn mechanism (not from any model). The population drifts
 * slowly (see CustomerStream) so that monitoring has something to show. Uses an in-process key
 * with the predict role; stops cleanly (pending outcomes are dropped).
 */
export class DemoTraffic {
  private readonly stream: CustomerStream;
  private readonly key: string;
  private readonly rate: number;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly pendingFeedback = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private sent = 0;
  private stopped = false;
  private counts = { customers: 0, predictions: 0, feedback: 0, failures: 0 };
  private lastFailureLog = 0;

  constructor(private readonly options: DemoTrafficOptions) {
    this.stream = new CustomerStream(options);
    this.key = options.ctx.auth.issueInternalKey('demo-traffic', 'predict');
    this.rate = options.rate ?? options.ctx.config.demoRate;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  get stats(): DemoStats {
    return { ...this.counts };
  }

  /** Stop sending; waits for requests already under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const t of this.pendingFeedback) clearTimeout(t);
    this.pendingFeedback.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private tick(): void {
    if (this.stopped) return;
    const seconds = (performance.now() - this.started) / 1000;
    const target = Math.floor(seconds * this.rate);
    // After a stall, what was missed beyond a second's worth is skipped rather than burst out.
    if (target - this.sent > this.rate) this.sent = target - Math.ceil(this.rate);
    while (this.sent < target) {
      this.sent++;
      this.track(this.customer(seconds));
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async customer(seconds: number): Promise<void> {
    const c = this.stream.next(seconds);
    this.counts.customers++;
    const res = await this.options.app.inject({
      method: 'POST',
      url: '/v1/predictions',
      headers: { authorization: `Bearer ${this.key}` },
      payload: { customer_id: c.customerId, features: c.features },
    });
    if (res.statusCode !== 200) return this.failed('prediction', res.statusCode, res.body);
    this.counts.predictions++;
    if (Math.random() >= (this.options.feedbackShare ?? 0.8) || this.stopped) return;
    const predictionId = (res.json() as { prediction_id: string }).prediction_id;
    const [min, max] = this.options.feedbackDelayMs ?? [10_000, 40_000];
    const timer = setTimeout(
      () => {
        this.pendingFeedback.delete(timer);
        if (!this.stopped) this.track(this.outcome(predictionId, c.churned));
      },
      min + Math.random() * Math.max(0, max - min),
    );
    timer.unref();
    this.pendingFeedback.add(timer);
  }

  private async outcome(predictionId: string, churned: boolean): Promise<void> {
    const res = await this.options.app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: { authorization: `Bearer ${this.key}` },
      payload: { prediction_id: predictionId, churned },
    });
    if (res.statusCode !== 201) return this.failed('feedback', res.statusCode, res.body);
    this.counts.feedback++;
  }

  private failed(what: string, status: number, body: string): void {
    this.counts.failures++;
    // Logged at most every 30 s: with no model yet every request fails the same way.
    if (Date.now() - this.lastFailureLog < 30_000) return;
    this.lastFailureLog = Date.now();
    this.options.ctx.log.warn({ what, status, body: body.slice(0, 300) }, 'demo traffic request failed');
  }
}

/**
 * Start the demo traffic unless the configuration turns it off (`CHURN_DEMO_TRAFFIC=off`);
 * returns null when off.
 *
 * @example
 * const demo = startDemoTraffic({ app, ctx });
 * // on shutdown, before app.close():
 * await demo?.stop();
 */
export function startDemoTraffic(options: DemoTrafficOptions): DemoTraffic | null {
  if (!options.ctx.config.demoTraffic) return null;
  const traffic = new DemoTraffic(options);
  options.ctx.log.info(
    { rate: options.rate ?? options.ctx.config.demoRate },
    'demo traffic on: simulated customers and their outcomes (CHURN_DEMO_TRAFFIC=off to stop)',
  );
  return traffic;
}
