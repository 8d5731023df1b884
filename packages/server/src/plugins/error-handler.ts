import type { FastifyError, FastifyInstance } from 'fastify';
import { ChurnError, ERROR_CODES, type ErrorCode, type ErrorDetail } from '../errors/index.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Field paths of schema-validation errors, e.g. `/features/total_orders`. */
function validationDetails(errors: readonly AjvError[], context: string): ErrorDetail[] {
  return errors.map((e) => {
    let path = `/${context}${e.instancePath}`;
    if (e.keyword === 'required') path += `/${String(e.params.missingProperty)}`;
    if (e.keyword === 'additionalProperties') path += `/${String(e.params.additionalProperty)}`;
    const message =
      e.keyword === 'additionalProperties'
        ? 'is not an accepted field'
        : e.keyword === 'required'
          ? 'is required'
          : (e.message ?? 'is invalid');
    return { path: path.replace(/^\/body/, ''), message };
  });
}

/** Fastify's own error codes that are the client's mistake, mapped to ours. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'CHURN_ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'CHURN_ERR_VALIDATION',
  FST_ERR_CTP_BODY_TOO_LARGE: 'CHURN_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CHURN_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CHURN_ERR_VALIDATION',
};

/**
 * Every error leaves as `{ error: { code, message, details } }` with the registry's status: a
 * client's mistake is a 4xx with a stable code and field paths; anything else is a 500 whose
 * message is logged, not shown.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(
    (err: FastifyError & { validation?: AjvError[]; validationContext?: string }, request, reply) => {
      let code: ErrorCode;
      let message: string;
      let details: readonly ErrorDetail[] = [];
      if (err instanceof ChurnError) {
        code = err.code;
        message = err.message;
        details = err.details;
      } else if (err.validation) {
        code = 'CHURN_ERR_VALIDATION';
        details = validationDetails(err.validation, err.validationContext ?? 'body');
        message = `invalid request: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`;
      } else if (err.code && FASTIFY_CODES[err.code]) {
        code = FASTIFY_CODES[err.code];
        message = err.message;
      } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        code =
          err.statusCode === 404
            ? 'CHURN_ERR_NOT_FOUND'
            : err.statusCode === 413
              ? 'CHURN_ERR_PAYLOAD_TOO_LARGE'
              : 'CHURN_ERR_VALIDATION';
        message = err.message;
      } else {
        code = 'CHURN_ERR_INTERNAL';
        message = 'internal error';
        request.log.error({ err }, 'unhandled error');
      }
      const status = ERROR_CODES[code].status;
      if (status >= 500 && code !== 'CHURN_ERR_INTERNAL') request.log.error({ err }, message);
      void reply.status(status).send({ error: { code, message, details } });
    },
  );
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: {
        code: 'CHURN_ERR_NOT_FOUND',
        message: `no route ${request.method} ${request.url}`,
        details: [],
      },
    });
  });
}
