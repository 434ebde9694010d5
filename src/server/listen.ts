// `[ADDR:]PORT` as the listeners take it (--ssh, metrics listen): `2222`, `127.0.0.1:2222`,
// `[::1]:2222`; no address: every address.

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListen(spec: string): ListenAddress | null {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):)?(\d{1,5})$/.exec(spec);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2] ?? '', port };
}
