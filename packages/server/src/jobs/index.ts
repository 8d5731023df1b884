/**
 * Training in the background: stored datasets (uploaded, generated, from feedback) and training
 * jobs that turn them into registered model versions, on worker threads, with visible progress.
 */
export { type DatasetInfo, type DatasetSource, DatasetStore } from './dataset-store.js';
export { FINISHED, type JobStatus, type TrainingJob } from './job-store.js';
export {
  checkTrainingRequest,
  type GeneratedDatasetSpec,
  generatedDatasetSchema,
  MAX_GENERATED_ROWS,
  type TrainingParams,
  type TrainingRequest,
  trainingRequestSchema,
} from './training-request.js';
export { TrainingService, type TrainingServiceOptions } from './training-service.js';
