// What a console shows before its first prompt: the login banner (`banner motd`), what is
// running, and how to find one's way.

import type { Appliance } from '../appliance.js';
import { paskVersion } from '../cli/version.js';

export function greeting(app: Appliance): string {
  const motd = app.config.banner;
  const where = app.world === null ? 'no dataplane' : app.world.name === 'ports' ? 'real ports' : `the embedded lab "${app.world.name}" (virtual time)`;
  return [
    ...(motd ? [motd, ''] : []),
    `pask ${paskVersion()}: ${app.identity.productName} on ${where}`,
    'Type ? for help and Tab to complete a word; "show running-config" shows the configuration.',
    '',
  ].join('\n');
}
