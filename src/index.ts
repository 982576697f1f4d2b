export * from './types';
export * from './cluster';
export * from './initialization';
export * from './hsm';
export * from './backup-copy';
export * from './admin-host';
export * from './activation';
export * from './kms-key';
