export {
  ALERT_STATUSES,
  type Alert,
  type AlertEventType,
  type AlertInput,
  type AlertKind,
  type AlertStatus,
  moreSevere,
  SEVERITIES,
  type Severity,
} from './alert.js';
export {
  type AlertFilter,
  type AlertMetrics,
  AlertService,
  type AlertServiceOptions,
  type RaiseResult,
} from './alert-service.js';
export { type DeliveryResult, postWebhook, type WebhookOptions } from './webhook.js';
