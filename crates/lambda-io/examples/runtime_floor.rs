//! The cost of the runtime alone: a function that reads an SQS batch and answers that every
//! record was delivered. Run under `lambda-bench` to see what a 6 MB invocation costs before
//! any mapping or delivery:
//!
//! - by default the runtime reads the payload into `IgnoredAny` (its serde_json pass, which
//!   the sinks no longer pay);
//! - `FLOOR_TAKE=1`: the sinks' way, the payload taken from the runtime unread
//!   ([`lambda_io::TakePayload`]) and read into the envelope, every record opened.

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_io::Envelope;
use lambda_runtime::LambdaEvent;
use serde::de::IgnoredAny;

fn main() {
    let take = std::env::var("FLOOR_TAKE").is_ok();
    lambda_io::main(async move {
        if take {
            lambda_io::serve_envelopes(
                |mut event: LambdaEvent<Envelope>| async move {
                    for i in 0..event.payload.len() {
                        std::hint::black_box(event.payload.take_record(i));
                    }
                    Ok::<_, lambda_runtime::Diagnostic>(SqsBatchResponse::default())
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
