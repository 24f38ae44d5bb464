// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title ZkhRegistry
/// @notice The on-chain root history of a zkhealth issuer registry.
/// @dev The issuer publishes each new Merkle root of its registry. A root is accepted while it is
///      current and, once replaced, for `freshnessWindow` seconds counted from its replacement.
///      Acceptance matches `RootHistory::is_accepted` of the Rust crate `zkhealth-circuits`:
///      the current root always; a replaced root iff `publishedAt <= time < replacedAt + window`.
contract ZkhRegistry {
    /// @notice The BN254 scalar field modulus: every root is a field element below it.
    uint256 internal constant SCALAR_FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev One storage slot per root.
    struct RootRecord {
        uint64 publishedAt;
        uint64 replacedAt;
        bool published;
    }

    /// @notice Emitted when `root` becomes the current root, replacing `previousRoot` (0 if none).
    event RootPublished(uint256 indexed root, uint256 indexed previousRoot, uint64 publishedAt);
    /// @notice Emitted when the address allowed to publish roots changes.
    event IssuerChanged(address indexed previousIssuer, address indexed newIssuer);
    /// @notice Emitted when the owner (who appoints the issuer) changes.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the issuer.
    error NotIssuer();
    /// @notice The caller is not the owner.
    error NotOwner();
    /// @notice The root is not below the BN254 scalar field modulus.
    error RootOutOfField(uint256 root);
    /// @notice The root was published before (a registry's roots never repeat on chain).
    error RootAlreadyPublished(uint256 root);
    /// @notice Zero is reserved for "no root" and is never the root of a registry.
    error ZeroRoot();
    /// @notice The zero address cannot be the issuer or the owner.
    error ZeroAddress();

    /// @notice How long, in seconds, a replaced root stays accepted after its replacement.
    uint64 public immutable freshnessWindow;

    /// @notice The address allowed to publish roots.
    address public issuer;
    /// @notice The address allowed to change the issuer and to transfer ownership.
    address public owner;

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
        emit IssuerChanged(address(0), issuer_);
    }

    /// @notice Publishes `root` as the current root at `block.timestamp`; the previous current root
    ///         is marked replaced now. Only the issuer.
    function publishRoot(uint256 root) external {
        if (msg.sender != issuer) revert NotIssuer();
        if (root >= SCALAR_FIELD_MODULUS) revert RootOutOfField(root);
        if (root == 0) revert ZeroRoot();
        if (_roots[root].published) revert RootAlreadyPublished(root);
        uint64 nowTs = uint64(block.timestamp);
        uint256 previous = _currentRoot;
        if (previous != 0) {
            _roots[previous].replacedAt = nowTs;
        }
        _roots[root] = RootRecord({publishedAt: nowTs, replacedAt: 0, published: true});
        _currentRoot = root;
        emit RootPublished(root, previous, nowTs);
    }

    /// @notice The current root, 0 before any publication.
    function currentRoot() external view returns (uint256) {
        return _currentRoot;
    }

    /// @notice When `root` was published and replaced: (0, 0) if unknown, `replacedAt` 0 while current.
    function rootInfo(uint256 root) external view returns (uint64 publishedAt, uint64 replacedAt) {
        RootRecord memory r = _roots[root];
        return (r.publishedAt, r.replacedAt);
    }

    /// @notice Whether a proof against `root` is accepted now (at `block.timestamp`).
    function isAcceptedRoot(uint256 root) external view returns (bool) {
        return _isAccepted(root, block.timestamp);
    }

    /// @notice Whether a proof against `root` is accepted at `time` (unix seconds).
    function isAcceptedRootAt(uint256 root, uint64 time) external view returns (bool) {
        return _isAccepted(root, time);
    }

    /// @notice Appoints `newIssuer` as the address allowed to publish roots. Only the owner.
    function setIssuer(address newIssuer) external {
        if (msg.sender != owner) revert NotOwner();
        if (newIssuer == address(0)) revert ZeroAddress();
        address previous = issuer;
        issuer = newIssuer;
        emit IssuerChanged(previous, newIssuer);
    }

    /// @notice Hands ownership to `newOwner`. Only the owner.
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner();
        if (newOwner == address(0)) revert ZeroAddress();
        address previous = owner;
        owner = newOwner;
        emit OwnershipTransferred(previous, newOwner);
    }

    function _isAccepted(uint256 root, uint256 time) private view returns (bool) {
        RootRecord memory r = _roots[root];
        if (!r.published) return false;
        if (root == _currentRoot) return true;
        return r.publishedAt <= time && time < uint256(r.replacedAt) + uint256(freshnessWindow);
    }
}
