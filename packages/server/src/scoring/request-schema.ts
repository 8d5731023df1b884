import type { TableSchema } from '@churn/ml';

/**
 * JSON Schema of a customer's features, generated from the table schema: the same description
 * validates requests and documents the API (OpenAPI). Numbers must lie in the feature's range;
 * a category is any string (an unknown one is scored as missing and flagged, never refused);
 * `null` means the value is missing and takes the model's missing-value path.
 */
export function featuresJsonSchema(schema: TableSchema): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of schema.features) {
    if (f.kind === 'numeric') {
      properties[f.name] = {
        type: ['number', 'null'],
        ...(f.min !== undefined ? { minimum: f.min } : {}),
        ...(f.max !== undefined ? { maximum: f.max } : {}),
        description: [f.label, f.description, f.unit ? `(${f.unit})` : ''].filter(Boolean).join(' — '),
      };
    } else {
      properties[f.name] = {
        type: ['string', 'null'],
        maxLength: 200,
        description: `${[f.label, f.description].filter(Boolean).join(' — ')} Known: ${f.categories.join(', ')}.`,
        examples: f.categories.slice(0, 3),
      };
    }
  }
  return {
    type: 'object',
    additionalProperties: false,
    required: schema.features.map((f) => f.name),
    properties,
  };
}

/** JSON Schema of `POST /v1/predictions`'s body. */
export function predictionRequestSchema(schema: TableSchema): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['customer_id', 'features'],
    properties: {
      customer_id: { type: 'string', minLength: 1, maxLength: 200 },
      features: featuresJsonSchema(schema),
    },
  };
}
