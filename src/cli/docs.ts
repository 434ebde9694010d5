// docs/cli.md, generated from the command definitions (the same syntax strings that drive
// parsing, `?` help and completion).

import type { CommandDef } from './grammar/command.js';
import { parseSyntax, renderSyntax } from './grammar/syntax.js';
import type { Ctx } from './context.js';
import { SUBMODES } from './modes.js';

const MODE_TITLES: Record<string, string> = {
  global: 'Exec commands (also available, unchanged, in every configuration mode)',
  exec: 'Exec mode only (`HOST>` / `HOST#`)',
  config: 'Configuration mode (`HOST(config)#`)',
};

export function renderCliDocs(defs: readonly CommandDef<Ctx>[], intro: string): string {
  const out: string[] = [intro.trimEnd(), ''];
  for (const mode of ['global', 'exec', 'config', ...SUBMODES]) {
    const list = defs.filter((d) => d.modes.includes(mode));
    if (!list.length) continue;
    const title = MODE_TITLES[mode] ?? `\`${mode}\` sub-mode (\`HOST(config-${mode}[KEY])#\`)`;
    out.push(`## ${title}`, '', '| command | privilege | what it does |', '|---|---|---|');
    for (const d of list) {
      const syntax = renderSyntax(parseSyntax(d.syntax)).replace(/\|/g, '\\|');
      out.push(`| \`${syntax}\` | ${d.privilege === 1 ? '1' : '15'} | ${d.doc.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
