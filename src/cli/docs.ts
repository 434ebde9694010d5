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
  vxlan: '`vxlan` sub-mode (`HOST(config-vxlan)#`: the one VXLAN tunnel endpoint)',
  edgeos: 'EdgeOS-style configuration mode (`configure`, `HOST[edit]#`): `set`/`delete` lines edit a candidate that `commit` applies',
};

export function renderCliDocs(defs: readonly CommandDef<Ctx>[], intro: string): string {
  const out: string[] = [intro.trimEnd(), ''];
  for (const mode of ['global', 'exec', 'config', ...SUBMODES, 'edgeos']) {
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
  const json = defs.filter((d) => d.json);
  if (json.length) {
    out.push('## Structured output: `| json`', '',
      '`| json` right after one of these commands prints its facts as one indented JSON document instead of the text',
      '(for scripts; errors stay `% ` sentences on stderr). It must be the first modifier: a later `| include RE`',
      'filters the JSON\'s lines. After any other command it is an error that lists these. The shapes, in TypeScript',
      'notation (addresses are dotted strings; durations whole seconds, or milliseconds where the name ends in Ms):', '',
      '| command | JSON |', '|---|---|');
    for (const d of json) out.push(`| \`${renderSyntax(parseSyntax(d.syntax)).replace(/\|/g, '\\|')} \\| json\` | \`${d.json!.schema.replace(/\|/g, '\\|')}\` |`);
    out.push('');
  }
  return out.join('\n');
}
