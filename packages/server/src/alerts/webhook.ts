/** Posting alerts to an HTTP endpoint (Slack-style incoming webhook, PagerDuty bridge, …). */

export interface WebhookOptions {
  readonly url: string;
  /** Per attempt (default 5 s). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  readonly retries?: number;
  /** First back-off; doubled before each further retry (default 500 ms). */
  readonly backoffMs?: number;
}

/** Outcome of one delivery: how many attempts it took and, when it failed, why. */
export interface DeliveryResult {
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: string;
}

/**
 * POST `body` as JSON to the webhook, retrying on a network error, a timeout or a non-2xx answer
 * with exponential back-off. Never throws: the result says whether it was delivered.
 */
export async function postWebhook(options: WebhookOptions, body: unknown): Promise<DeliveryResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const payload = JSON.stringify(body);
  let error = '';
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    try {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'churn-platform-alerts' },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is not used; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, attempts: attempt };
      error = `HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      error =
        e?.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : `${e}${e?.cause?.code ? ` (${e.cause.code})` : ''}`;
    }
    if (attempt <= retries) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  return { ok: false, attempts: retries + 1, error };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}
