// TCP (RFC 9293) for the lab's hosts and the appliance's own host stack. See stack.ts.
export { LINUX_TCP, WINDOWS_TCP, type TcpProfile } from './profile.js';
export { TcpConnection } from './connection.js';
export type { KeepAliveOptions, TcpConnectionInfo, TcpConnectionOptions, TcpEndReason, TcpState } from './types.js';
export { TcpStack, type ConnectOptions, type ListenOptions, type TcpIo, type TcpOutputOptions } from './stack.js';
export { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.js';
