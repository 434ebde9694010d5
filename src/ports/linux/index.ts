// The Linux port backend: an appliance port on a real (or veth) Linux interface.
export { LinuxPort, PortAttachError, describeErrno, openLinuxPort } from './port.js';
export type { LinuxPortOptions, LinuxPortStats } from './port.js';
export { addonCandidates, loadPortAddon } from './addon.js';
