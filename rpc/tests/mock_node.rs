//! `EvmRoots` and `Client` against a scripted JSON-RPC node on 127.0.0.1: every way a node or a
//! contract can answer badly gives a typed error, never a panic or a hang.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use alloy_primitives::{hex, keccak256, Address, U256};
use alloy_sol_types::SolValue;
use serde_json::{json, Value};
use zkhealth_circuits::Fr;
use zkhealth_evm::bindings::{
    ZkhPresentation::{self, ZkhPresentationErrors},
    ZkhRegistry::{self, ZkhRegistryErrors},
};
use zkhealth_rpc::{fr_to_u256, Client, EvmRoots, ReadAt, Revert, RpcError, RpcOptions, SignerKey};
use zkhealth_verifier::{ErrorClass, RootSource, VerifyError};

/// What the scripted node answers to one request.
enum Reply {
    /// `{"result": ...}`.
    Result(Value),
    /// `{"error": {...}}`.
    Error(Value),
    /// An HTTP status with a plain-text body.
    Http(u16, &'static str),
    /// Nothing: the connection stays open and silent for a while.
    Silent,
}

type Handler = dyn Fn(&str, &Value) -> Reply + Send + Sync;

/// The chain the scripted node is on, unless a test says otherwise.
const CHAIN_ID: u64 = 31_337;

/// Serves JSON-RPC on a free port of 127.0.0.1 with `handler`, for at most 16 connections and
/// 20 requests per connection; returns the URL. `eth_chainId` answers [`CHAIN_ID`].
fn mock_node(handler: impl Fn(&str, &Value) -> Reply + Send + Sync + 'static) -> String {
    mock_node_on(CHAIN_ID, handler)
}

/// As [`mock_node`], on chain `chain_id`.
fn mock_node_on(
    chain_id: u64,
    handler: impl Fn(&str, &Value) -> Reply + Send + Sync + 'static,
) -> String {
    let handler = move |method: &str, params: &Value| match method {
        "eth_chainId" => Reply::Result(json!(format!("{chain_id:#x}"))),
        _ => handler(method, params),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handler: Arc<Handler> = Arc::new(handler);
    thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(stream) = stream else { continue };
            let handler = Arc::clone(&handler);
            thread::spawn(move || serve_connection(stream, &*handler));
        }
    });
    url
}

fn serve_connection(stream: TcpStream, handler: &Handler) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    for _ in 0..20 {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request: Value = serde_json::from_slice(&body).unwrap();
        let method = request["method"].as_str().unwrap_or_default().to_string();
        let (status, content) = match handler(&method, &request["params"]) {
            Reply::Result(result) => (
                200,
                json!({"jsonrpc": "2.0", "id": request["id"], "result": result}).to_string(),
            ),
            Reply::Error(error) => (
                200,
                json!({"jsonrpc": "2.0", "id": request["id"], "error": error}).to_string(),
            ),
            Reply::Http(status, text) => (status, text.to_string()),
            Reply::Silent => {
                thread::sleep(Duration::from_secs(3));
                return;
            }
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{content}",
            content.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// A 32-byte word as JSON-RPC hex data.
fn word(x: U256) -> Value {
    Value::String(format!("0x{}", hex::encode(x.to_be_bytes::<32>())))
}

fn fast() -> RpcOptions {
    RpcOptions {
        request_timeout: Duration::from_millis(400),
        ..RpcOptions::default()
    }
}

fn registry() -> Address {
    Address::repeat_byte(0x42)
}

fn selector(signature: &str) -> Vec<u8> {
    keccak256(signature.as_bytes())[..4].to_vec()
}

#[test]
fn unreachable_node_gives_the_typed_unavailable_error() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let roots = EvmRoots::with_options(
        &format!("http://127.0.0.1:{port}"),
        registry(),
        CHAIN_ID,
        fast(),
    )
    .unwrap();
    let err = roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap_err();
    assert!(matches!(err, RpcError::Unreachable { .. }), "{err}");
    assert!(err.is_unavailable());
    // Through the verifier's trait: a verifier-side error, not a refusal.
    let err = roots.is_accepted(&Fr::from(1u8), 1_000).unwrap_err();
    assert_eq!(err.class(), ErrorClass::Verifier);
    assert!(
        matches!(&err, VerifyError::RootSource(m) if m.contains("cannot reach")),
        "{err}"
    );
}

#[test]
fn silent_node_times_out_instead_of_hanging() {
    let url = mock_node(|_, _| Reply::Silent);
    let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
    // The node holds the connection open and silent for longer than the client's timeout, then
    // closes it: only the client's own timeout gives `Timeout` (a close gives another error).
    let err = roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap_err();
    assert!(
        matches!(&err, RpcError::Timeout { after, .. } if *after == fast().request_timeout),
        "{err}"
    );
    assert!(err.is_unavailable());
}

#[test]
fn is_accepted_sends_root_and_verifier_time_and_reads_the_answer() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&seen);
    let url = mock_node(move |method, params| {
        assert_eq!(method, "eth_call");
        log.lock()
            .unwrap()
            .push(params[0]["input"].as_str().unwrap_or_default().into());
        Reply::Result(word(U256::from(1u8)))
    });
    let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
    let root = -Fr::from(5u8);
    assert!(roots.is_accepted(&root, 1_780_000_000).unwrap());
    let mut expected = selector("isAcceptedRootAt(uint256,uint64)");
    expected.extend((fr_to_u256(&root), 1_780_000_000u64).abi_encode_params());
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("0x{}", hex::encode(expected))]
    );
}

