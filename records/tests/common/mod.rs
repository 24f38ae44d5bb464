//! What the EU DCC tests share: the test suite's cases, read where they are.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;

/// `../shared/testdata/dgc/`.
pub fn dgc() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/dgc")
}

/// Every case of the suite, by its path below [`dgc`], in path order.
pub fn dgc_cases() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![dgc()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let name = path.strip_prefix(dgc()).unwrap().display().to_string();
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((name, serde_json::from_str(&text).unwrap()));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
