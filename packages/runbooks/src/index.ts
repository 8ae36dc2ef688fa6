export { extractCommands, type RunbookCommand } from './extract.ts';
export { checkCommands, type CommandProblem } from './check.ts';
export { quickCommands, renderQuickCommands, type QuickCommandGroup } from './quick-commands.ts';
