// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title ZkhRegistry
/// @notice The on-chain root history of a zkhealth issuer registry.
/// @dev The issuer publishes each new Merkle root of its registry. A root is accepted while it is
///      current and, once replaced, for `freshnessWindow` seconds counted from its replacement.
///
///      Acceptance is the rule of `RootHistory::is_accepted` in the Rust crate
///      `zkhealth-registry`, and only the *latest* publication of a root counts:
///      - a root never published, invalidated (`invalidateRoot`), or last published before
///        `minAcceptedEpoch` (an issuer rotation with `invalidatePrevious`) is never accepted;
///      - otherwise the current root is accepted at any time, and a replaced root iff
///        `publishedAt <= time < replacedAt + freshnessWindow` (its latest publication's times).
///
///      A root published before may be published again (a revocation of the most recently
///      added credential gives back the previous root exactly): it becomes current with a
///      fresh record that replaces its earlier one. Publishing the current root again is
///      refused (`RootIsCurrent`); an invalidated root is never published again
///      (`RootIsInvalidated`).
///
///      Every appointment of an issuer starts an epoch (`issuerEpoch`, 0 for the first issuer),
///      and each root records the epoch it was published in. Ownership moves in two steps:
///      `transferOwnership` names a pending owner, who takes over with `acceptOwnership`.
contract ZkhRegistry {
    /// @notice The BN254 scalar field modulus: every root is a field element below it.
    uint256 internal constant SCALAR_FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev The latest publication of a root, in one storage slot.
    struct RootRecord {
        uint64 publishedAt;
        uint64 replacedAt;
        uint64 epoch;
        bool published;
        bool replaced;
        bool invalidated;
    }

    /// @notice Emitted when `root` becomes the current root, replacing `previousRoot` (0 if there
    ///         was no current root).
    event RootPublished(uint256 indexed root, uint256 indexed previousRoot, uint64 publishedAt);
    /// @notice Emitted when the owner invalidates `root`; `wasCurrent` if it was the current root
    ///         (there is then no current root until the next publication).
    event RootInvalidated(uint256 indexed root, uint64 invalidatedAt, bool wasCurrent);
    /// @notice Emitted when the address allowed to publish roots changes; `epoch` is the new
    ///         issuer's epoch.
    event IssuerChanged(address indexed previousIssuer, address indexed newIssuer, uint64 epoch);
    /// @notice Emitted when an issuer rotation invalidates every root published before
    ///         `minAcceptedEpoch` (the current root included).
    event PreviousRootsInvalidated(uint64 minAcceptedEpoch);
    /// @notice Emitted when the owner names a pending owner (`newOwner` 0: the pending transfer
    ///         is cancelled).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Emitted when the owner (who appoints the issuer) changes.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the issuer.
    error NotIssuer();
    /// @notice The caller is not the owner.
    error NotOwner();
    /// @notice The caller is not the pending owner.
    error NotPendingOwner();
    /// @notice The root is not below the BN254 scalar field modulus.
    error RootOutOfField(uint256 root);
    /// @notice The root is the current root already.
    error RootIsCurrent(uint256 root);
    /// @notice The root was invalidated: it is never accepted or published again.
    error RootIsInvalidated(uint256 root);
    /// @notice The root was never published (only published roots can be invalidated).
    error RootNotPublished(uint256 root);
    /// @notice Zero is reserved for "no root" and is never the root of a registry.
    error ZeroRoot();
    /// @notice The zero address cannot be the issuer.
    error ZeroAddress();

    /// @notice How long, in seconds, a replaced root stays accepted after its replacement.
    uint64 public immutable freshnessWindow;

    /// @notice The address allowed to publish roots.
    address public issuer;
    /// @notice The current issuer's epoch: how many times an issuer was appointed after the
    ///         first. Each root records the epoch it was published in.
    uint64 public issuerEpoch;
    /// @notice Roots last published in an earlier epoch are not accepted.
    uint64 public minAcceptedEpoch;
    /// @notice The address allowed to change the issuer, invalidate roots and transfer ownership.
    address public owner;
    /// @notice The address that may accept ownership (0 if no transfer is pending).
    address public pendingOwner;

    uint256 private _currentRoot;
    mapping(uint256 => RootRecord) private _roots;

    /// @param issuer_ the address allowed to publish roots
    /// @param freshnessWindow_ seconds a replaced root stays accepted
    constructor(address issuer_, uint64 freshnessWindow_) {
        if (issuer_ == address(0)) revert ZeroAddress();
        freshnessWindow = freshnessWindow_;
        owner = msg.sender;
        issuer = issuer_;
        emit OwnershipTransferred(address(0), msg.sender);
        emit IssuerChanged(address(0), issuer_, 0);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    // -----------------------------------------------------------------------------------------
    // Roots
    // -----------------------------------------------------------------------------------------

    /// @notice Publishes `root` as the current root at `block.timestamp`, in the issuer's epoch;
    ///         the previous current root, if any, is marked replaced now. A root published
    ///         before gets a fresh record (its earlier publication no longer counts). Only the
    ///         issuer; never the current root again, never an invalidated root.
    function publishRoot(uint256 root) external {
        if (msg.sender != issuer) revert NotIssuer();
        if (root >= SCALAR_FIELD_MODULUS) revert RootOutOfField(root);
        if (root == 0) revert ZeroRoot();
        uint256 previous = _currentRoot;
        if (root == previous) revert RootIsCurrent(root);
        if (_roots[root].invalidated) revert RootIsInvalidated(root);
        uint64 nowTs = uint64(block.timestamp);
        if (previous != 0) {
            RootRecord storage p = _roots[previous];
            p.replacedAt = nowTs;
            p.replaced = true;
        }
        _roots[root] = RootRecord({
            publishedAt: nowTs,
            replacedAt: 0,
            epoch: issuerEpoch,
            published: true,
            replaced: false,
            invalidated: false
        });
        _currentRoot = root;
        emit RootPublished(root, previous, nowTs);
    }

    /// @notice Withdraws a published root: it is never accepted again and cannot be published
    ///         again. If it is the current root, there is no current root until the next
    ///         publication. Only the owner.
    function invalidateRoot(uint256 root) external onlyOwner {
        RootRecord storage r = _roots[root];
        if (!r.published) revert RootNotPublished(root);
        if (r.invalidated) revert RootIsInvalidated(root);
        r.invalidated = true;
        bool wasCurrent = root == _currentRoot;
        if (wasCurrent) _currentRoot = 0;
        emit RootInvalidated(root, uint64(block.timestamp), wasCurrent);
    }

    /// @notice The current root, 0 if there is none (before any publication, or after the
    ///         current root was invalidated, until the next publication).
    function currentRoot() external view returns (uint256) {
        return _currentRoot;
    }

    /// @notice The latest publication of `root`: when it was published and replaced (0 if not),
    ///         in which epoch, and whether it was invalidated. All zero if never published.
    function rootInfo(uint256 root)
        external
        view
        returns (
            uint64 publishedAt,
            uint64 replacedAt,
            uint64 epoch,
            bool published,
            bool replaced,
            bool invalidated
        )
    {
        RootRecord memory r = _roots[root];
        return (r.publishedAt, r.replacedAt, r.epoch, r.published, r.replaced, r.invalidated);
    }

    /// @notice Whether a proof against `root` is accepted now (at `block.timestamp`).
    function isAcceptedRoot(uint256 root) external view returns (bool) {
        return _isAccepted(root, block.timestamp);
    }

    /// @notice Whether a proof against `root` is accepted at `time` (unix seconds), by the
    ///         registry's present state (the latest publication of `root`, invalidations and
    ///         rotations so far).
    function isAcceptedRootAt(uint256 root, uint64 time) external view returns (bool) {
        return _isAccepted(root, time);
    }

    /// @dev A valid latest record that was never replaced is the current root's: any other
    ///      root stopped being current by a replacement, an invalidation or a rotation that
    ///      invalidated its epoch.
    function _isAccepted(uint256 root, uint256 time) private view returns (bool) {
        RootRecord memory r = _roots[root];
        if (!r.published || r.invalidated || r.epoch < minAcceptedEpoch) return false;
        if (!r.replaced) return true;
        return r.publishedAt <= time && time < uint256(r.replacedAt) + uint256(freshnessWindow);
    }

    // -----------------------------------------------------------------------------------------
    // Administration
    // -----------------------------------------------------------------------------------------

    /// @notice Appoints `newIssuer` as the address allowed to publish roots, starting a new
    ///         epoch. With `invalidatePrevious`, every root published before (by the previous
    ///         issuer and any earlier one, the current root included) is no longer accepted, and
    ///         there is no current root until the new issuer publishes. Only the owner.
    function setIssuer(address newIssuer, bool invalidatePrevious) external onlyOwner {
        if (newIssuer == address(0)) revert ZeroAddress();
        address previous = issuer;
        uint64 epoch = issuerEpoch + 1;
        issuer = newIssuer;
        issuerEpoch = epoch;
        emit IssuerChanged(previous, newIssuer, epoch);
        if (invalidatePrevious) {
            minAcceptedEpoch = epoch;
            _currentRoot = 0;
            emit PreviousRootsInvalidated(epoch);
        }
    }

    /// @notice Names `newOwner` as the pending owner, who takes over by calling
    ///         `acceptOwnership`; until then the owner keeps every right. `newOwner` 0 cancels a
    ///         pending transfer. Only the owner.
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    /// @notice Completes a transfer of ownership. Only the pending owner.
    function acceptOwnership() external {
        address newOwner = pendingOwner;
        if (msg.sender != newOwner) revert NotPendingOwner();
        address previous = owner;
        owner = newOwner;
        pendingOwner = address(0);
        emit OwnershipTransferred(previous, newOwner);
    }
}
