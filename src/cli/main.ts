import { Command, CommanderError } from 'commander';
import { InternalError } from '../diagnostics/diagnostic.js';
import { registerTranslate } from './translate.js';
import { registerValidate } from './validate.js';
import { registerDiff } from './diff.js';
import { registerSchema } from './schema.js';
import { registerServer } from './server.js';
import { UsageError } from './usage.js';

const exitCodes = { clean: 0, findings: 1, usage: 2 } as const;

function buildProgram(): Command {
  const program = new Command();
  program
    .name('egc')
    .description('egc, the Envoy Gateway compiler: Gateway API and Envoy Gateway resources to Envoy configuration')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerTranslate(program);
  registerValidate(program);
  registerDiff(program);
  registerSchema(program);
  registerServer(program);
  return program;
}

/** Runs one command; every failure ends here, so each gets the same report and exit code. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      process.exitCode = error.exitCode === 0 ? exitCodes.clean : exitCodes.usage;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`egc: error ${error.code}: ${error.message}\n`);
      process.exitCode = exitCodes.usage;
      return;
    }
    const detail = error instanceof InternalError ? error.message : (error as Error)?.stack ?? String(error);
    process.stderr.write(`egc: internal error EGC5003 (a bug in egc, please report it): ${detail}\n`);
    process.exitCode = exitCodes.usage;
  }
}

// Not awaited: the bundle is CommonJS (see src/cli/launcher.ts), and main() reports every error itself.
void main(process.argv);
