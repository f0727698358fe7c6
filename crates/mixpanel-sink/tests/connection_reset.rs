//! A connection reset mid-request is retried, not lost and not acknowledged early.

mod support;

use lambda_io::SinkHandler;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that resets the first `resets` connections, then answers every request with 200.
async fn flaky_server(resets: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut buf).await;
                if n < resets {
                    // SO_LINGER 0 turns the close into a TCP reset; with a zero timeout the drop
                    // does not block, which is what the deprecation warns about.
                    #[allow(deprecated)]
                    let _ = socket.set_linger(Some(Duration::ZERO));
                    drop(socket);
                    return;
                }
                let body = r#"{"code":200,"num_records_imported":1,"status":"OK"}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn connection_resets_are_retried() {
    let (url, seen) = flaky_server(2).await;
    let answer = sink(&url, &[("MIXPANEL_PROFILES", "false")])
        .handle(lambda_io::local_event(
            sqs(&[STATUS]).as_bytes(),
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn persistent_resets_leave_the_record_unacknowledged() {
    let (url, _) = flaky_server(usize::MAX).await;
    let answer = sink(&url, &[("MIXPANEL_PROFILES", "false")])
        .handle(lambda_io::local_event(
            sqs(&[STATUS]).as_bytes(),
            Duration::from_secs(3),
        ))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "m0"}]})
    );
}
