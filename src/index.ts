export * from './types';
export * from './cluster';
