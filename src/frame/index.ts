export * from './column.js';
export * from './frame.js';
