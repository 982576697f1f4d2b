export * from './types';
export * from './cluster';
export * from './backup-copy';
