// EdgeOS-style configuration mode (file 003): `configure`, then `set ...` lines (each family
// adds its own, see src/cli/edgeos/candidate.ts), `commit`, `compare`, `discard`, `save`, `exit`.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import {
  commitCandidate, compareLines, currentCandidate, discardCandidate, edgeosEdit, hasChanges, newEdgeosEdit,
} from '../src/cli/edgeos/candidate.js';

export const edgeosCommands = defineCommands<Ctx>([
  {
    syntax: 'configure', modes: ['exec'], doc: 'Enter EdgeOS-style configuration mode: set lines edit a candidate that commit applies',
    run: (ctx) => ctx.session.enterEdgeos(newEdgeosEdit(ctx.appliance.config)),
  },
  {
    syntax: 'commit', modes: ['edgeos'], doc: 'Validate the candidate configuration and make it the running one',
    help: { commit: 'Apply the candidate configuration' },
    run: (ctx) => {
      if (!commitCandidate(ctx)) ctx.print('No configuration changes to commit');
    },
  },
  {
    syntax: 'compare', modes: ['edgeos'], doc: 'What commit would change: the running configuration\'s lines that go (-) and come (+)',
    help: { compare: 'Compare the candidate with the running configuration' },
    run: (ctx) => {
      const render = ctx.session.registry.renderConfig;
      const lines = compareLines(render(ctx.appliance.config), render(currentCandidate(ctx)));
      ctx.print(...(lines.length ? lines : ['No changes between working and active configurations']));
    },
  },
  {
    syntax: 'discard', modes: ['edgeos'], doc: 'Drop the changes not committed',
    help: { discard: 'Discard the uncommitted changes' },
    run: (ctx) => ctx.print(discardCandidate(ctx) ? 'Changes have been discarded' : 'No changes have been discarded'),
  },
  {
    syntax: 'save', modes: ['edgeos'], doc: 'Save the running configuration as the start-up one (as write memory)',
    help: { save: 'Save the running configuration' },
    run: async (ctx) => {
      if (hasChanges(edgeosEdit(ctx))) ctx.warn('% Warning: you have uncommitted changes that will not be saved');
      await ctx.session.runExec('write memory', ctx, ctx.signal);
    },
  },
  {
    syntax: 'exit [discard]', modes: ['edgeos'], doc: 'Leave configuration mode (refused while changes are not committed, unless discard)',
    help: { exit: 'Leave configuration mode', discard: 'Drop the uncommitted changes and leave' },
    run: (ctx, a) => {
      if (hasChanges(edgeosEdit(ctx)) && !a.has('discard')) {
        throw new CliError('% Cannot exit: configuration modified.\nUse \'exit discard\' to discard the changes and exit.');
      }
      ctx.session.end(ctx);
    },
  },
  {
    syntax: 'run LINE', modes: ['edgeos'], doc: 'Run an operational (exec) command from configuration mode',
    help: { run: 'Run an operational command', LINE: 'The exec command' },
    run: (ctx, a) => ctx.session.runExec(a.str('run'), ctx, ctx.signal),
  },
]);
