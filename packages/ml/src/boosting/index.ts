export {
  BOOSTING_DEFAULTS,
  type BoostingParams,
  type BoostingResult,
  baseMarginFor,
  trainBoosting,
} from './gradient-boosting.js';