#[test]
fn address_without_code_gives_the_typed_error() {
    let url = mock_node(|method, _| match method {
        // A call to an account without code succeeds with no data.
        "eth_call" | "eth_getCode" => Reply::Result(json!("0x")),
        other => panic!("unexpected {other}"),
    });
    let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
    let err = roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap_err();
    assert!(
        matches!(err, RpcError::NoContractCode { address } if address == registry()),
        "{err}"
    );
}

#[test]
fn odd_return_data_is_malformed_not_a_panic() {
    for bad in [
        // A bool that is neither 0 nor 1.
        word(U256::from(2u8)),
        // A short word.
        json!(format!("0x{}", "00".repeat(31))),
        // Not hex at all.
        json!("0xzz"),
        json!(null),
    ] {
        let answer = bad.clone();
        let url = mock_node(move |method, _| match method {
            "eth_call" => Reply::Result(answer.clone()),
            _ => Reply::Result(json!("0x6000")),
        });
        let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
        let err = roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap_err();
        assert!(
            matches!(err, RpcError::MalformedReturn { .. }),
            "{bad}: {err}"
        );
        assert!(!err.is_unavailable());
    }
}

#[test]
fn current_root_outside_the_field_is_refused_and_zero_means_none() {
    let modulus = fr_to_u256(&-Fr::from(1u8)) + U256::from(1u8);
    let answer = Arc::new(Mutex::new(word(modulus)));
    let a = Arc::clone(&answer);
    let url = mock_node(move |_, _| Reply::Result(a.lock().unwrap().clone()));
    let client = Client::with_options(&url, fast()).unwrap();
    let err = client.current_root(registry()).unwrap_err();
    assert!(
        matches!(&err, RpcError::MalformedReturn { reason, .. } if reason.contains("BN254")),
        "{err}"
    );
    *answer.lock().unwrap() = word(U256::ZERO);
    assert_eq!(client.current_root(registry()).unwrap(), None);
    *answer.lock().unwrap() = word(U256::from(9u8));
    assert_eq!(
        client.current_root(registry()).unwrap(),
        Some(Fr::from(9u8))
    );
}

#[test]
fn reverted_call_names_the_registry_custom_error() {
    let data = format!("0x{}", hex::encode(selector("NotIssuer()")));
    let url = mock_node(move |_, _| {
        Reply::Error(json!({"code": 3, "message": "execution reverted", "data": data}))
    });
    let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
    let err = roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap_err();
    assert_eq!(
        err.revert().and_then(|r| r.custom_name()),
        Some("NotIssuer"),
        "{err}"
    );
    assert!(
        err.to_string().contains("custom error NotIssuer()"),
        "{err}"
    );
}

#[test]
fn error_declared_by_both_contracts_is_read_as_the_called_one() {
    // Code everywhere; every other request reverts with `NotOwner()`, which the registry and the
    // presentation contract both declare.
    let data = format!("0x{}", hex::encode(selector("NotOwner()")));
    let url = mock_node(move |method, _| match method {
        "eth_getCode" => Reply::Result(json!("0x6001")),
        _ => Reply::Error(json!({"code": 3, "message": "execution reverted", "data": data})),
    });
    let client = Client::with_options(&url, fast()).unwrap();
    // A development key (anvil's first account); nothing is signed for a real chain.
    let signer =
        SignerKey::from_hex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap();
    let err = client
        .set_issuer(&signer, registry(), Address::repeat_byte(1), false)
        .unwrap_err();
    assert_eq!(
        err.revert(),
        Some(&Revert::Registry(ZkhRegistryErrors::NotOwner(
            ZkhRegistry::NotOwner {}
        ))),
        "{err}"
    );
    let err = client
        .accept_policy(&signer, registry(), &Fr::from(5u8), false)
        .unwrap_err();
    assert_eq!(
        err.revert(),
        Some(&Revert::Presentation(ZkhPresentationErrors::NotOwner(
            ZkhPresentation::NotOwner {}
        ))),
        "{err}"
    );
    assert!(err.to_string().contains("custom error NotOwner()"), "{err}");
}

