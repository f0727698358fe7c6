//! The SigV4 signature on the `GetSecretValue` call the functions make for `…_ARN` settings,
//! checked against botocore's signer (AWS's Python SDK, installed with moto by `make moto`): the
//! signature a function sends is the one AWS computes for the same request.

use std::path::PathBuf;
use std::process::Command;

use delivery::{SecretsManager, Settings, resolve_secret_arns};
use serde_json::json;
use ticketbridge_e2e::moto_server;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mixpanel-AbCdEf";

/// The Python next to `moto_server`, which has botocore.
fn python() -> PathBuf {
    let python = moto_server().with_file_name("python");
    assert!(python.exists(), "{} not found", python.display());
    python
}

/// botocore's SigV4 signature of a request, given the headers the signer listed as signed.
const BOTOCORE_SIGNATURE: &str = r#"
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
r = json.loads(sys.argv[1])
request = AWSRequest(method="POST", url=r["url"], data=r["body"].encode(), headers=r["headers"])
request.context["timestamp"] = r["headers"]["x-amz-date"]
auth = SigV4Auth(Credentials(r["key"], r["secret"], r["token"]), "secretsmanager", r["region"])
canonical = auth.canonical_request(request)
print(auth.signature(auth.string_to_sign(request, canonical), request))
"#;

#[tokio::test]
async fn the_secret_call_carries_the_signature_aws_computes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "SecretString": "s" })))
        .mount(&server)
        .await;
    let (key, secret, token) = (
        "ASIAEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "session/token==",
    );
    let environment = Settings::from_pairs(&[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", key),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_SESSION_TOKEN", token),
        ("AWS_ENDPOINT_URL", &server.uri()),
    ]);
    let secrets_manager = SecretsManager::from_settings(&environment).unwrap();
    let settings = Settings::from_pairs(&[("MIXPANEL_PROJECT_TOKEN_ARN", ARN)]);
    let settings = resolve_secret_arns(settings, &["MIXPANEL_PROJECT_TOKEN"], &secrets_manager)
        .await
        .unwrap();
    assert_eq!(settings.get("MIXPANEL_PROJECT_TOKEN").as_deref(), Some("s"));

    let request = &server.received_requests().await.unwrap()[0];
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("the request has no {name} header"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let authorization = header("authorization");
    let part = |label: &str| {
        authorization
            .split([' ', ','])
            .find_map(|p| p.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} in {authorization}"))
            .to_owned()
    };
    let signed_headers = part("SignedHeaders=");
    for required in [
        "host",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-target",
        "content-type",
    ] {
        assert!(
            signed_headers.split(';').any(|h| h == required),
            "{required} is signed: {signed_headers}"
        );
    }
    let headers: serde_json::Map<String, serde_json::Value> = signed_headers
        .split(';')
        .map(|name| (name.to_owned(), header(name).into()))
        .collect();
    let described = json!({
        "url": format!("{}{}", server.uri(), request.url.path()),
        "body": String::from_utf8(request.body.clone()).unwrap(),
        "headers": headers,
        "key": key, "secret": secret, "token": token, "region": "eu-west-1",
    });
    let output = Command::new(python())
        .args(["-c", BOTOCORE_SIGNATURE, &described.to_string()])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "botocore failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(
        part("Signature="),
        expected,
        "botocore's signature for the same request"
    );
    assert!(
        part("Credential=").starts_with(&format!("{key}/"))
            && part("Credential=").ends_with("/eu-west-1/secretsmanager/aws4_request"),
        "{authorization}"
    );
    assert_eq!(header("x-amz-security-token"), token);
}
