#![allow(missing_docs, clippy::unwrap_used)]
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let bytes = std::fs::read(&path).unwrap();
        let t_read = t.elapsed();
        let t2 = Instant::now();
        let payload = zkhealth_verifier::container::payload(
            zkhealth_verifier::container::Kind::ProvingArtifact,
            &bytes,
        )
        .unwrap();
        use sha2::Digest;
        let d = sha2::Sha256::digest(payload);
        let t_hash = t2.elapsed();
        let t3 = Instant::now();
        let id = zkhealth_prover::ArtifactId(d.into());
        let a = zkhealth_prover::ProvingArtifact::from_file_bytes_pinned(&bytes, &id).unwrap();
        let t_all = t3.elapsed();
        let t4 = Instant::now();
        let vk_bytes = a.verifying_key().to_file_bytes();
        let t5 = Instant::now();
        let _vk = zkhealth_verifier::VerifyingKey::from_file_bytes(&vk_bytes).unwrap();
        let t_vk = t5.elapsed();
        let _ = t4;
        println!(
            "read {:?} hash {:?} pinned load (hash+decode) {:?} vk decode {:?}",
            t_read, t_hash, t_all, t_vk
        );
    }
}
