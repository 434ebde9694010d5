// The command line of the `pask` executable (see the CLI contract in docs/cli.md).

import { LAB_NAMES } from '../lab/lab-names.js';

export interface PortAttachment {
  readonly port: number;
  readonly ifname: string;
}

export interface PaskOptions {
  readonly mode: 'console' | 'serve';
  readonly commands: readonly string[];
  readonly file: string | null;
  readonly config: string | null;
  /** A lab topology's name (src/lab/builder.ts LAB_TOPOLOGIES), or `none`. */
  readonly lab: string;
  readonly ports: readonly PortAttachment[];
  readonly socket: string | null;
  readonly ssh: string | null;
  readonly connect: string | null;
  readonly help: boolean;
  readonly version: boolean;
}

export const USAGE = `usage: pask [options]              interactive console (embedded lab loaded)
       pask -c CMD [-c CMD ...]     run commands as a batch
       pask -f FILE                 run a batch file ('!' and '#' start comments)
       ... | pask                   standard input that is not a terminal is a batch
       pask serve [options]         run as a service until SIGTERM, with a control socket
       pask --connect PATH [-c CMD ... | -f FILE]
                                    a console or a batch on a running appliance
options:
  --config FILE       start-up configuration to load (default: the saved one, if any)
  --lab NAME          the embedded lab: default, dsr (more come with the tunnel labs), or none
  --port N=IFNAME     attach appliance port N to a Linux interface (implies --lab none)
  --socket PATH       with serve: the control socket (default ./pask.sock)
  --ssh [ADDR:]PORT   with serve or the console: also serve consoles over SSH
  --version           print the version and exit
`;

/** `[ADDR:]PORT` of --ssh: `2222`, `127.0.0.1:2222`, `[::1]:2222`. */
const LISTEN_RE = /^(?:(?:\[[0-9a-fA-F:.]+\]|[^:\s]+):)?\d{1,5}$/;

export function parseArgs(argv: readonly string[]): PaskOptions | { error: string } {
  const o = {
    mode: 'console' as 'console' | 'serve', commands: [] as string[], file: null as string | null, config: null as string | null,
    lab: 'default' as string, ports: [] as PortAttachment[], socket: null as string | null, ssh: null as string | null,
    connect: null as string | null, help: false, version: false,
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
          if (v !== 'none' && !LAB_NAMES.includes(v)) throw new Error(`--lab takes none or ${LAB_NAMES.join(', ')}, not "${v}"`);
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
        case 'serve':
          if (i !== 0) throw new Error('serve must come first: pask serve [options]');
          o.mode = 'serve';
          break;
        case '--socket': o.socket = need(i, a); i++; break;
        case '--ssh': {
          const v = need(i, a); i++;
          if (!LISTEN_RE.test(v) || Number(v.slice(v.lastIndexOf(':') + 1)) > 65535) throw new Error(`--ssh takes [ADDR:]PORT, not "${v}"`);
          o.ssh = v;
          break;
        }
        case '--connect': o.connect = need(i, a); i++; break;
        case '-h': case '--help': o.help = true; break;
        case '-V': case '--version': o.version = true; break;
        default: throw new Error(`unknown option "${a}"`);
      }
    }
  } catch (e) {
    return { error: `% ${(e as Error).message}\n${USAGE}` };
  }
  if (o.commands.length && o.file) return { error: '% use -c or -f, not both\n' };
  if (o.connect !== null) {
    const extra = [o.mode === 'serve' && 'serve', o.config !== null && '--config', o.lab === 'none' && '--lab', o.ports.length > 0 && '--port',
      o.socket !== null && '--socket', o.ssh !== null && '--ssh'].filter(Boolean);
    if (extra.length) return { error: `% --connect talks to a running appliance: ${extra.join(', ')} belong${extra.length === 1 ? 's' : ''} to "pask serve"\n` };
  }
  if (o.mode === 'serve' && (o.commands.length || o.file)) return { error: '% pask serve runs no batch: use pask --connect PATH -c ... against it\n' };
  if (o.socket !== null && o.mode !== 'serve') return { error: '% --socket goes with serve (pask serve --socket PATH)\n' };
  if (o.ssh !== null && o.mode !== 'serve' && (o.commands.length || o.file)) return { error: '% --ssh goes with serve or the console, not with a batch\n' };
  return o;
}
