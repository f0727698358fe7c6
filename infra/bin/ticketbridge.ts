#!/usr/bin/env node
import * as path from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadRules } from '../lib/rules';
import { readSettings } from '../lib/settings';
import { TicketbridgeStack } from '../lib/stack';

// dist/bin → infra/
const infraDir = path.resolve(__dirname, '..', '..');
const app = new App();
const settings = readSettings((key) => app.node.tryGetContext(key), infraDir);
new TicketbridgeStack(app, 'ticketbridge', {
  settings,
  rules: loadRules(path.join(infraDir, 'rules'), settings.exampleRules, settings.features),
  env: {
    account: app.node.tryGetContext('account') ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: app.node.tryGetContext('region') ?? process.env.CDK_DEFAULT_REGION,
  },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
