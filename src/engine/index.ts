export { Engine, PORTS, type EngineIdentity, type EngineOptions } from './engine.js';
export { EngineRuntime, bindRuntime, type EngineRuntimeView } from './runtime-view.js';
export { EngineStats, PortStats, EngineDrop, DROP_NAMES, DROP_COUNT } from './stats.js';
export { ARP_REACHABLE_MS, ARP_RETRY_MS, ARP_MAX_TRIES } from './arp.js';
export { MAC_AGEING_MS } from './l2.js';
