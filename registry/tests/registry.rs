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
    let mut reg = Registry::new(10, w).unwrap();
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
    assert_eq!(path_json["siblings"][0][1], fr_to_hex(&path.siblings[0][1]));
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

// ---- republication, invalidation, issuer rotation ---------------------------------------------

#[test]
fn revoking_the_last_credential_republishes_the_previous_root() {
    let w = 600;
    let mut reg = Registry::new(8, w).unwrap();
    let leaves = random_leaves(2, 21);
    reg.append(leaves[0], 100).unwrap();
    let first = reg.root();
    reg.append(leaves[1], 200).unwrap();
    let second = reg.root();
    // Emptying the last leaf gives back the previous root exactly.
    reg.revoke(1, 1_000).unwrap();
    assert_eq!(reg.root(), first);
    let h = reg.history();
    assert_eq!(h.entries().len(), 3);
    assert_eq!(h.current(), Some(first));
    assert_eq!(h.entries()[1].replaced_at, Some(1_000));
    // The root with the revoked credential goes out of acceptance after the window; the
    // republished root is current again.
    assert!(reg.is_accepted(&second, 1_000 + w - 1));
    assert!(!reg.is_accepted(&second, 1_000 + w));
    assert!(reg.is_accepted(&first, u64::MAX));
    // The round trip through JSON keeps the repeated root.
    let json = serde_json::to_string(&reg).unwrap();
    assert_eq!(serde_json::from_str::<Registry>(&json).unwrap(), reg);
}

#[test]
fn only_the_latest_publication_of_a_root_counts() {
    let w = 100;
    let (a, b, c) = (Fr::from(1u8), Fr::from(2u8), Fr::from(3u8));
    let mut h = RootHistory::new(w);
    h.publish(a, 10).unwrap();
    h.publish(b, 20).unwrap();
    assert!(h.is_accepted(&a, 15));
    h.publish(a, 1_000).unwrap();
    assert_eq!(h.current(), Some(a));
    assert_eq!(h.latest_entry(&a).unwrap().published_at, 1_000);
    h.publish(c, 2_000).unwrap();
    // a's latest publication is [1000, 2000 + w): its first one ([10, 20 + w)) no longer counts.
    assert!(!h.is_accepted(&a, 15));
    assert!(!h.is_accepted(&a, 999));
    assert!(h.is_accepted(&a, 1_000));
    assert!(h.is_accepted(&a, 2_000 + w - 1));
    assert!(!h.is_accepted(&a, 2_000 + w));
    // b was replaced by a's republication.
    assert!(h.is_accepted(&b, 1_000 + w - 1));
    assert!(!h.is_accepted(&b, 1_000 + w));
    assert_eq!(h.entries().len(), 4);
}

#[test]
fn invalidated_root_is_never_accepted_nor_published_again() {
    let w = 100;
    let (a, b, c) = (Fr::from(1u8), Fr::from(2u8), Fr::from(3u8));
    let mut h = RootHistory::new(w);
    assert_eq!(
        h.invalidate(a, 5),
        Err(RegistryError::RootNotPublished { root: hex(1) })
    );
    h.publish(a, 10).unwrap();
    h.publish(b, 20).unwrap();
    // A replaced root within its window: refused from now on, at any time.
    assert!(h.is_accepted(&a, 30));
    h.invalidate(a, 30).unwrap();
    assert!(h.is_invalidated(&a));
    assert!(!h.is_accepted(&a, 30));
    assert!(!h.is_accepted(&a, 15));
    assert_eq!(h.current(), Some(b));
    assert_eq!(
        h.invalidate(a, 40),
        Err(RegistryError::RootInvalidated { root: hex(1) })
    );
    assert_eq!(
        h.publish(a, 40),
        Err(RegistryError::RootInvalidated { root: hex(1) })
    );
    // The current root: no current root until the next publication, which replaces nothing.
    h.invalidate(b, 50).unwrap();
    assert_eq!(h.current(), None);
    assert_eq!(h.last_published(), Some(b));
    assert!(!h.is_accepted(&b, 50));
    assert!(matches!(
        h.invalidate(c, 49),
        Err(RegistryError::TimeWentBack { at: 49, last: 50 })
    ));
    h.publish(c, 60).unwrap();
    assert_eq!(h.current(), Some(c));
    assert_eq!(h.entries()[1].replaced_at, None);
    assert_eq!(h.entries()[1].invalidated_at, Some(50));
    assert!(!h.is_accepted(&b, 60));
    let back: RootHistory = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    assert_eq!(back, h);
}

