// Decodes terminal input into keys: printable text, control keys and ANSI escape sequences.

export type KeyName = 'enter' | 'backspace' | 'delete' | 'left' | 'right' | 'up' | 'down' | 'home' | 'end' | 'tab' | 'help'
  | 'ctrl-c' | 'ctrl-z' | 'ctrl-d' | 'kill-end' | 'kill-line' | 'kill-word' | 'redraw' | 'ignore';

export type Key = { readonly k: 'text'; readonly text: string } | { readonly k: KeyName };

const ESCAPES: Record<string, KeyName> = {
  '\x1b[A': 'up', '\x1b[B': 'down', '\x1b[C': 'right', '\x1b[D': 'left',
  '\x1bOA': 'up', '\x1bOB': 'down', '\x1bOC': 'right', '\x1bOD': 'left',
  '\x1b[H': 'home', '\x1b[F': 'end', '\x1bOH': 'home', '\x1bOF': 'end',
  '\x1b[1~': 'home', '\x1b[4~': 'end', '\x1b[3~': 'delete', '\x1b[7~': 'home', '\x1b[8~': 'end',
};

const CONTROLS: Record<string, KeyName> = {
  '\r': 'enter', '\n': 'enter', '\x7f': 'backspace', '\b': 'backspace', '\t': 'tab', '?': 'help',
  '\x01': 'home', '\x05': 'end', '\x02': 'left', '\x06': 'right', '\x10': 'up', '\x0e': 'down',
  '\x03': 'ctrl-c', '\x1a': 'ctrl-z', '\x04': 'ctrl-d', '\x0b': 'kill-end', '\x15': 'kill-line', '\x17': 'kill-word', '\x0c': 'redraw',
};

/** A stateful decoder: an escape sequence split across chunks is completed by the next one. */
export class KeyDecoder {
  private pending = '';
  private lastWasCr = false;

  feed(chunk: string): Key[] {
    const s = this.pending + chunk;
    this.pending = '';
    const keys: Key[] = [];
    let text = '';
    const flush = () => {
      if (text) keys.push({ k: 'text', text });
      text = '';
    };
    for (let i = 0; i < s.length; ) {
      const c = s[i]!;
      if (c === '\x1b') {
        flush();
        const m = /^\x1b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(s.slice(i));
        if (!m) {
          if (s.length - i < 6 && /^\x1b(\[[0-9;]*|O)?$/.test(s.slice(i))) { this.pending = s.slice(i); break; }
          i++;
          continue;
        }
        keys.push({ k: ESCAPES[m[0]] ?? 'ignore' });
        i += m[0].length;
        this.lastWasCr = false;
        continue;
      }
      if (c === '\n' && this.lastWasCr) { this.lastWasCr = false; i++; continue; }
      this.lastWasCr = c === '\r';
      const ctl = CONTROLS[c];
      if (ctl) { flush(); keys.push({ k: ctl }); i++; continue; }
      if (c < ' ') { i++; continue; }
      text += c;
      i++;
    }
    flush();
    return keys;
  }
}
