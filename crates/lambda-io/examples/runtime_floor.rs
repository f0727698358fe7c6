//! The cost of the runtime alone: a function on `lambda_io::serve` that reads an SQS batch
//! (ignored, or read into the envelope) and answers that every record was delivered. Run under
//! `lambda-bench` to see what a 6 MB invocation costs before any mapping or delivery.

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_io::Envelope;
use lambda_runtime::LambdaEvent;
use serde::de::IgnoredAny;

fn main() {
    let envelope = std::env::var("FLOOR_ENVELOPE").is_ok();
    lambda_io::main(async move {
        if envelope {
            lambda_io::serve(
                |mut event: LambdaEvent<Envelope>| async move {
                    for i in 0..event.payload.len() {
                        std::hint::black_box(event.payload.take_record(i));
                    }
                    Ok::<_, std::convert::Infallible>(SqsBatchResponse::default())
                },
                || {},
            )
            .await
        } else {
            lambda_io::serve(
                |_: LambdaEvent<IgnoredAny>| async {
                    Ok::<_, std::convert::Infallible>(SqsBatchResponse::default())
                },
                || {},
            )
            .await
        }
    })
}
