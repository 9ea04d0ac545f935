/** Machine-readable error codes. Every user-facing failure carries one. */
export type ErrorCode =
  | 'FILE_NOT_FOUND'
  | 'EMPTY_FILE'
  | 'NO_DATA_ROWS'
  | 'RAGGED_ROW'
  | 'BAD_ENCODING'
  | 'BAD_PARQUET'
  | 'BAD_ARROW'
  | 'BAD_FORMAT'
  | 'UNKNOWN_COLUMN'
  | 'DUPLICATE_COLUMN'
  | 'TYPE_MISMATCH'
  | 'INVALID_ARGUMENT'
  | 'INVALID_TARGET'
  | 'SCHEMA_MISMATCH'
  | 'MODEL_FORMAT'
  | 'FLOW_INVALID'
  | 'BUDGET_TOO_SMALL'
  | 'NOT_FITTED'
  /** An output path that would replace an input or a model being read, or that cannot be written. */
  | 'OUTPUT_PATH'
  /** A file system error a user caused (no such file, permission denied, not a directory, ...). */
  | 'FILE_ERROR'
  /** serve: the port is taken by another process. */
  | 'ADDRESS_IN_USE'
  /** serve: the host is not an address of this machine, does not resolve, or the port needs privileges. */
  | 'ADDRESS_UNAVAILABLE'
  /** A request exceeds a configured limit (rows, explained rows, body size). */
  | 'LIMIT_EXCEEDED'
  /** A worker pool cannot start its workers (the compiled worker script is missing: run npm run build). */
  | 'WORKER_UNAVAILABLE'
  /** Feature Store: no feature group of that name. */
  | 'UNKNOWN_GROUP'
  /** Feature Store: a feature group of that name already exists. */
  | 'GROUP_EXISTS'
  /** Feature Store: a record breaks its group's schema (names the row and the field). */
  | 'INVALID_RECORD'
  /** Feature Store: two records of one batch share record identifier and event time. */
  | 'DUPLICATE_RECORD'
  /** Feature Store: the store directory was written by a newer tabpilot (or is not a store). */
  | 'STORE_VERSION'
  /** Scale-out: the task backend (Redis) cannot be reached when a job or worker starts. */
  | 'BACKEND_UNAVAILABLE'
  /** Scale-out: the task backend was lost mid-job (connection down, or Redis restarted without its data). */
  | 'BACKEND_LOST'
  /** Scale-out: a worker of another tabpilot version refused a task. */
  | 'VERSION_MISMATCH'
  /** Processing job: an instance of the user's module failed. */
  | 'PROCESSING_FAILED'
  /** An optional peer package a feature needs is not installed (the message names the npm install to run). */
  | 'DEPENDENCY_MISSING'
  | 'INTERNAL';

export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: string;
}

/** The one error type tabpilot throws for bad input; `code` is stable, the message names where and what. */
export class TabpilotError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: string;

  constructor(code: ErrorCode, message: string, where: ErrorLocation = {}) {
    super(formatMessage(message, where));
    this.name = 'TabpilotError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

function formatMessage(message: string, where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.file);
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.column !== undefined) parts.push(`column "${where.column}"`);
  return parts.length > 0 ? `${parts.join(', ')}: ${message}` : message;
}

export function isTabpilotError(e: unknown): e is TabpilotError {
  return e instanceof TabpilotError;
}
