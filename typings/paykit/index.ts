export type * from './errors';
export type * from './order';
export type * from './functions';
