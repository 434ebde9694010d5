// `--More--` paging of command output, page by page (space), line by line (Enter), or
// stopped (q, Ctrl-C). A terminal length of 0 turns it off.

const MORE = ' --More-- ';

export class Pager {
  private queue: string[] = [];
  private shown = 0;
  waiting = false;
  private discarding = false;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly out: (text: string) => void,
    private readonly pageLength: () => number,
    private readonly onQuit: () => void,
  ) {}

  reset(): void {
    this.shown = 0;
    this.discarding = false;
  }

  write(text: string): void {
    if (this.discarding || text === '') return;
    const parts = text.split(/(?<=\n)/);
    this.queue.push(...parts);
    this.pump();
  }

  /** A key while `--More--` is shown: true when the pager took it. */
  key(k: 'space' | 'enter' | 'quit' | 'other'): boolean {
    if (!this.waiting) return false;
    this.out(`\r${' '.repeat(MORE.length)}\r`);
    this.waiting = false;
    const len = this.pageLength();
    if (k === 'quit') {
      this.discarding = true;
      this.queue = [];
      this.onQuit();
    } else if (k === 'enter') {
      this.shown = Math.max(0, len - 2);
    } else {
      this.shown = 0;
    }
    this.pump();
    return true;
  }

  /** Resolves when everything written so far has been shown (or discarded). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.waiting) return Promise.resolve();
    return new Promise((res) => this.drainWaiters.push(res));
  }

  private pump(): void {
    const len = this.pageLength();
    while (!this.waiting && this.queue.length) {
      if (len > 0 && this.shown >= len - 1) {
        this.waiting = true;
        this.out(MORE);
        return;
      }
      const part = this.queue.shift()!;
      this.out(part);
      if (part.endsWith('\n')) this.shown++;
    }
    if (!this.waiting && this.queue.length === 0) {
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const f of w) f();
    }
  }
}
