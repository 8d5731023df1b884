export * from './compiled-ensemble.js';
export * from './importance.js';
export * from './model.js';
export * from './predict.js';
export * from './profile.js';
export * from './serialize.js';
export * from './train.js';
export * from './xgboost-export.js';
