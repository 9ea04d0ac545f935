export * from './column.js';
export * from './frame.js';
export * from './align.js';
