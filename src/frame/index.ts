export * from './column.js';
export * from './frame.js';
export * from './align.js';
export { columnsFromRecords, type RecordRow } from './records.js';
