//! The registry and its root history: publication, the freshness window, failed changes that
//! change nothing, and strict JSON decoding.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_std::UniformRand;
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{
    field::fr_to_hex,
    merkle::{MerklePath, MerkleTree, EMPTY_LEAF},
    Fr,
};
use zkhealth_registry::{Registry, RegistryError, RootHistory};

fn random_leaves(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

#[test]
fn history_accepts_replaced_root_until_window_ends() {
    let (t0, t, w) = (1_000, 5_000, 600);
    let (a, b) = (Fr::from(1u8), Fr::from(2u8));
    let mut h = RootHistory::new(w);
    assert_eq!(h.current(), None);
    h.publish(a, t0).unwrap();
    assert!(h.is_accepted(&a, t0));
    h.publish(b, t).unwrap();
    assert_eq!(h.current(), Some(b));
    assert_eq!(h.entries()[0].replaced_at, Some(t));
    assert!(h.is_accepted(&a, t));
    assert!(h.is_accepted(&a, t + w - 1));
    assert!(!h.is_accepted(&a, t + w));
    // Not accepted before it was published.
    assert!(!h.is_accepted(&a, t0 - 1));
    // The current root always is.
    assert!(h.is_accepted(&b, t + w));
    assert!(h.is_accepted(&b, u64::MAX));
    // A root never published is not.
    assert!(!h.is_accepted(&Fr::from(3u8), t));
    assert_eq!(h.window_secs(), w);
}

#[test]
fn history_window_does_not_overflow() {
    let mut h = RootHistory::new(u64::MAX);
    h.publish(Fr::from(1u8), 10).unwrap();
    h.publish(Fr::from(2u8), 20).unwrap();
    assert!(h.is_accepted(&Fr::from(1u8), u64::MAX - 1));
}

#[test]
fn history_refuses_time_going_back_and_ignores_republishing() {
    let mut h = RootHistory::new(60);
    h.publish(Fr::from(1u8), 100).unwrap();
    h.publish(Fr::from(1u8), 200).unwrap();
    assert_eq!(h.entries().len(), 1);
    assert!(matches!(
        h.publish(Fr::from(2u8), 99),
        Err(RegistryError::TimeWentBack { at: 99, last: 100 })
    ));
    h.publish(Fr::from(2u8), 100).unwrap();
    assert_eq!(h.entries().len(), 2);
}

#[test]
fn registry_publishes_every_change_and_revocation_expires() {
    let w = 3_600;
    let mut reg = Registry::new(20, w).unwrap();
    let leaves = random_leaves(3, 9);
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(reg.append(*leaf, 100 + i as u64).unwrap(), i as u64);
    }
    assert_eq!(reg.history().entries().len(), 3);
    assert_eq!(reg.history().current(), Some(reg.root()));
    let before = reg.root();
    let path = reg.path(1).unwrap();
    assert!(path.verify(&leaves[1], &before));

    reg.revoke(1, 1_000).unwrap();
    assert_eq!(reg.tree().leaf(1), Some(EMPTY_LEAF));
    assert!(reg.is_accepted(&reg.root(), 1_000));
    assert!(reg.is_accepted(&before, 1_000 + w - 1));
    assert!(!reg.is_accepted(&before, 1_000 + w));

    // A failed change leaves the registry as it was.
    let snapshot = reg.clone();
    assert!(reg.append(Fr::from(5u8), 999).is_err());
    assert!(reg.revoke(1, 2_000).is_err());
    assert!(reg.revoke(7, 2_000).is_err());
    assert_eq!(reg, snapshot);
    assert!(Registry::new(0, w).is_err());
}

#[test]
fn registry_extend_publishes_one_root() {
    let mut reg = Registry::new(8, 60).unwrap();
    reg.append(Fr::from(1u8), 10).unwrap();
    let first = reg.root();
    assert_eq!(reg.extend(&random_leaves(20, 14), 20).unwrap(), 1..21);
    assert_eq!(reg.history().entries().len(), 2);
    assert_eq!(reg.history().current(), Some(reg.root()));
    assert!(reg.is_accepted(&first, 79));
    assert!(!reg.is_accepted(&first, 80));
    let snapshot = reg.clone();
    assert!(reg.extend(&[Fr::from(3u8)], 19).is_err());
    assert!(reg.extend(&[EMPTY_LEAF], 30).is_err());
    assert_eq!(reg, snapshot);
}

