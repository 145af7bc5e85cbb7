export * from './steps.js';
export * from './restart-book.js';
export * from './next-steps.js';
export * from './replica-status.js';
