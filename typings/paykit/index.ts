export type * from './errors';
export type * from './order';
export type * from './functions';
export type * from './bill';
export type * from './shipping';