#[test]
fn issuer_rotation_starts_an_epoch_and_can_invalidate_every_earlier_root() {
    let w = 100;
    let (a, b, c) = (Fr::from(1u8), Fr::from(2u8), Fr::from(3u8));
    let mut h = RootHistory::new(w);
    h.publish(a, 10).unwrap();
    h.publish(b, 20).unwrap();
    assert_eq!(h.entries()[1].epoch, 0);
    // Without invalidation: roots keep their acceptance, new ones are in epoch 1.
    assert_eq!(h.rotate_issuer(30, false), Ok(1));
    assert_eq!((h.epoch(), h.min_accepted_epoch()), (1, 0));
    assert_eq!(h.current(), Some(b));
    assert!(h.is_accepted(&a, 30));
    h.publish(c, 40).unwrap();
    assert_eq!(h.entries()[2].epoch, 1);
    // With invalidation: every root published before, the current one included, is refused,
    // and there is no current root.
    assert!(matches!(
        h.rotate_issuer(39, true),
        Err(RegistryError::TimeWentBack { .. })
    ));
    assert_eq!(h.rotate_issuer(50, true), Ok(2));
    assert_eq!(h.min_accepted_epoch(), 2);
    assert_eq!(h.current(), None);
    for root in [a, b, c] {
        assert!(!h.is_accepted(&root, 50), "{root}");
    }
    // The new issuer publishes; an old root published again counts in its new epoch.
    h.publish(b, 60).unwrap();
    assert_eq!(h.current(), Some(b));
    assert_eq!(h.entries()[2].replaced_at, None);
    assert_eq!(h.entries()[3].epoch, 2);
    assert!(h.is_accepted(&b, 60));
    assert!(!h.is_accepted(&c, 60));
    h.publish(a, 70).unwrap();
    assert!(h.is_accepted(&b, 70 + w - 1));
    assert_eq!(h.rotations().len(), 2);
    let back: RootHistory = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    assert_eq!(back, h);
}

#[test]
fn registry_publishes_its_root_again_after_a_rotation_and_refuses_an_invalidated_one() {
    let mut reg = Registry::new(6, 60).unwrap();
    let leaves = random_leaves(2, 22);
    reg.append(leaves[0], 10).unwrap();
    let first = reg.root();
    assert_eq!(reg.publish_root(11), Ok(false));
    assert_eq!(reg.rotate_issuer(20, true), Ok(1));
    assert_eq!(reg.history().current(), None);
    assert!(!reg.is_accepted(&first, 20));
    assert_eq!(reg.publish_root(30), Ok(true));
    assert!(reg.is_accepted(&first, 30));
    assert_eq!(reg.history().entries().len(), 2);

    // Invalidating the tree's root: it cannot be published again, only a change gives a root.
    reg.append(leaves[1], 40).unwrap();
    reg.invalidate_root(first, 50).unwrap();
    reg.invalidate_root(reg.root(), 50).unwrap();
    assert_eq!(reg.history().current(), None);
    let snapshot = reg.clone();
    assert!(matches!(
        reg.publish_root(60),
        Err(RegistryError::RootInvalidated { .. })
    ));
    // Revoking leaf 1 would give back `first`, which was invalidated: refused, nothing changes.
    assert!(matches!(
        reg.revoke(1, 60),
        Err(RegistryError::RootInvalidated { .. })
    ));
    assert_eq!(reg, snapshot);
    reg.revoke(0, 60).unwrap();
    assert!(reg.is_accepted(&reg.root(), 60));
    let json = serde_json::to_string(&reg).unwrap();
    assert_eq!(serde_json::from_str::<Registry>(&json).unwrap(), reg);

    // A registry whose tree is not at the history's last published root, current or not.
    assert!(matches!(
        Registry::from_parts(MerkleTree::new(6).unwrap(), reg.history().clone()),
        Err(RegistryError::RootMismatch { .. })
    ));
}

#[test]
fn history_json_without_the_new_fields_still_decodes_and_is_still_written_so() {
    // A history as written before invalidations and rotations existed.
    let old = serde_json::json!({"window_secs": 60, "entries": [
        {"root": hex(1), "published_at": 10, "replaced_at": 20},
        {"root": hex(2), "published_at": 20, "replaced_at": null},
    ]});
    let h: RootHistory = serde_json::from_value(old.clone()).unwrap();
    assert_eq!(h.current(), Some(Fr::from(2u8)));
    assert_eq!((h.epoch(), h.entries()[0].epoch), (0, 0));
    // Without invalidations or rotations it is written exactly so, for readers that predate them.
    assert_eq!(serde_json::to_value(&h).unwrap(), old);
    let mut h = h;
    h.rotate_issuer(30, false).unwrap();
    h.publish(Fr::from(3u8), 40).unwrap();
    h.invalidate(Fr::from(1u8), 50).unwrap();
    let json = serde_json::to_value(&h).unwrap();
    assert_eq!(json["rotations"][0]["at"], 30);
    assert_eq!(json["entries"][2]["epoch"], 1);
    assert_eq!(json["entries"][0]["invalidated_at"], 50);
    assert_eq!(serde_json::from_value::<RootHistory>(json).unwrap(), h);
}

