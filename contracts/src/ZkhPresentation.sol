// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Groth16Verifier} from "Groth16Verifier.sol";

/// @notice The part of ZkhRegistry a presentation check reads.
interface IZkhRootRegistry {
    /// @notice Whether a proof against `root` is accepted at `block.timestamp`.
    function isAcceptedRoot(uint256 root) external view returns (bool);
}

/// @title ZkhPresentation
/// @notice Checks a zkhealth presentation in one call: the Groth16 proof (the generic verifier,
///         inherited, holding one verifying key in immutables), the registry root, the policy,
///         the caller-bound challenge, the date, the scope and the nullifier, which it then
///         records.
/// @dev Compiled once; a deployment for a verifying key appends the key to the constructor
///      arguments (see `Groth16Verifier`'s constructor).
///
///      Public inputs, read by name (`INPUT_*`, `IC_*`: see `Groth16Verifier`, rendered from the
///      statement type), in circuit order [root, today, challenge, scope, nullifier,
///      query_hash]:
///      - root: accepted by `registry` at `block.timestamp` (ZkhRegistry's freshness rule);
///      - day: days since 1900-01-01, the block's UTC day (`block.timestamp / 86400 + 25567`),
///        or the day after it for a policy the owner accepted as admitting a later day (one
///        whose conditions are all at least as strict on a later day: no upper bound by the day;
///        `CompiledPolicy::admits_later_day` in Rust), so that a holder can prove before
///        midnight for a block mined after it. Never the day before: the expiry, and every lower
///        bound by the day, would then admit what the block's day refuses. (The circuit derives
///        the date's YYYYMMDD form from the day itself, so no input can disagree with it.);
///      - challenge: `keccak256(abi.encode(block.chainid, address(this), msg.sender, context))
///        mod r`, so a proof made for one caller, context, contract or chain fails for any other.
///        A contract that calls on behalf of someone (a gate, a relayer, an ERC-2771 forwarder)
///        is `msg.sender` for every user it serves: it must pass as `context` the user it acts
///        for (`bytes32(uint256(uint160(user)))`) or whatever its benefit depends on, or anyone
///        who copies a user's calldata can push it through that contract first and take the
///        benefit;
///      - scope: this contract's `scope`, derived at deployment from the chain, this contract's
///        address and `scopeEvent`, so that a holder recomputes it from the address it submits
///        to (`Scope::of_contract` in Rust) and no contract can ask for another's;
///      - nullifier: never seen here before; recorded on success;
///      - queryHash: a policy the owner accepted. Accepting a policy stores
///        `IC_0 + scope * IC_scope + queryHash * IC_queryHash`, the part of the input combination
///        that is constant per (contract, policy), so a presentation pays four scalar
///        multiplications instead of six.
///      The only external call is the registry view call (STATICCALL), made before any state
///      change; everything else is precompiles. Ownership moves in two steps:
///      `transferOwnership` names a pending owner, who takes over with `acceptOwnership`.
contract ZkhPresentation is Groth16Verifier {
    /// @dev Calldata of `verifyPresentation`: selector, 8 proof words, the public inputs, the
    ///      context.
    uint256 private constant CALLDATA_LENGTH = 4 + 32 * (8 + NUM_INPUTS + 1);
    /// @dev Days from 1900-01-01 to 1970-01-01.
    uint256 private constant DAYS_1900_TO_1970 = 25567;

    /// @notice The registry whose roots are accepted.
    IZkhRootRegistry public immutable registry;
    /// @notice The event this contract's nullifiers are scoped to (a code as a 32-byte word).
    bytes32 public immutable scopeEvent;
    /// @notice The nullifier scope every presentation here must use:
    ///         `uint256(keccak256(abi.encode(block.chainid, address(this), scopeEvent))) % r`,
    ///         fixed at deployment. Derived from the contract's own address, so no contract can
    ///         take another's scope: a holder derives it from the address it submits to.
    uint256 public immutable scope;
    /// @notice Who manages the accepted policies.
    address public owner;
    /// @notice The address that may accept ownership (0 if no transfer is pending).
    address public pendingOwner;

    struct G1Point {
        uint256 x;
        uint256 y;
    }

    /// @dev query hash => IC_0 + scope * IC_scope + queryHash * IC_query_hash; (0, 0) if not
    ///      accepted.
    mapping(uint256 => G1Point) private _policyPoint;
    /// @dev query hash => a presentation may carry the day after the block's (read only then).
    mapping(uint256 => bool) private _admitsLaterDay;
    /// @dev nullifier => used.
    mapping(uint256 => bool) private _nullifierUsed;

    /// @notice A presentation was accepted and its nullifier recorded.
    event PresentationVerified(
        uint256 indexed nullifier,
        address indexed sender,
        uint256 indexed queryHash,
        uint256 root,
        bytes32 context
    );
    /// @notice The owner accepted a policy (by its query hash), admitting the day after the
    ///         block's or not.
    event PolicyAccepted(uint256 indexed queryHash, bool admitsLaterDay);
    /// @notice The owner withdrew a policy.
    event PolicyRevoked(uint256 indexed queryHash);
    /// @notice The owner named a pending owner (`newOwner` 0: the pending transfer is cancelled).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice The owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner.
    error NotOwner();
    /// @notice The caller is not the pending owner.
    error NotPendingOwner();
    /// @notice The zero address cannot be the registry.
    error ZeroAddress();
    /// @notice The query hash is not below the scalar field modulus.
    error QueryHashOutOfField(uint256 queryHash);
    /// @notice The policy's constant point is the point at infinity (never for a real key).
    error DegeneratePolicy(uint256 queryHash);
    /// @notice Calldata of `verifyPresentation` must be exactly `expected` bytes.
    error MalformedCalldata(uint256 length, uint256 expected);
    /// @notice The presentation's query hash is not one of the accepted policies.
    error PolicyNotAccepted(uint256 queryHash);
    /// @notice The presentation's scope is not this contract's.
    error WrongScope(uint256 presented, uint256 expected);
    /// @notice The challenge is not the one bound to this caller, context, contract and chain.
    error WrongChallenge(uint256 presented, uint256 expected);
    /// @notice The presentation's day is not the block's day (nor, for a policy admitting a later
    ///         day, the next one).
    error DayNotToday(uint256 presented, uint256 blockDay);
    /// @notice The nullifier was used before.
    error NullifierAlreadyUsed(uint256 nullifier);
    /// @notice The registry does not accept the root now.
    error RootNotAccepted(uint256 root);
    /// @notice The proof does not verify for these public inputs.
    error InvalidProof();

    /// @param registry_ the ZkhRegistry whose roots are accepted
    /// @param event_ the event the nullifiers are scoped to (a code as a 32-byte word)
    /// @param keyId the verifying key's id (see `Groth16Verifier`)
    /// @param negAlpha -alpha of the verifying key
    /// @param beta beta of the verifying key
    /// @param negGamma -gamma of the verifying key
    /// @param negDelta -delta of the verifying key
    /// @param ic IC_0..IC_n of the verifying key
    constructor(
        IZkhRootRegistry registry_,
        bytes32 event_,
        bytes32 keyId,
        uint256[2] memory negAlpha,
        uint256[4] memory beta,
        uint256[4] memory negGamma,
        uint256[4] memory negDelta,
        uint256[IC_WORDS] memory ic
    ) Groth16Verifier(keyId, negAlpha, beta, negGamma, negDelta, ic) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
        scopeEvent = event_;
        scope = uint256(keccak256(abi.encode(block.chainid, address(this), event_))) % SCALAR_MODULUS;
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    // -----------------------------------------------------------------------------------------
    // Presentation
    // -----------------------------------------------------------------------------------------

    /// @notice Checks a presentation made for the caller and `context`, and records its
    ///         nullifier; reverts with the reason otherwise.
    /// @param proof [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]
    /// @param input [root, day, challenge, scope, nullifier, queryHash]
    /// @param context what the challenge binds besides the caller: 0 for a holder calling
    ///        directly; the end user (or the action) for a contract calling on someone's behalf
    function verifyPresentation(
        uint256[8] calldata proof,
        uint256[NUM_INPUTS] calldata input,
        bytes32 context
    ) external {
        if (msg.data.length != CALLDATA_LENGTH) {
            revert MalformedCalldata(msg.data.length, CALLDATA_LENGTH);
        }
        _checkProofWords(proof);
        for (uint256 i = 0; i < NUM_INPUTS; ++i) {
            if (input[i] >= SCALAR_MODULUS) revert PublicInputOutOfField(i, input[i]);
        }
        uint256 root = input[INPUT_ROOT];
        uint256 nullifier = input[INPUT_NULLIFIER];
        uint256 queryHash = input[INPUT_QUERY_HASH];

        if (input[INPUT_SCOPE] != scope) revert WrongScope(input[INPUT_SCOPE], scope);
        G1Point memory k = _policyPoint[queryHash];
        if (k.x == 0 && k.y == 0) revert PolicyNotAccepted(queryHash);
        uint256 expectedChallenge = challengeFor(msg.sender, context);
        if (input[INPUT_CHALLENGE] != expectedChallenge) {
            revert WrongChallenge(input[INPUT_CHALLENGE], expectedChallenge);
        }
        _checkDay(input[INPUT_TODAY], queryHash);
        if (_nullifierUsed[nullifier]) revert NullifierAlreadyUsed(nullifier);
        if (!registry.isAcceptedRoot(root)) revert RootNotAccepted(root);

        // L = (IC_0 + scope * IC_scope + queryHash * IC_query_hash) + the inputs that vary.
        uint256 m = _startInputPoint(k.x, k.y);
        _addToInputPoint(m, IC_ROOT_X, IC_ROOT_Y, root);
        _addToInputPoint(m, IC_TODAY_X, IC_TODAY_Y, input[INPUT_TODAY]);
        _addToInputPoint(m, IC_CHALLENGE_X, IC_CHALLENGE_Y, input[INPUT_CHALLENGE]);
        _addToInputPoint(m, IC_NULLIFIER_X, IC_NULLIFIER_Y, nullifier);
        if (!_pairingCheck(proof, m)) revert InvalidProof();

        _nullifierUsed[nullifier] = true;
        emit PresentationVerified(nullifier, msg.sender, queryHash, root, context);
    }

    /// @notice The challenge a presentation sent by `sender` with `context` must carry:
    ///         `uint256(keccak256(abi.encode(block.chainid, address(this), sender, context))) % r`.
    function challengeFor(address sender, bytes32 context) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), sender, context)))
            % SCALAR_MODULUS;
    }

    /// @notice Whether `nullifier` was used in an accepted presentation.
    function isNullifierUsed(uint256 nullifier) external view returns (bool) {
        return _nullifierUsed[nullifier];
    }

    /// @notice Whether presentations for the policy with this query hash are accepted.
    function isPolicyAccepted(uint256 queryHash) external view returns (bool) {
        G1Point memory k = _policyPoint[queryHash];
        return k.x != 0 || k.y != 0;
    }

    /// @dev `day` must be the block's day, or the next one if the policy admits a later day.
    function _checkDay(uint256 day, uint256 queryHash) private view {
        uint256 blockDay = block.timestamp / 86400 + DAYS_1900_TO_1970;
        if (day != blockDay && !(day == blockDay + 1 && _admitsLaterDay[queryHash])) {
            revert DayNotToday(day, blockDay);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Administration
    // -----------------------------------------------------------------------------------------

    /// @notice Accepts presentations of the policy with this query hash. Only the owner.
    /// @param admitsLaterDay whether a presentation may carry the day after the block's: true
    ///        only for a policy whose conditions are all at least as strict on a later day
    ///        (`zkhealth_evm::accepted_policy` computes it); otherwise presentations must carry
    ///        the block's day.
    function acceptPolicy(uint256 queryHash, bool admitsLaterDay) external {
        if (msg.sender != owner) revert NotOwner();
        if (queryHash >= SCALAR_MODULUS) revert QueryHashOutOfField(queryHash);
        (uint256 x, uint256 y) = _mulAdd(IC_CONSTANT_X, IC_CONSTANT_Y, IC_SCOPE_X, IC_SCOPE_Y, scope);
        (x, y) = _mulAdd(x, y, IC_QUERY_HASH_X, IC_QUERY_HASH_Y, queryHash);
        if (x == 0 && y == 0) revert DegeneratePolicy(queryHash);
        _policyPoint[queryHash] = G1Point(x, y);
        _admitsLaterDay[queryHash] = admitsLaterDay;
        emit PolicyAccepted(queryHash, admitsLaterDay);
    }

    /// @notice Stops accepting presentations of the policy with this query hash. Only the owner.
    function revokePolicy(uint256 queryHash) external {
        if (msg.sender != owner) revert NotOwner();
        delete _policyPoint[queryHash];
        delete _admitsLaterDay[queryHash];
        emit PolicyRevoked(queryHash);
    }

    /// @notice Names `newOwner` as the pending owner, who takes over by calling
    ///         `acceptOwnership`; until then the owner keeps every right. `newOwner` 0 cancels a
    ///         pending transfer. Only the owner.
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner();
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
