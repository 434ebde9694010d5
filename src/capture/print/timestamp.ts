// Packet time stamps as tcpdump prints them (-t variants), in the process's
// local time zone.

export interface TimeRef {
  /** Reference time for -ttt / -ttttt, in microseconds; null until the first packet. */
  refUs: bigint | null;
}

function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function frac(usec: number, nano: boolean): string {
  return '.' + String(usec).padStart(nano ? 9 : 6, '0');
}

function hms(date: Date, local: boolean): string {
  return local
    ? `${p2(date.getHours())}:${p2(date.getMinutes())}:${p2(date.getSeconds())}`
    : `${p2(date.getUTCHours())}:${p2(date.getUTCMinutes())}:${p2(date.getUTCSeconds())}`;
}

function ymd(date: Date): string {
  return `${date.getFullYear()}-${p2(date.getMonth() + 1)}-${p2(date.getDate())}`;
}

/**
 * The time stamp prefix of a packet line (with its trailing space), for the
 * -t count `t`. `frac` is microseconds (or nanoseconds when `nano`).
 */
export function formatTimestamp(t: number, sec: number, fracPart: number, ref: TimeRef, nano = false): string {
  switch (t) {
    case 0:
    case 4: {
      if ((sec >>> 0) & 0x80000000) return '[Error converting time] ';
      const d = new Date(sec * 1000);
      return `${t === 4 ? ymd(d) + ' ' : ''}${hms(d, true)}${frac(fracPart, nano)} `;
    }
    case 1:
      return '';
    case 2:
      if ((sec >>> 0) & 0x80000000) return '[Error converting time] ';
      return `${sec >>> 0}${frac(fracPart, nano)} `;
    case 3:
    case 5: {
      const unit = nano ? 1000000000n : 1000000n;
      const now = BigInt(sec >>> 0) * unit + BigInt(fracPart);
      if (ref.refUs === null) ref.refUs = now;
      const negative = now < ref.refUs;
      const diff = negative ? ref.refUs - now : now - ref.refUs;
      if (t === 3) ref.refUs = now;
      const dsec = Number(diff / unit);
      const dfrac = Number(diff % unit);
      const body = (dsec >>> 0) & 0x80000000 ? '[Error converting time]' : `${hms(new Date(dsec * 1000), false)}${frac(dfrac, nano)}`;
      return `${negative ? '-' : ' '}${body} `;
    }
    default:
      return '';
  }
}