#[test]
fn registry_from_parts_checks_the_current_root() {
    let mut reg = Registry::new(4, 60).unwrap();
    reg.append(Fr::from(1u8), 1).unwrap();
    let rebuilt = Registry::from_parts(reg.tree().clone(), reg.history().clone()).unwrap();
    assert_eq!(rebuilt, reg);
    let other = MerkleTree::new(4).unwrap();
    assert!(matches!(
        Registry::from_parts(other, reg.history().clone()),
        Err(RegistryError::RootMismatch { .. })
    ));
}

#[test]
fn serde_round_trips() {
    let mut reg = Registry::new(5, 60).unwrap();
    for (i, leaf) in random_leaves(7, 10).into_iter().enumerate() {
        reg.append(leaf, i as u64 * 10).unwrap();
    }
    reg.revoke(3, 100).unwrap();

    let json = serde_json::to_string(&reg).unwrap();
    assert_eq!(serde_json::from_str::<Registry>(&json).unwrap(), reg);

    let tree_json = serde_json::to_value(reg.tree()).unwrap();
    assert_eq!(tree_json["depth"], 5);
    assert_eq!(tree_json["leaves"].as_array().unwrap().len(), 7);
    let tree: MerkleTree = serde_json::from_value(tree_json).unwrap();
    assert_eq!(&tree, reg.tree());

    let path = reg.path(4).unwrap();
    let path_json = serde_json::to_value(&path).unwrap();
    assert_eq!(path_json["index"], 4);
    assert_eq!(path_json["siblings"][0], fr_to_hex(&path.siblings[0]));
    assert_eq!(
        serde_json::from_value::<MerklePath>(path_json).unwrap(),
        path
    );

    let history: RootHistory =
        serde_json::from_str(&serde_json::to_string(reg.history()).unwrap()).unwrap();
    assert_eq!(&history, reg.history());
}
#[test]
fn malformed_history_and_registry_json_are_rejected() {
    let entry = |root: u64, published: u64, replaced: Option<u64>| serde_json::json!({"root": hex(root), "published_at": published, "replaced_at": replaced});
    for entries in [
        // Replaced at a time other than the next publication.
        vec![entry(1, 10, Some(15)), entry(2, 20, None)],
        // Replaced before it was published.
        vec![entry(1, 10, Some(5)), entry(2, 5, None)],
        // A replaced root without a replacement time, and a current root with one.
        vec![entry(1, 10, None), entry(2, 20, None)],
        vec![entry(1, 10, Some(20))],
        // The same root twice in a row.
        vec![entry(1, 10, Some(20)), entry(1, 20, None)],
    ] {
        let json = serde_json::json!({"window_secs": 60, "entries": entries});
        assert!(
            serde_json::from_value::<RootHistory>(json.clone()).is_err(),
            "{json}"
        );
    }
    let bad_root = serde_json::json!({"window_secs": 60, "entries": [
        {"root": "0x01", "published_at": 1, "replaced_at": null}
    ]});
    assert!(serde_json::from_value::<RootHistory>(bad_root).is_err());

    // A registry whose history does not end at the tree's root.
    let tree = MerkleTree::from_leaves(3, &[Fr::from(1u8)]).unwrap();
    let json = serde_json::json!({
        "tree": tree,
        "history": {"window_secs": 60, "entries": [entry(5, 1, None)]},
    });
    assert!(serde_json::from_value::<Registry>(json).is_err());
}

#[test]
fn prepared_changes_touch_nothing_and_stale_ones_are_refused() {
    let mut reg = Registry::new(4, 60).unwrap();
    reg.append(Fr::from(1u8), 10).unwrap();
    let snapshot = reg.clone();
    let first = reg.prepare_append(Fr::from(2u8), 20).unwrap();
    let second = reg.prepare_append(Fr::from(3u8), 20).unwrap();
    assert_eq!(reg, snapshot);
    assert_eq!((first.index, second.index), (1, 1));
    reg.apply(&first).unwrap();
    assert_eq!(reg.root(), first.root);
    // Prepared on the state before `first`: it would overwrite leaf 1's slot.
    assert_eq!(
        reg.apply(&second),
        Err(RegistryError::StaleChange { index: 1 })
    );
    let revoke = reg.prepare_revoke(0, 30).unwrap();
    assert_eq!(revoke.leaf, EMPTY_LEAF);
    assert_eq!(revoke.entries.len(), 2);
    reg.apply(&revoke).unwrap();
    assert_eq!(reg.tree().leaf(0), Some(EMPTY_LEAF));
    assert!(matches!(
        reg.prepare_revoke(0, 40),
        Err(RegistryError::Tree(_))
    ));
    assert_eq!(
        reg.path(2),
        Err(RegistryError::NotAppended { index: 2, len: 2 })
    );
}

fn hex(x: u64) -> String {
    fr_to_hex(&Fr::from(x))
}
