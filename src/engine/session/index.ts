export * from './table.js';
export * from './sticky.js';
export * from './tcp.js';
export { FlatIndex, type RefMatcher } from './flat-index.js';
