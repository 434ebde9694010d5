// The command line of the `pask` executable (see the CLI contract in docs/cli.md).

export interface PortAttachment {
  readonly port: number;
  readonly ifname: string;
}

export interface PaskOptions {
  readonly mode: 'console' | 'serve';
  readonly commands: readonly string[];
  readonly file: string | null;
  readonly config: string | null;
  readonly lab: 'default' | 'none';
  readonly ports: readonly PortAttachment[];
  readonly socket: string | null;
  readonly ssh: string | null;
  readonly connect: string | null;
  readonly help: boolean;
}

export const USAGE = `usage: pask [options]              interactive console (embedded lab loaded)
       pask -c CMD [-c CMD ...]     run commands as a batch
       pask -f FILE                 run a batch file ('!' and '#' start comments)
       ... | pask                   standard input that is not a terminal is a batch
options:
  --config FILE       start-up configuration to load (default: the saved one, if any)
  --lab none          no embedded lab
  --port N=IFNAME     attach appliance port N to a Linux interface (implies --lab none)
`;

export function parseArgs(argv: readonly string[]): PaskOptions | { error: string } {
  const o = {
    mode: 'console' as 'console' | 'serve', commands: [] as string[], file: null as string | null, config: null as string | null,
    lab: 'default' as 'default' | 'none', ports: [] as PortAttachment[], socket: null as string | null, ssh: null as string | null,
    connect: null as string | null, help: false,
  };
  const need = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      switch (a) {
        case '-c': o.commands.push(need(i, a)); i++; break;
        case '-f': o.file = need(i, a); i++; break;
        case '--config': o.config = need(i, a); i++; break;
        case '--lab': {
          const v = need(i, a); i++;
          if (v !== 'none' && v !== 'default') throw new Error(`--lab takes none or default, not "${v}"`);
          o.lab = v;
          break;
        }
        case '--port': {
          const v = need(i, a); i++;
          const m = /^(\d{1,2})=(\S+)$/.exec(v);
          if (!m || Number(m[1]) < 1 || Number(m[1]) > 16) throw new Error(`--port takes N=IFNAME with N from 1 to 16, not "${v}"`);
          o.ports.push({ port: Number(m[1]), ifname: m[2]! });
          o.lab = 'none';
          break;
        }
        case '-h': case '--help': o.help = true; break;
        default: throw new Error(`unknown option "${a}"`);
      }
    }
  } catch (e) {
    return { error: `% ${(e as Error).message}\n${USAGE}` };
  }
  if (o.commands.length && o.file) return { error: '% use -c or -f, not both\n' };
  return o;
}
