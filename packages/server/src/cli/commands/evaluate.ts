import { evaluateBinary, predictDataset } from '@churn/ml';
import type { Command } from '../args.js';
import { loadTable } from '../data-files.js';
import { printResult } from '../io.js';
import { readModelFile } from '../model-files.js';
import { formatMetrics } from './metrics-text.js';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Measure a model on a labelled CSV table (AUC, log-loss, precision, recall, …).',
  options: {
    model: { type: 'string', description: 'Model file', required: true, value: 'FILE' },
    data: { type: 'string', description: 'Labelled CSV table', required: true, value: 'FILE' },
    target: { type: 'string', description: 'Target (label) column', required: true, value: 'COL' },
    'positive-label': { type: 'string', description: 'Target value that means churned', value: 'V' },
    threshold: {
      type: 'number',
      description: 'Decision threshold',
      default: 0.5,
      min: 0,
      max: 1,
      value: 'P',
    },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run(o) {
    const model = await readModelFile(o.model as string);
    const schema = { ...model.schema, target: o.target as string };
    const { dataset } = await loadTable(o.data as string, {
      schema,
      target: o.target as string,
      positiveLabel: o['positive-label'] as string | undefined,
      requireTarget: true,
    });
    const p = predictDataset(model, dataset);
    const metrics = evaluateBinary(dataset.target!, p, o.threshold as number);
    printResult(Boolean(o.json), { model: o.model, rows: dataset.nRows, metrics }, () =>
      formatMetrics(metrics),
    );
  },
};
