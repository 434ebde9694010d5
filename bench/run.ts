// `npm run bench`: the fast-path benchmark (engine vs a tight minimal loop, same run) and the
// session-table memory per session at 1M sessions. Prints progress to stderr and one JSON
// line to stdout at the end:
//   {"fastpath_mpps":..,"baseline_mpps":..,"ratio":..,"session_bytes":..,...}
// Targets: ratio >= 0.5, session_bytes <= 128, route_lookup_mpps_100k >= route_lookup_mpps_10 / 2.

import { runFastpathBench } from './fastpath.js';
import { runRoutingBench } from './routing.js';
import { runSessionBench } from './session.js';
import { runEncapBench } from './encap.js';
import { runVxlanBench } from './vxlan.js';
import { runIpsecBench } from './ipsec.js';
import { runBgpBench } from './bgp.js';

const fp = runFastpathBench();
process.stderr.write(`fastpath: ${JSON.stringify(fp)}\n`);
const sb = runSessionBench({ capacity: 1 << 20, lookups: 2_000_000 });
process.stderr.write(`session: ${JSON.stringify(sb)}\n`);
const rt = runRoutingBench();
process.stderr.write(`routing: ${JSON.stringify(rt)}\n`);
const enc = runEncapBench();
process.stderr.write(`encap: ${JSON.stringify(enc)}\n`);
const vx = runVxlanBench();
process.stderr.write(`vxlan: ${JSON.stringify(vx)}\n`);
const esp = runIpsecBench();
process.stderr.write(`ipsec: ${JSON.stringify(esp)}\n`);
const bgp = await runBgpBench();
process.stderr.write(`bgp: ${JSON.stringify(bgp)}\n`);

process.stdout.write(JSON.stringify({
  fastpath_mpps: fp.fastpath_mpps,
  baseline_mpps: fp.baseline_mpps,
  ratio: fp.ratio,
  session_bytes: sb.sessionBytes,
  session_lookups_per_sec: sb.lookupsPerSec,
  fastpath_packets: fp.packets,
  fastpath_flows: fp.flows,
  fastpath_new_share: fp.new_share,
  new_sessions_per_sec: fp.new_sessions_per_sec,
  established_ns: fp.established_ns,
  baseline_established_ns: fp.baseline_established_ns,
  ...rt,
  ...enc,
  ...vx,
  ...esp,
  ...bgp,
  targets: { ratio: 0.5, session_bytes: 128 },
}) + '\n');