#[test]
fn malformed_invalidations_and_rotations_are_rejected() {
    let entry = |root: u64, published: u64, replaced: Option<u64>| serde_json::json!({"root": hex(root), "published_at": published, "replaced_at": replaced});
    let with = |mut e: serde_json::Value, key: &str, value: serde_json::Value| {
        e[key] = value;
        e
    };
    let rotation = |at: u64, invalidate: bool| serde_json::json!({"at": at, "invalidate_previous": invalidate});
    let cases: Vec<(&str, serde_json::Value, serde_json::Value)> = vec![
        (
            "an epoch without its rotation",
            serde_json::json!([with(entry(1, 10, None), "epoch", 1.into())]),
            serde_json::json!([]),
        ),
        (
            "epochs going back",
            serde_json::json!([
                with(entry(1, 10, Some(20)), "epoch", 1.into()),
                entry(2, 20, None)
            ]),
            serde_json::json!([rotation(5, false)]),
        ),
        (
            "a rotation after the first entry of its epoch",
            serde_json::json!([with(entry(1, 10, None), "epoch", 1.into())]),
            serde_json::json!([rotation(15, false)]),
        ),
        (
            "an entry not in the epoch of the rotation before it",
            serde_json::json!([entry(1, 10, None)]),
            serde_json::json!([rotation(5, false)]),
        ),
        (
            "an invalidation before the publication",
            serde_json::json!([with(entry(1, 10, None), "invalidated_at", 5.into())]),
            serde_json::json!([]),
        ),
        (
            "an invalidation on an earlier publication of a root",
            serde_json::json!([
                with(entry(1, 10, Some(20)), "invalidated_at", 30.into()),
                entry(2, 20, Some(40)),
                entry(1, 40, None)
            ]),
            serde_json::json!([]),
        ),
        (
            "a root published after its invalidation",
            serde_json::json!([
                with(entry(1, 10, None), "invalidated_at", 15.into()),
                entry(1, 20, None)
            ]),
            serde_json::json!([]),
        ),
        (
            "a current root invalidated, yet replaced",
            serde_json::json!([
                with(entry(1, 10, Some(20)), "invalidated_at", 15.into()),
                entry(2, 20, None)
            ]),
            serde_json::json!([]),
        ),
        (
            "a root that stopped being current for no reason",
            serde_json::json!([entry(1, 10, None), entry(2, 20, None)]),
            serde_json::json!([]),
        ),
        (
            "a root replaced although a rotation had invalidated it",
            serde_json::json!([
                entry(1, 10, Some(20)),
                with(entry(2, 20, None), "epoch", 1.into())
            ]),
            serde_json::json!([rotation(15, true)]),
        ),
    ];
    for (name, entries, rotations) in cases {
        let json =
            serde_json::json!({"window_secs": 60, "entries": entries, "rotations": rotations});
        let result = serde_json::from_value::<RootHistory>(json.clone());
        assert!(result.is_err(), "{name}: {json}");
    }
    // The valid neighbours of some of those cases decode.
    for (entries, rotations) in [
        (
            serde_json::json!([
                with(entry(1, 10, None), "invalidated_at", 15.into()),
                entry(2, 20, None)
            ]),
            serde_json::json!([]),
        ),
        (
            serde_json::json!([
                entry(1, 10, None),
                with(entry(2, 20, None), "epoch", 1.into())
            ]),
            serde_json::json!([rotation(15, true)]),
        ),
        (
            serde_json::json!([
                entry(1, 10, None),
                with(entry(1, 20, None), "epoch", 1.into())
            ]),
            serde_json::json!([rotation(10, true)]),
        ),
        (
            serde_json::json!([
                with(entry(1, 10, Some(20)), "invalidated_at", 20.into()),
                entry(2, 20, None)
            ]),
            serde_json::json!([]),
        ),
    ] {
        let json =
            serde_json::json!({"window_secs": 60, "entries": entries, "rotations": rotations});
        serde_json::from_value::<RootHistory>(json.clone())
            .unwrap_or_else(|e| panic!("{json}: {e}"));
    }
}
