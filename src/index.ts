export * from './types';
export * from './cluster';
export * from './hsm';
