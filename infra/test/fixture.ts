import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadRules } from '../lib/rules';
import { readSettings } from '../lib/settings';
import { TicketbridgeStack } from '../lib/stack';

/** `infra/` (tests run from dist/test). */
export const infraDir = path.resolve(__dirname, '..', '..');

/** The functions the app deploys. */
export const FUNCTIONS = ['mixpanel-sink', 'fullstory-sink', 'webhook-bridge', 'ticket-metrics', 'ticket-store'];

/** A lambdaDir with a stand-in `bootstrap` per function: the tests check wiring, not binaries. */
function assetDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketbridge-assets-'));
  for (const name of FUNCTIONS) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'bootstrap'), `#!/bin/sh\n# ${name}\n`);
  }
  return dir;
}

/** The stack synthesized with `cdk.json`'s defaults plus `context`, checked by cdk-nag. */
export function synth(context: Record<string, unknown> = {}): { stack: Stack; template: Template } {
  const defaults = JSON.parse(fs.readFileSync(path.join(infraDir, 'cdk.json'), 'utf8')).context;
  const all: Record<string, unknown> = {
    ...defaults,
    lambdaDir: assetDir(),
    zendeskSubdomain: 'acme',
    ...context,
  };
  const app = new App({ context: all });
  const settings = readSettings((key) => app.node.tryGetContext(key), infraDir);
  const stack = new TicketbridgeStack(app, 'ticketbridge', {
    settings,
    rules: loadRules(path.join(infraDir, 'rules'), settings.exampleRules, settings.features),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

/** The rule files as the stack reads them. */
export function ruleFiles(examples: string[] = []) {
  return loadRules(path.join(infraDir, 'rules'), examples);
}
