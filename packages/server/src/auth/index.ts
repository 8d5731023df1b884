export {
  API_KEY_FORMAT,
  API_KEY_PATTERN,
  apiKeyId,
  generateApiKey,
  ROLES,
  type Role,
  roleSatisfies,
} from './api-key.js';
export {
  type ApiKeyRecord,
  ApiKeyStore,
  type KeyRateLimit,
  type NewApiKey,
  type StoredApiKey,
} from './api-key-store.js';
export { actorOf, type RouteRole, registerAuth, SECURITY_SCHEMES } from './auth-plugin.js';
export { Authenticator, type AuthenticatorOptions, type Principal } from './authenticator.js';
export { type BootstrapOutcome, bootstrapAdminKey } from './bootstrap-admin-key.js';
