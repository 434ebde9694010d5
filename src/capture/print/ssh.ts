// SSH: only the version banner ("SSH-2.0-...") is printed, as tcpdump does.

import { Ctx, isPrint } from './context.js';

export function sshPrint(c: Ctx, p: number, len: number): void {
  c.protocol = 'ssh';
  const magic = [0x53, 0x53, 0x48, 0x2d]; // "SSH-"
  for (let i = 0; i < 4; i++) if (c.u8(p + i) !== magic[i]) return;
  let idx = 4;
  while (idx < len) {
    const ch = c.u8(p + idx);
    if (ch === 0x0a) break;
    if (ch === 0x0d) {
      if (idx + 1 >= len) return;
      if (c.u8(p + idx + 1) === 0x0a) break;
      return;
    }
    if (!isPrint(ch)) return;
    idx++;
  }
  if (idx >= len) return;
  let s = '';
  for (let i = 0; i < idx; i++) s += String.fromCharCode(c.data[p + i]!);
  c.p(`: SSH: ${s}`);
}
