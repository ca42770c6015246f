// CLI commands of the generation tasks (generate, similar, gibbs).
import type { Command } from './commands';

export const GENERATE_COMMANDS: Record<string, Command> = {};
