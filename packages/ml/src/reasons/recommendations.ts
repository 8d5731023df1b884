import type { Reason } from './reasons.js';

export type RiskLevel = 'low' | 'medium' | 'high';

/** Probability cut-offs between risk levels. */
export interface RiskThresholds {
  readonly medium: number;
  readonly high: number;
}

export const DEFAULT_RISK_THRESHOLDS: RiskThresholds = { medium: 0.3, high: 0.6 };

/** The risk level of a churn probability. */
export function riskLevel(p: number, t: RiskThresholds = DEFAULT_RISK_THRESHOLDS): RiskLevel {
  return p >= t.high ? 'high' : p >= t.medium ? 'medium' : 'low';
}

/** An action for the retention team, with the reason that triggered it. */
export interface Recommendation {
  readonly code: string;
  /** 1 = do first. */
  readonly priority: 1 | 2 | 3;
  readonly action: string;
  readonly why: string;
}

/** Actions triggered when a feature is among the factors raising the risk. */
const BY_FEATURE: Readonly<Record<string, { code: string; action: string; valueRequired?: boolean }>> = {
  failed_payment_count: {
    code: 'fix_payment',
    action: 'Help the customer fix their payment method',
    valueRequired: true,
  },
  support_tickets_open: {
    code: 'escalate_support',
    action: 'Escalate the open support tickets',
    valueRequired: true,
  },
  days_since_last_order: { code: 'win_back', action: 'Send a win-back message with a personal product pick' },
  order_frequency: { code: 'reorder_nudge', action: 'Nudge with a reorder reminder of favourite products' },
  email_open_rate: {
    code: 'switch_channel',
    action: 'Reach out on another channel (SMS or app push) — emails go unread',
  },
  cart_abandonment_rate: {
    code: 'cart_reminder',
    action: 'Follow abandoned carts with a reminder and free shipping',
  },
  refunds_count: { code: 'quality_follow_up', action: 'Follow up on recent returns and refunds' },
  returns_count: { code: 'quality_follow_up', action: 'Follow up on recent returns and refunds' },
  shipping_method: { code: 'shipping_upgrade', action: 'Offer a free shipping upgrade on the next order' },
};

/**
 * Features whose mere presence is a friction worth acting on (a failed payment, an open ticket):
 * without an explanation at hand, these count as raising the risk when their value is above 0.
 */
export const FRICTION_FEATURES: readonly string[] = Object.entries(BY_FEATURE)
  .filter(([, rule]) => rule.valueRequired)
  .map(([feature]) => feature);

/**
 * Recommended actions from the risk level and the reasons: specific fixes for the frictions
 * behind the risk (failed payments → fix the payment method; open tickets → escalate), then
 * the level's default (high → immediate outreach with an offer; low → keep regular contact).
 */
export function recommend(level: RiskLevel, raising: readonly Reason[]): Recommendation[] {
  const out: Recommendation[] = [];
  const seen = new Set<string>();
  if (level === 'high') {
    out.push({
      code: 'immediate_outreach',
      priority: 1,
      action: 'Contact the customer now with a retention offer',
      why: 'High churn risk',
    });
  }
  if (level !== 'low') {
    for (const r of raising) {
      const rule = BY_FEATURE[r.feature];
      if (!rule || seen.has(rule.code)) continue;
      if (rule.valueRequired && !(typeof r.value === 'number' && r.value > 0)) continue;
      seen.add(rule.code);
      out.push({ code: rule.code, priority: level === 'high' ? 1 : 2, action: rule.action, why: r.text });
    }
  }
  if (level === 'medium') {
    out.push({
      code: 'targeted_campaign',
      priority: 2,
      action: 'Include in the next retention campaign',
      why: 'Medium churn risk',
    });
  }
  if (level === 'low') {
    out.push({
      code: 'regular_contact',
      priority: 3,
      action: 'Keep regular contact; no special action',
      why: 'Low churn risk',
    });
  }
  return out;
}
