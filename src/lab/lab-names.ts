// The names `--lab` takes, apart from the topologies themselves (src/lab/builder.ts
// LAB_TOPOLOGIES, which a test keeps equal to this list): the command line checks a name
// without loading the lab, so a `--connect` client starts quickly.

export const LAB_NAMES: readonly string[] = ['default', 'dsr', 'gwlb', 'gwlb-appliance', 'vxlan', 'vpn'];
