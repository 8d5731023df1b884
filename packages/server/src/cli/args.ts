import { parseArgs } from 'node:util';
import { ChurnError } from '../errors/index.js';

export interface OptionSpec {
  readonly type: 'string' | 'int' | 'number' | 'boolean' | 'list';
  readonly description: string;
  readonly required?: boolean;
  readonly default?: string | number | boolean;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Placeholder shown in help, e.g. FILE. */
  readonly value?: string;
}

export type ParsedOptions = Record<string, string | number | boolean | string[] | undefined>;

/** One `churn` sub-command: its options drive parsing, validation and `--help`. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** The option that one bare argument fills, e.g. `id` for `churn keys revoke ID`. */
  readonly positional?: string;
  run(options: ParsedOptions): Promise<void>;
}

const usage = (message: string): ChurnError => new ChurnError('CHURN_ERR_USAGE', message);

/** Parse and validate argv against a command's options; every problem is a CHURN_ERR_USAGE. */
export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedOptions | 'help' {
  const specs = command.options;
  const parseSpec: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(specs))
    parseSpec[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: parseSpec,
      strict: true,
      allowPositionals: command.positional !== undefined,
    }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (err) {
    throw usage(`${(err as Error).message.split('\n')[0]} (see: churn ${command.name} --help)`);
  }
  if (values.help) return 'help';
  if (command.positional !== undefined && positionals.length > 0) {
    if (positionals.length > 1 || values[command.positional] !== undefined)
      throw usage(`too many arguments: ${positionals.join(' ')} (see: churn ${command.name} --help)`);
    values[command.positional] = positionals[0];
  }
  const out: ParsedOptions = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = values[name];
    if (raw === undefined) {
      if (spec.required) throw usage(`missing required option --${name} (see: churn ${command.name} --help)`);
      out[name] = spec.default;
      continue;
    }
    out[name] = convert(name, spec, raw);
  }
  return out;
}

function convert(
  name: string,
  spec: OptionSpec,
  raw: string | boolean,
): string | number | boolean | string[] {
  if (spec.type === 'boolean') return raw as boolean;
  const text = String(raw);
  if (spec.type === 'list')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (spec.type === 'string') {
    if (text === '') throw usage(`--${name} must not be empty`);
    if (spec.choices && !spec.choices.includes(text)) {
      throw usage(`--${name} must be one of ${spec.choices.join(', ')}, got "${text}"`);
    }
    return text;
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
    throw usage(`--${name} must be ${spec.type === 'int' ? 'an integer' : 'a number'}, got "${text}"`);
  }
  if (spec.min !== undefined && n < spec.min) throw usage(`--${name} must be >= ${spec.min}, got ${text}`);
  if (spec.max !== undefined && n > spec.max) throw usage(`--${name} must be <= ${spec.max}, got ${text}`);
  return n;
}

/** The `--help` text of a command. */
export function commandHelp(command: Command): string {
  const lines = [`churn ${command.name} — ${command.summary}`, '', 'Options:'];
  const entries = Object.entries(command.options);
  for (const [name, spec] of entries) {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? spec.type.toUpperCase()}`;
    const extra = [
      spec.required ? 'required' : undefined,
      spec.choices ? `one of: ${spec.choices.join(', ')}` : undefined,
      spec.default !== undefined && spec.type !== 'boolean' ? `default: ${spec.default}` : undefined,
    ].filter(Boolean);
    lines.push(`  ${flag.padEnd(28)} ${spec.description}${extra.length ? ` (${extra.join('; ')})` : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(28)} Show this help.`);
  return lines.join('\n');
}
