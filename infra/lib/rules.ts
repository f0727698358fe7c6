import * as fs from 'node:fs';
import * as path from 'node:path';

/** One rule file of `infra/rules/`: header and EventBridge pattern (checked by `ticketbridge rules check`). */
export interface RuleFile {
  /** File name without `.json`. */
  readonly name: string;
  /** What it routes and why. */
  readonly description: string;
  /** The sink whose topic receives the matched events. */
  readonly target: string;
  /** The event pattern, exactly as written. */
  readonly pattern: Record<string, unknown>;
  /** Whether it lives under `examples/` (deployed only when named in `exampleRules`). */
  readonly example: boolean;
  /** The feature a shipped rule is deployed with (`accountProfiles`); absent: always. */
  readonly feature?: string;
}

function readFolder(dir: string, example: boolean): RuleFile[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const where = path.join(dir, file);
      const parsed = JSON.parse(fs.readFileSync(where, 'utf8'));
      for (const key of ['name', 'description', 'target']) {
        if (typeof parsed[key] !== 'string') {
          throw new Error(`${where}: $.${key} must be a string`);
        }
      }
      if (parsed.name !== path.basename(file, '.json')) {
        throw new Error(`${where}: $.name must equal the file name`);
      }
      if (typeof parsed.pattern !== 'object' || parsed.pattern === null || Array.isArray(parsed.pattern)) {
        throw new Error(`${where}: $.pattern must be an object`);
      }
      return { ...parsed, example } as RuleFile;
    });
}

/** The shipped rules of `dir` (those of a feature only when it is in `features`), then the examples named in
 * `examples` (an unknown name is an error). */
export function loadRules(dir: string, examples: string[], features: string[] = []): RuleFile[] {
  const all = readFolder(dir, false);
  const shipped = all.filter((r) => r.feature === undefined || features.includes(r.feature));
  const available = readFolder(path.join(dir, 'examples'), true);
  const chosen = examples.map((name) => {
    const rule = available.find((r) => r.name === name);
    if (!rule) {
      throw new Error(
        `exampleRules: no example rule "${name}" in ${path.join(dir, 'examples')} (there are: ${available
          .map((r) => r.name)
          .join(', ')})`,
      );
    }
    return rule;
  });
  if (all.length === 0) {
    throw new Error(`${dir}: no rule files`);
  }
  return [...shipped, ...chosen];
}