#[test]
fn node_errors_and_http_errors_are_typed() {
    let url = mock_node(|_, _| {
        Reply::Error(json!({"code": -32601, "message": "the method eth_call does not exist"}))
    });
    let err = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast())
        .unwrap()
        .is_accepted_at(&Fr::from(1u8), 1_000)
        .unwrap_err();
    assert!(
        matches!(&err, RpcError::Node { code: -32601, message, .. } if message.contains("does not exist")),
        "{err}"
    );

    let url = mock_node(|_, _| Reply::Http(502, "bad gateway"));
    let err = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast())
        .unwrap()
        .is_accepted_at(&Fr::from(1u8), 1_000)
        .unwrap_err();
    assert!(
        matches!(&err, RpcError::Unreachable { reason, .. } if reason.contains("502")),
        "{err}"
    );
}

#[test]
fn blocking_client_refuses_to_run_inside_an_async_runtime() {
    let url = mock_node(|_, _| Reply::Result(word(U256::from(1u8))));
    let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = runtime
        .block_on(async { roots.is_accepted_at(&Fr::from(1u8), 1_000) })
        .unwrap_err();
    assert!(matches!(err, RpcError::InsideAsyncRuntime), "{err}");
    // Outside it, the same source answers.
    assert!(roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap());
    // Made and dropped inside an async context: no panic either.
    runtime.block_on(async {
        let inner = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
        assert!(matches!(
            inner.is_accepted_at(&Fr::from(1u8), 1_000),
            Err(RpcError::InsideAsyncRuntime)
        ));
        drop(inner);
        drop(roots);
    });
}

#[test]
fn invalid_urls_are_refused_before_any_request() {
    for bad in ["ftp://127.0.0.1:1", "127.0.0.1:8545", "http://", ""] {
        assert!(
            matches!(
                EvmRoots::new(bad, registry(), CHAIN_ID),
                Err(RpcError::InvalidUrl { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_node_on_another_chain_is_refused_and_the_chain_is_asked_once() {
    let url = mock_node_on(1, |_, _| Reply::Result(word(U256::from(1u8))));
    let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
    let err = roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::WrongChain {
                expected: CHAIN_ID,
                got: 1,
                ..
            }
        ),
        "{err}"
    );
    // Through the verifier's trait: a verifier-side error, never "accepted".
    let err = roots.is_accepted(&Fr::from(1u8), 1_000).unwrap_err();
    assert_eq!(err.class(), ErrorClass::Verifier);

    let methods = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&methods);
    let url = mock_node(move |method, _| {
        log.lock().unwrap().push(method.into());
        Reply::Result(word(U256::from(1u8)))
    });
    // The chain id is answered by the wrapper; count it separately.
    let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast()).unwrap();
    for _ in 0..3 {
        assert!(roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap());
    }
    assert_eq!(methods.lock().unwrap().as_slice(), ["eth_call"; 3]);
}

#[test]
fn reads_at_the_chosen_block() {
    let blocks = Arc::new(Mutex::new(Vec::<Value>::new()));
    let log = Arc::clone(&blocks);
    let url = mock_node(move |method, params| match method {
        "eth_blockNumber" => Reply::Result(json!("0x64")),
        "eth_call" => {
            log.lock().unwrap().push(params[1].clone());
            Reply::Result(word(U256::from(1u8)))
        }
        other => panic!("unexpected {other}"),
    });
    for read_at in [
        ReadAt::Latest,
        ReadAt::Safe,
        ReadAt::Finalized,
        ReadAt::Confirmations(12),
        ReadAt::Confirmations(1_000),
    ] {
        let roots = EvmRoots::with_options(&url, registry(), CHAIN_ID, fast())
            .unwrap()
            .read_at(read_at);
        assert_eq!(roots.reads_at(), read_at);
        assert!(roots.is_accepted_at(&Fr::from(1u8), 1_000).unwrap());
    }
    assert_eq!(
        blocks.lock().unwrap().as_slice(),
        [
            json!("latest"),
            json!("safe"),
            json!("finalized"),
            // 100 - 12, and never below the genesis block.
            json!("0x58"),
            json!("0x0"),
        ]
    );
}
