// CLI commands of the explanation tasks (attribute, segment).
import type { Command } from './commands';

export const EXPLAIN_COMMANDS: Record<string, Command> = {};
