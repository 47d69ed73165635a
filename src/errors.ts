// The one error catalogue: Directus-compatible codes, their HTTP status and default public message.

export const errorTable = {
  FORBIDDEN: { status: 403, message: "You don't have permission to access this." },
  INVALID_PAYLOAD: { status: 400, message: "Invalid payload." },
  INVALID_QUERY: { status: 400, message: "Invalid query." },
  INVALID_CREDENTIALS: { status: 401, message: "Invalid user credentials." },
  TOKEN_EXPIRED: { status: 401, message: "Token expired." },
  FAILED_VALIDATION: { status: 400, message: "Validation failed." },
  RECORD_NOT_UNIQUE: { status: 400, message: "Value has to be unique." },
  NOT_NULL_VIOLATION: { status: 400, message: "Value can't be null." },
  VALUE_TOO_LONG: { status: 400, message: "Value is too long." },
  VALUE_OUT_OF_RANGE: { status: 400, message: "Numeric value is out of range." },
  INVALID_FOREIGN_KEY: { status: 400, message: "Invalid foreign key." },
  CONTENT_TOO_LARGE: { status: 413, message: "Uploaded content is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Unsupported media type." },
  ROUTE_NOT_FOUND: { status: 404, message: "Route doesn't exist." },
  REQUESTS_EXCEEDED: { status: 429, message: "Too many requests, retry later." },
  INVALID_COLLECTION: { status: 400, message: "Invalid collection." },
  GRAPHQL_PARSE: { status: 400, message: "The GraphQL document could not be parsed." },
  GRAPHQL_VALIDATION: { status: 400, message: "The GraphQL document is not valid for this schema." },
  SERVICE_UNAVAILABLE: { status: 503, message: "Service unavailable." },
  INTERNAL: { status: 500, message: "An unexpected error occurred." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorTable;

/** An error meant for the client: its code and message are public, its cause is not. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? errorTable[code].message, options);
    this.name = "AppError";
    this.code = code;
    this.status = errorTable[code].status;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export const forbidden = (message?: string) => new AppError("FORBIDDEN", message);
export const invalidQuery = (reason: string) => new AppError("INVALID_QUERY", `Invalid query. ${reason}`);
export const invalidPayload = (reason: string) => new AppError("INVALID_PAYLOAD", `Invalid payload. ${reason}`);

/** Directus hides whether a collection exists: unknown and unreadable collections read alike. */
export const collectionForbidden = (collection: string) =>
  new AppError(
    "FORBIDDEN",
    `You don't have permission to access collection "${collection}" or it does not exist. Queried in root.`,
  );
