// Text protocols (HTTP, FTP, SMTP, RTSP): tcpdump prints the request or
// response line, and with -v every text line of the payload.

import { Ctx, isPrint } from './context.js';

const MAX_TOKEN = 128;

const HTTP_COMMANDS = [
  'GET', 'PUT', 'COPY', 'HEAD', 'LOCK', 'MOVE', 'POLL', 'POST', 'BCOPY', 'BMOVE', 'MKCOL', 'TRACE',
  'LABEL', 'MERGE', 'DELETE', 'SEARCH', 'UNLOCK', 'REPORT', 'UPDATE', 'NOTIFY', 'BDELETE', 'CONNECT',
  'OPTIONS', 'CHECKIN', 'PROPFIND', 'CHECKOUT', 'CCM_POST', 'SUBSCRIBE', 'PROPPATCH', 'BPROPFIND',
  'BPROPPATCH', 'UNCHECKOUT', 'MKACTIVITY', 'MKWORKSPACE', 'UNSUBSCRIBE', 'RPC_CONNECT',
  'VERSION-CONTROL', 'BASELINE-CONTROL',
];

export function httpPrint(c: Ctx, p: number, len: number): void {
  c.protocol = 'http';
  txtprotoPrint(c, p, len, HTTP_COMMANDS, true);
}

interface Token {
  text: string;
  /** Index after the token and the spaces following it; 0 when there is no token. */
  next: number;
}

function fetchToken(c: Ctx, p: number, idx: number, len: number): Token {
  let text = '';
  for (; idx < len; idx++) {
    if (!c.ttest(p + idx, 1)) return { text: '', next: 0 };
    const ch = c.data[p + idx]!;
    if (ch >= 0x80) return { text: '', next: 0 };
    if (ch === 0x20 || ch === 0x09 || ch === 0x0d || ch === 0x0a) break;
    if (!isPrint(ch)) return { text: '', next: 0 };
    if (text.length + 2 > MAX_TOKEN + 1) return { text: '', next: 0 };
    text += String.fromCharCode(ch);
  }
  if (text.length === 0) return { text: '', next: 0 };
  for (; idx < len; idx++) {
    if (!c.ttest(p + idx, 1)) break;
    const ch = c.data[p + idx]!;
    if (ch === 0x0d || ch === 0x0a) break;
    if (!isPrint(ch)) break;
    if (ch !== 0x20) break;
  }
  return { text, next: idx };
}

function text(c: Ctx, from: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(c.data[from + i]!);
  return s;
}

/** Prints one line; returns the index after its end of line, or 0 to stop. */
function printTxtLine(c: Ctx, prefix: string, p: number, idx: number, len: number): number {
  const start = idx;
  while (idx < len) {
    const ch = c.u8(p + idx);
    if (ch === 0x0a) {
      c.p(prefix + text(c, p + start, idx - start));
      return idx + 1;
    }
    if (ch === 0x0d) {
      if (idx + 1 >= len) return 0;
      if (c.u8(p + idx + 1) === 0x0a) {
        c.p(prefix + text(c, p + start, idx - start));
        return idx + 2;
      }
      return 0;
    }
    if (!isPrint(ch) && ch !== 0x09) return 0;
    idx++;
  }
  c.p(prefix + text(c, p + start, idx - start));
  c.trunc();
  return 0;
}

/**
 * Prints a text protocol payload; `c.protocol` names the protocol. With a
 * command list only payloads starting with a command or a 3-digit response
 * code are printed (code as the second token when `codeSecond`).
 */
export function txtprotoPrint(c: Ctx, p: number, len: number, cmds: readonly string[] | null, codeSecond: boolean): void {
  let printThis = false;
  if (cmds !== null) {
    let tok = fetchToken(c, p, 0, len);
    if (tok.next !== 0) {
      const upper = tok.text.toUpperCase();
      if (cmds.includes(upper)) printThis = true;
      if (codeSecond) tok = fetchToken(c, p, tok.next, len);
      if (tok.next !== 0 && /^[0-9]{3}$/.test(tok.text)) printThis = true;
    }
  } else {
    printThis = true;
  }
  c.p(c.protocol.toUpperCase());
  if (!printThis) return;
  if (c.o.v > 0) {
    c.p(`, length: ${len}`);
    for (let idx = 0; idx < len;) {
      const eol = printTxtLine(c, '\n\t', p, idx, len);
      if (eol === 0) break;
      idx = eol;
    }
  } else {
    printTxtLine(c, ': ', p, 0, len);
  }
}
