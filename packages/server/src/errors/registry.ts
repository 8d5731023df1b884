/**
 * The one registry of error codes. Every error the platform shows a client or a CLI user has a
 * stable code from here; HTTP handlers map it to its status, the CLI to its exit code. Codes are
 * documented in docs/errors.md (a test keeps the two in step).
 */
export const ERROR_CODES = {
  CHURN_ERR_VALIDATION: { status: 400, exit: 2, summary: 'The request or input does not match the schema.' },
  CHURN_ERR_BAD_DATA: {
    status: 400,
    exit: 2,
    summary: 'A data file or table is malformed (row and column named).',
  },
  CHURN_ERR_USAGE: {
    status: 400,
    exit: 2,
    summary: 'A command was called with unknown options or bad values.',
  },
  CHURN_ERR_UNAUTHENTICATED: {
    status: 401,
    exit: 2,
    summary: 'No valid API key was given (missing, malformed, unknown or revoked).',
  },
  CHURN_ERR_FORBIDDEN: { status: 403, exit: 2, summary: "The API key's role does not allow this action." },
  CHURN_ERR_NOT_FOUND: { status: 404, exit: 2, summary: 'The resource does not exist.' },
  CHURN_ERR_CONFLICT: { status: 409, exit: 2, summary: 'The action conflicts with the current state.' },
  CHURN_ERR_PAYLOAD_TOO_LARGE: { status: 413, exit: 2, summary: 'The body or batch is over the limit.' },
  CHURN_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    exit: 2,
    summary: 'The content type is not accepted here.',
  },
  CHURN_ERR_MODEL_MISMATCH: {
    status: 422,
    exit: 2,
    summary: 'The model file was trained on another schema.',
  },
  CHURN_ERR_RATE_LIMITED: {
    status: 429,
    exit: 2,
    summary: 'Too many requests for this API key; retry later.',
  },
  CHURN_ERR_IO: { status: 500, exit: 2, summary: 'A file could not be read or written.' },
  CHURN_ERR_INTERNAL: {
    status: 500,
    exit: 1,
    summary: 'An unexpected failure; details are logged, not shown.',
  },
  CHURN_ERR_UNAVAILABLE: {
    status: 503,
    exit: 1,
    summary: 'A dependency (database, broker) is not reachable.',
  },
  CHURN_ERR_CONFIG: { status: 500, exit: 2, summary: 'The configuration (environment) is invalid.' },
} as const satisfies Record<string, { status: number; exit: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A problem with a location inside the input: a JSON path, or a row and column of a table. */
export interface ErrorDetail {
  /** JSON path such as `/features/total_orders`, or `line 17, column "age"`. */
  readonly path: string;
  readonly message: string;
}

/** An error with a stable code; its message is safe to show unless the code is internal. */
export class ChurnError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(
    code: ErrorCode,
    message: string,
    details: readonly ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChurnError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}
