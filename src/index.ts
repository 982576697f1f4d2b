export * from './types';
export * from './cluster';
export * from './hsm';
export * from './backup-copy';
