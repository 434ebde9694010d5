// `npm run bench`: the fast-path benchmark (engine vs a naive baseline, same run) and the
// session-table memory per session at 1M sessions. Prints progress to stderr and one JSON
// line to stdout at the end:
//   {"fastpath_mpps":..,"baseline_mpps":..,"ratio":..,"session_bytes":..,...}
// Targets: ratio >= 0.5, session_bytes <= 128.

import { runFastpathBench } from './fastpath.js';
import { runSessionBench } from './session.js';

const fp = runFastpathBench();
process.stderr.write(`fastpath: ${JSON.stringify(fp)}\n`);
const sb = runSessionBench({ capacity: 1 << 20, lookups: 2_000_000 });
process.stderr.write(`session: ${JSON.stringify(sb)}\n`);

process.stdout.write(JSON.stringify({
  fastpath_mpps: fp.fastpath_mpps,
  baseline_mpps: fp.baseline_mpps,
  ratio: fp.ratio,
  session_bytes: sb.sessionBytes,
  session_lookups_per_sec: sb.lookupsPerSec,
  fastpath_packets: fp.packets,
  fastpath_flows: fp.flows,
  fastpath_new_share: fp.new_share,
  targets: { ratio: 0.5, session_bytes: 128 },
}) + '\n');
