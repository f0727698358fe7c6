//! Log setup: JSON lines when Lambda's log format is JSON, level from Lambda's advanced logging
//! controls or `RUST_LOG`; always to stderr, because stdout carries DRY_RUN requests.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_env_filter(
            EnvFilter::try_new(level.to_ascii_lowercase())
                .unwrap_or_else(|_| EnvFilter::new("info")),
        );
    if std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        builder.init();
    }
}
