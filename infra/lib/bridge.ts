import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { Alarms } from './alarms';
import { checkovSkip } from './checkov';
import { RustFunction, RustFunctionProps } from './function';

/** webhook-bridge's settings beyond a plain function's. */
export interface BridgeProps extends RustFunctionProps {
  /** The bus it publishes to (and may publish to only). */
  readonly bus: events.IEventBus;
  /** Alarm factory. */
  readonly alarms: Alarms;
}

/** webhook-bridge behind a Function URL: Zendesk and Intercom post here, it puts events on `bus`. */
export class WebhookBridge extends Construct {
  /** The function. */
  readonly function: lambda.Function;
  /** The public URL (auth NONE: every request's signature is checked in code). */
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: BridgeProps) {
    super(scope, id);
    const fn = new RustFunction(this, 'Function', {
      ...props,
      environment: { ...props.environment, EVENT_BUS_NAME: props.bus.eventBusName },
    });
    this.function = fn.function;
    props.bus.grantPutEventsTo(this.function);
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    checkovSkip(this.url, [
      {
        id: 'CKV_AWS_258',
        comment:
          'Zendesk and Intercom cannot sign AWS requests: every request\'s HMAC signature is verified in code before anything is published, and refusals are cheap and rate-bounded by reserved concurrency.',
      },
    ]);

    props.alarms.function(this, this.function, props.name);
    const rate = (id: string, metricName: string, percent: number, meaning: string) =>
      props.alarms.add(
        this,
        id,
        new cloudwatch.MathExpression({
          // No requests means no rate, not a breach.
          expression: 'IF(requests > 0, 100 * failures / requests, 0)',
          usingMetrics: {
            requests: this.urlMetric('UrlRequestCount'),
            failures: this.urlMetric(metricName),
          },
          period: Duration.minutes(5),
          label: `${metricName} %`,
        }),
        percent,
        meaning,
      );
    rate(
      'ClientErrorRate',
      'Url4xxCount',
      10,
      'More than 10% of webhook requests were refused (4xx): usually a signing secret that does not match Zendesk\'s or Intercom\'s (401), or a sender posting to the wrong path (404).',
    );
    rate(
      'ServerErrorRate',
      'Url5xxCount',
      1,
      'More than 1% of webhook requests failed (5xx): the bus did not accept events (senders retry), or the function failed.',
    );
  }

  private urlMetric(metricName: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: this.function.functionName },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }
}
