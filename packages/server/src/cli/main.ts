import { ChurnError } from '../errors/index.js';
import { type Command, commandHelp, parseCommandArgs } from './args.js';
import { driftCommand } from './commands/drift.js';
import { evaluateCommand } from './commands/evaluate.js';
import { explainCommand } from './commands/explain.js';
import { exportCommand } from './commands/export.js';
import { generateCommand } from './commands/generate.js';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './commands/keys.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';

const COMMANDS: readonly Command[] = [
  generateCommand,
  trainCommand,
  predictCommand,
  evaluateCommand,
  exportCommand,
  explainCommand,
  driftCommand,
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
];

function topHelp(): string {
  return [
    'churn — the churn platform command line',
    '',
    'Usage: churn <command> [options]   (churn <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
  ].join('\n');
}

/** Map any thrown value to a stable code, a one-line message and an exit code. */
export function describeFailure(err: unknown): { code: string; message: string; exit: number } {
  if (err instanceof ChurnError) return { code: err.code, message: err.message, exit: err.exitCode };
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === 'DataError')
    return { code: 'CHURN_ERR_BAD_DATA', message: e.message ?? 'bad data', exit: 2 };
  if (e?.code && /^E(ACCES|NOENT|ISDIR|NOTDIR|ROFS|NOSPC|EXIST|PERM)$/.test(e.code)) {
    return { code: 'CHURN_ERR_IO', message: e.message ?? e.code, exit: 2 };
  }
  return { code: 'CHURN_ERR_INTERNAL', message: (err as Error)?.stack ?? String(err), exit: 1 };
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  // Two-word commands (`churn keys create`) are found by both words.
  const command =
    COMMANDS.find((c) => c.name === name) ?? COMMANDS.find((c) => c.name === `${name} ${rest[0]}`);
  const args = command && command.name !== name ? rest.slice(1) : rest;
  if (!command) {
    process.stderr.write(
      `churn: unknown command "${COMMANDS.some((c) => c.name.startsWith(`${name} `)) ? `${name} ${rest[0] ?? ''}`.trim() : name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`,
    );
    return 2;
  }
  try {
    const options = parseCommandArgs(command, args);
    if (options === 'help') {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    await command.run(options);
    return 0;
  } catch (err) {
    const f = describeFailure(err);
    process.stderr.write(`churn ${command.name}: ${f.message} [${f.code}]\n`);
    return f.exit;
  }
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
