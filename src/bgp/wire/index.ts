// The BGP-4 wire format: framing, OPEN/KEEPALIVE/NOTIFICATION/ROUTE-REFRESH, UPDATE.
export * from './constants.js';
export * from './framer.js';
export * from './messages.js';
export * from './update.js';
