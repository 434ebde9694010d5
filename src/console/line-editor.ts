// The line being typed: buffer, cursor, history, and how to draw it on one terminal row
// (scrolling sideways with `$` marks when it is longer than the screen, as network CLIs do).

export class LineEditor {
  buffer = '';
  cursor = 0;
  private history: string[] = [];
  private histPos = 0;
  private stash = '';

  constructor(private readonly maxHistory = 200) {}

  insert(text: string): void {
    this.buffer = this.buffer.slice(0, this.cursor) + text + this.buffer.slice(this.cursor);
    this.cursor += text.length;
  }
  backspace(): void {
    if (this.cursor === 0) return;
    this.buffer = this.buffer.slice(0, this.cursor - 1) + this.buffer.slice(this.cursor);
    this.cursor--;
  }
  deleteForward(): void {
    this.buffer = this.buffer.slice(0, this.cursor) + this.buffer.slice(this.cursor + 1);
  }
  left(): void { this.cursor = Math.max(0, this.cursor - 1); }
  right(): void { this.cursor = Math.min(this.buffer.length, this.cursor + 1); }
  home(): void { this.cursor = 0; }
  end(): void { this.cursor = this.buffer.length; }
  killEnd(): void { this.buffer = this.buffer.slice(0, this.cursor); }
  killLine(): void { this.buffer = ''; this.cursor = 0; }
  killWord(): void {
    const before = this.buffer.slice(0, this.cursor).replace(/\S+\s*$/, '');
    this.buffer = before + this.buffer.slice(this.cursor);
    this.cursor = before.length;
  }
  set(text: string): void {
    this.buffer = text;
    this.cursor = text.length;
  }

  /** Takes the line for execution and records it in the history. */
  take(): string {
    const line = this.buffer;
    if (line.trim() && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > this.maxHistory) this.history.shift();
    }
    this.histPos = this.history.length;
    this.killLine();
    return line;
  }
  up(): void {
    if (this.histPos === 0) return;
    if (this.histPos === this.history.length) this.stash = this.buffer;
    this.set(this.history[--this.histPos]!);
  }
  down(): void {
    if (this.histPos >= this.history.length) return;
    this.histPos++;
    this.set(this.histPos === this.history.length ? this.stash : this.history[this.histPos]!);
  }
  historyList(): readonly string[] {
    return this.history;
  }

  /** Escape sequence that redraws prompt + line on the current row and places the cursor. */
  render(prompt: string, width: number): string {
    const room = Math.max(10, width - prompt.length - 1);
    let start = 0;
    if (this.buffer.length > room) start = Math.max(0, Math.min(this.cursor - Math.floor(room / 2), this.buffer.length - room + 1));
    let shown = this.buffer.slice(start, start + room);
    if (start > 0) shown = '$' + shown.slice(1);
    if (start + room < this.buffer.length) shown = shown.slice(0, -1) + '$';
    const back = start + shown.length - this.cursor;
    return `\r${prompt}${shown}\x1b[K${back > 0 ? `\x1b[${back}D` : ''}`;
  }
}
