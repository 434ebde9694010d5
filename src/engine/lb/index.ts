export * from './types.js';
export * from './hash.js';
export { createScheduler, maglevTableOf } from './scheduler.js';
export { MaglevTable, DEFAULT_MAGLEV_SIZE, isPrime, type MaglevOptions } from './maglev.js';
export {
  MemberGroup, RoundRobinPicker, SmoothWrrPicker, LeastConnPicker, SourceHashPicker, type GroupPicker,
} from './group.js';
