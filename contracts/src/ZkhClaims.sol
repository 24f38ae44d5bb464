// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ClaimGroth16Verifier} from "ClaimGroth16Verifier.sol";
import {IZkhRootRegistry} from "ZkhPresentation.sol";

/// @title ZkhClaims
/// @notice An insurer's claims contract: checks a zkhealth claim (a coverage credential and a
///         treatment record of one holder, proven together) in one call: the Groth16 proof (the
///         claim circuit's verifier, inherited, holding one verifying key in immutables), the
///         coverage root against the insurer's registry and the treatment root against the
///         provider registry, the accepted policy and the amount it discloses, the caller-bound
///         challenge, the date, the scope and the claim nullifier, which it then records: each
///         treatment is paid once.
/// @dev Compiled once; a deployment for a verifying key appends the key to the constructor
///      arguments (see `ClaimGroth16Verifier`'s constructor).
///
///      Public inputs, read by name (`INPUT_*`, `IC_*`: see `ClaimGroth16Verifier`, rendered from
///      the claim statement type), in circuit order [root_coverage, root_treatment, today,
///      challenge, scope, nullifier, query_hash]:
///      - root_coverage: accepted by `insurerRegistry` at `block.timestamp`; root_treatment:
///        accepted by `providerRegistry` (ZkhRegistry's freshness rule each). Each root is
///        checked against its own registry only: a root of the provider registry given as the
///        coverage root is refused, and the circuit opens each credential under its own root;
///      - today: the block's UTC day (days since 1900-01-01), or the day after it for a policy
///        the owner accepted as admitting a later day, as in `ZkhPresentation`;
///      - challenge: `keccak256(abi.encode(block.chainid, address(this), msg.sender, context))
///        mod r`, as in `ZkhPresentation` (a contract submitting for others passes the user it
///        acts for as `context`);
///      - scope: this contract's `scope`, derived at deployment from the chain, this contract's
///        address and `scopeEvent`, as in `ZkhPresentation`; the claim nullifier is the
///        treatment's in this scope, whoever submits it and whatever the proof's randomness;
///      - nullifier: never seen here before; recorded on success (a second claim of the same
///        treatment reverts with `NullifierAlreadyUsed`);
///      - query_hash: an accepted claim policy, which also fixes the disclosed amount.
///
///      The amount. A claim discloses the treatment's amount, and the circuit binds disclosed
///      values through the query hash only: `query_hash = H(H_query(coverage policy),
///      H_query(treatment policy, amount))`, Poseidon hashes this contract cannot recompute at
///      a reasonable cost. So the binding is the acceptance itself: the owner accepts one query
///      hash per (coverage policy, treatment policy, amount), computed off chain
///      (`zkhealth_evm::accepted_claim_policy`), and stores the amount with it. A claim carries
///      its amount in calldata; it must be the amount accepted with its query hash
///      (`AmountNotAccepted` otherwise), and the proof, which is for that query hash, shows that
///      the treatment record holds exactly that amount. An insurer thus accepts a schedule of
///      amounts (a tariff per policy); a claim of an amount not in it is refused as
///      `PolicyNotAccepted`. The coverage policy discloses nothing here.
///
///      Accepting a policy stores `IC_0 + scope * IC_scope + queryHash * IC_query_hash`, the part
///      of the input combination that is constant per (contract, policy), so a claim pays five
///      scalar multiplications instead of seven. The only external calls are the two registry
///      view calls (STATICCALL), made before any state change; everything else is precompiles.
///      Ownership moves in two steps: `transferOwnership` names a pending owner, who takes over
///      with `acceptOwnership`.
contract ZkhClaims is ClaimGroth16Verifier {
    /// @dev Calldata of `submitClaim`: selector, 8 proof words, the public inputs, the amount,
    ///      the context.
    uint256 private constant CALLDATA_LENGTH = 4 + 32 * (8 + NUM_INPUTS + 2);
    /// @dev Days from 1900-01-01 to 1970-01-01.
    uint256 private constant DAYS_1900_TO_1970 = 25567;

    /// @notice The insurer's registry, whose roots the coverage credential is proven under.
    IZkhRootRegistry public immutable insurerRegistry;
    /// @notice The provider registry, whose roots the treatment record is proven under.
    IZkhRootRegistry public immutable providerRegistry;
    /// @notice The event this contract's claim nullifiers are scoped to (a code as a 32-byte
    ///         word).
    bytes32 public immutable scopeEvent;
    /// @notice The claim scope: `uint256(keccak256(abi.encode(block.chainid, address(this),
    ///         scopeEvent))) % r`, fixed at deployment.
    uint256 public immutable scope;
    /// @notice Who manages the accepted claim policies.
    address public owner;
    /// @notice The address that may accept ownership (0 if no transfer is pending).
    address public pendingOwner;

    /// @dev An accepted claim policy: the constant part of the input combination, then the
    ///      amount it discloses and whether it admits the day after the block's (one slot).
    struct ClaimPolicy {
        uint256 x;
        uint256 y;
        uint64 amount;
        bool admitsLaterDay;
    }

    /// @dev query hash => its accepted policy; x = y = 0 if not accepted.
    mapping(uint256 => ClaimPolicy) private _policy;
    /// @dev nullifier => used.
    mapping(uint256 => bool) private _nullifierUsed;

    /// @notice A claim was accepted and its nullifier recorded: the treatment is paid `amount`.
    event ClaimAccepted(
        uint256 indexed nullifier,
        address indexed sender,
        uint256 indexed queryHash,
        uint256 amount,
        bytes32 context
    );
    /// @notice The owner accepted a claim policy (by its query hash) with the amount it
    ///         discloses, admitting the day after the block's or not.
    event ClaimPolicyAccepted(uint256 indexed queryHash, uint64 amount, bool admitsLaterDay);
    /// @notice The owner withdrew a claim policy.
    event ClaimPolicyRevoked(uint256 indexed queryHash);
    /// @notice The owner named a pending owner (`newOwner` 0: the pending transfer is cancelled).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice The owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner.
    error NotOwner();
    /// @notice The caller is not the pending owner.
    error NotPendingOwner();
    /// @notice The zero address cannot be a registry.
    error ZeroAddress();
    /// @notice The query hash is not below the scalar field modulus.
    error QueryHashOutOfField(uint256 queryHash);
    /// @notice The policy's constant point is the point at infinity (never for a real key).
    error DegeneratePolicy(uint256 queryHash);
    /// @notice Calldata of `submitClaim` must be exactly `expected` bytes.
    error MalformedCalldata(uint256 length, uint256 expected);
    /// @notice The claim's query hash is not one of the accepted claim policies.
    error PolicyNotAccepted(uint256 queryHash);
    /// @notice The claimed amount is not the amount accepted with the claim's query hash.
    error AmountNotAccepted(uint256 queryHash, uint256 presented, uint256 accepted);
    /// @notice The claim's scope is not this contract's.
    error WrongScope(uint256 presented, uint256 expected);
    /// @notice The challenge is not the one bound to this caller, context, contract and chain.
    error WrongChallenge(uint256 presented, uint256 expected);
    /// @notice The claim's day is not the block's day (nor, for a policy admitting a later day,
    ///         the next one).
    error DayNotToday(uint256 presented, uint256 blockDay);
    /// @notice The nullifier was used before: this treatment was claimed here already.
    error NullifierAlreadyUsed(uint256 nullifier);
    /// @notice The insurer's registry does not accept the coverage root now.
    error CoverageRootNotAccepted(uint256 root);
    /// @notice The provider registry does not accept the treatment root now.
    error TreatmentRootNotAccepted(uint256 root);
    /// @notice The proof does not verify for these public inputs.
    error InvalidProof();

    /// @param insurerRegistry_ the ZkhRegistry of the insurer (coverage credentials)
    /// @param providerRegistry_ the ZkhRegistry of the providers (treatment records)
    /// @param event_ the event the claim nullifiers are scoped to (a code as a 32-byte word)
    /// @param keyId the verifying key's id (see `ClaimGroth16Verifier`)
    /// @param negAlpha -alpha of the verifying key
    /// @param beta beta of the verifying key
    /// @param negGamma -gamma of the verifying key
    /// @param negDelta -delta of the verifying key
    /// @param ic IC_0..IC_n of the verifying key
    constructor(
        IZkhRootRegistry insurerRegistry_,
        IZkhRootRegistry providerRegistry_,
        bytes32 event_,
        bytes32 keyId,
        uint256[2] memory negAlpha,
        uint256[4] memory beta,
        uint256[4] memory negGamma,
        uint256[4] memory negDelta,
        uint256[IC_WORDS] memory ic
    ) ClaimGroth16Verifier(keyId, negAlpha, beta, negGamma, negDelta, ic) {
        if (address(insurerRegistry_) == address(0) || address(providerRegistry_) == address(0)) {
            revert ZeroAddress();
        }
        insurerRegistry = insurerRegistry_;
        providerRegistry = providerRegistry_;
        scopeEvent = event_;
        scope = uint256(keccak256(abi.encode(block.chainid, address(this), event_)))
            % SCALAR_MODULUS;
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    // -----------------------------------------------------------------------------------------
    // Claims
    // -----------------------------------------------------------------------------------------

    /// @notice Checks a claim made for the caller and `context`, records its nullifier and
    ///         emits `ClaimAccepted` with the amount; reverts with the reason otherwise.
    /// @param proof [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]
    /// @param input [rootCoverage, rootTreatment, day, challenge, scope, nullifier, queryHash]
    /// @param amount the treatment's amount the claim discloses (in the currency's minor unit)
    /// @param context what the challenge binds besides the caller: 0 for a holder calling
    ///        directly; the end user for a contract calling on someone's behalf
    function submitClaim(
        uint256[8] calldata proof,
        uint256[NUM_INPUTS] calldata input,
        uint256 amount,
        bytes32 context
    ) external {
        if (msg.data.length != CALLDATA_LENGTH) {
            revert MalformedCalldata(msg.data.length, CALLDATA_LENGTH);
        }
        _checkProofWords(proof);
        for (uint256 i = 0; i < NUM_INPUTS; ++i) {
            if (input[i] >= SCALAR_MODULUS) revert PublicInputOutOfField(i, input[i]);
        }
        (uint256 kx, uint256 ky) = _checkClaim(input, amount, context);

        // L = (IC_0 + scope * IC_scope + queryHash * IC_query_hash) + the inputs that vary.
        uint256 m = _startInputPoint(kx, ky);
        _addToInputPoint(m, IC_ROOT_COVERAGE_X, IC_ROOT_COVERAGE_Y, input[INPUT_ROOT_COVERAGE]);
        _addToInputPoint(
            m, IC_ROOT_TREATMENT_X, IC_ROOT_TREATMENT_Y, input[INPUT_ROOT_TREATMENT]
        );
        _addToInputPoint(m, IC_TODAY_X, IC_TODAY_Y, input[INPUT_TODAY]);
        _addToInputPoint(m, IC_CHALLENGE_X, IC_CHALLENGE_Y, input[INPUT_CHALLENGE]);
        _addToInputPoint(m, IC_NULLIFIER_X, IC_NULLIFIER_Y, input[INPUT_NULLIFIER]);
        if (!_pairingCheck(proof, m)) revert InvalidProof();

        uint256 nullifier = input[INPUT_NULLIFIER];
        _nullifierUsed[nullifier] = true;
        emit ClaimAccepted(nullifier, msg.sender, input[INPUT_QUERY_HASH], amount, context);
    }

    /// @notice The challenge a claim sent by `sender` with `context` must carry:
    ///         `uint256(keccak256(abi.encode(block.chainid, address(this), sender, context))) % r`.
    function challengeFor(address sender, bytes32 context) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), sender, context)))
            % SCALAR_MODULUS;
    }

    /// @notice Whether `nullifier` was used in an accepted claim (its treatment was claimed).
    function isNullifierUsed(uint256 nullifier) external view returns (bool) {
        return _nullifierUsed[nullifier];
    }

    /// @notice Whether claims with this query hash are accepted, and the amount they disclose.
    function acceptedClaimPolicy(uint256 queryHash)
        external
        view
        returns (bool accepted, uint64 amount, bool admitsLaterDay)
    {
        ClaimPolicy storage policy = _policy[queryHash];
        return (policy.x != 0 || policy.y != 0, policy.amount, policy.admitsLaterDay);
    }

    /// @dev Every check of a claim but the proof's, in order: scope, policy, amount, challenge,
    ///      day, nullifier, then the coverage root and the treatment root (the only external
    ///      calls). Returns the accepted policy's constant point.
    function _checkClaim(uint256[NUM_INPUTS] calldata input, uint256 amount, bytes32 context)
        private
        view
        returns (uint256 kx, uint256 ky)
    {
        uint256 queryHash = input[INPUT_QUERY_HASH];
        if (input[INPUT_SCOPE] != scope) revert WrongScope(input[INPUT_SCOPE], scope);
        ClaimPolicy storage policy = _policy[queryHash];
        kx = policy.x;
        ky = policy.y;
        if (kx == 0 && ky == 0) revert PolicyNotAccepted(queryHash);
        uint64 accepted = policy.amount;
        bool admitsLaterDay = policy.admitsLaterDay;
        if (amount != accepted) revert AmountNotAccepted(queryHash, amount, accepted);
        uint256 expectedChallenge = challengeFor(msg.sender, context);
        if (input[INPUT_CHALLENGE] != expectedChallenge) {
            revert WrongChallenge(input[INPUT_CHALLENGE], expectedChallenge);
        }
        _checkDay(input[INPUT_TODAY], admitsLaterDay);
        uint256 nullifier = input[INPUT_NULLIFIER];
        if (_nullifierUsed[nullifier]) revert NullifierAlreadyUsed(nullifier);
        uint256 rootCoverage = input[INPUT_ROOT_COVERAGE];
        if (!insurerRegistry.isAcceptedRoot(rootCoverage)) {
            revert CoverageRootNotAccepted(rootCoverage);
        }
        uint256 rootTreatment = input[INPUT_ROOT_TREATMENT];
        if (!providerRegistry.isAcceptedRoot(rootTreatment)) {
            revert TreatmentRootNotAccepted(rootTreatment);
        }
    }

    /// @dev `day` must be the block's day, or the next one if the policy admits a later day.
    function _checkDay(uint256 day, bool admitsLaterDay) private view {
        uint256 blockDay = block.timestamp / 86400 + DAYS_1900_TO_1970;
        if (day != blockDay && !(day == blockDay + 1 && admitsLaterDay)) {
            revert DayNotToday(day, blockDay);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Administration
    // -----------------------------------------------------------------------------------------

    /// @notice Accepts claims with this query hash, paying `amount`. Only the owner.
    /// @param queryHash the claim query hash of (coverage policy, treatment policy disclosing the
    ///        amount, `amount`), computed off chain (`zkhealth_evm::accepted_claim_policy`)
    /// @param amount the amount the query hash commits to, emitted with each accepted claim
    /// @param admitsLaterDay whether a claim may carry the day after the block's: true only if
    ///        both policies' conditions are all at least as strict on a later day
    function acceptClaimPolicy(uint256 queryHash, uint64 amount, bool admitsLaterDay) external {
        if (msg.sender != owner) revert NotOwner();
        if (queryHash >= SCALAR_MODULUS) revert QueryHashOutOfField(queryHash);
        (uint256 x, uint256 y) =
            _mulAdd(IC_CONSTANT_X, IC_CONSTANT_Y, IC_SCOPE_X, IC_SCOPE_Y, scope);
        (x, y) = _mulAdd(x, y, IC_QUERY_HASH_X, IC_QUERY_HASH_Y, queryHash);
        if (x == 0 && y == 0) revert DegeneratePolicy(queryHash);
        _policy[queryHash] = ClaimPolicy(x, y, amount, admitsLaterDay);
        emit ClaimPolicyAccepted(queryHash, amount, admitsLaterDay);
    }

    /// @notice Stops accepting claims with this query hash. Only the owner.
    function revokeClaimPolicy(uint256 queryHash) external {
        if (msg.sender != owner) revert NotOwner();
        delete _policy[queryHash];
        emit ClaimPolicyRevoked(queryHash);
    }

    /// @notice Names `newOwner` as the pending owner, who takes over by calling
    ///         `acceptOwnership`; `newOwner` 0 cancels a pending transfer. Only the owner.
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
