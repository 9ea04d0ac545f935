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
