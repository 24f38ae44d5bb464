//! Registry database files: whatever the bytes, opening gives a store or an error, never a
//! panic that escapes. redb panics on some corrupted files; the store catches those at its
//! boundary and returns `StoreError::Corrupt`, so the panic hook lets exactly those through
//! (libFuzzer's hook aborts on any other panic, which is a finding).
#![no_main]

use std::{io::Write, sync::Once};

use libfuzzer_sys::fuzz_target;
use zkhealth_registry::store::{converting_panics, RegistryStore};

static HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !converting_panics() {
                fuzzer_hook(info);
            }
        }));
    });
    let dir = std::env::temp_dir();
    let path = dir.join(format!("zkhealth-fuzz-registry-{}.redb", std::process::id()));
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(data));
    if written.is_ok() {
        let _ = RegistryStore::open_read_only(&path);
        let _ = RegistryStore::open(&path);
    }
    let _ = std::fs::remove_file(&path);
});
