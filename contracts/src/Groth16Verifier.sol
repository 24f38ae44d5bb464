// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by zkhealth-evm from contracts/templates/Groth16Verifier.sol.in and the statement's
// public inputs (`cargo run -p zkhealth-evm --example render_verifier`);
// edit the template, not this file.
pragma solidity ^0.8.24;

/// @title Groth16 verifier of the zkhealth presentation circuit
/// @notice Groth16 verifier over BN254 for one zkhealth circuit (its statement's inputs are
///         listed below). One compiled contract serves every verifying key of the circuit: the
///         key is given to the constructor and kept in immutables, so deploying a verifier for a
///         new key needs no compiler.
/// @dev With the key (alpha, beta, gamma, delta, IC_0..IC_n) and the public inputs x_1..x_n, a proof
///      (A, B, C) is valid iff
///
///          e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta),   L = IC_0 + sum_i x_i * IC_i,
///
///      checked here as one product of four pairings equal to one, with the constant points
///      negated by the deployer (zkhealth-evm does it in Rust before deployment):
///
///          e(A, B) * e(-alpha, beta) * e(L, -gamma) * e(C, -delta) = 1.
///
///      L is computed with the ECMUL (0x07) and ECADD (0x06) precompiles, the product with the
///      pairing precompile (0x08). Words: G1 points are (x, y); G2 points are (x.c1, x.c0, y.c1,
///      y.c0), the order the pairing precompile reads. A proof is the eight words
///      [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y].
///      The public inputs, in circuit order (the statement type's):
///      root, today, challenge, scope, nullifier, query_hash.
contract Groth16Verifier {
    /// @notice The BN254 scalar field modulus: public inputs are below it.
    uint256 internal constant SCALAR_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice The BN254 base field modulus: proof coordinates are below it.
    uint256 internal constant BASE_MODULUS =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @notice The number of public inputs (the statement's; `PublicInputs::NUM_INPUTS` in Rust).
    uint256 internal constant NUM_INPUTS = 6;
    // The position of each public input in `input`, by the statement's input names.
    uint256 internal constant INPUT_ROOT = 0;
    uint256 internal constant INPUT_TODAY = 1;
    uint256 internal constant INPUT_CHALLENGE = 2;
    uint256 internal constant INPUT_SCOPE = 3;
    uint256 internal constant INPUT_NULLIFIER = 4;
    uint256 internal constant INPUT_QUERY_HASH = 5;
    /// @notice The words of the input points IC_0..IC_n: (x, y) each.
    uint256 internal constant IC_WORDS = 2 * (NUM_INPUTS + 1);

    /// @notice The id of the verifying key (SHA-256 of its canonical encoding), as the deployer
    ///         stated it.
    bytes32 public immutable VERIFYING_KEY_ID;

    // -alpha (G1)
    uint256 internal immutable NEG_ALPHA_X;
    uint256 internal immutable NEG_ALPHA_Y;
    // beta (G2)
    uint256 internal immutable BETA_X1;
    uint256 internal immutable BETA_X0;
    uint256 internal immutable BETA_Y1;
    uint256 internal immutable BETA_Y0;
    // -gamma (G2)
    uint256 internal immutable NEG_GAMMA_X1;
    uint256 internal immutable NEG_GAMMA_X0;
    uint256 internal immutable NEG_GAMMA_Y1;
    uint256 internal immutable NEG_GAMMA_Y0;
    // -delta (G2)
    uint256 internal immutable NEG_DELTA_X1;
    uint256 internal immutable NEG_DELTA_X0;
    uint256 internal immutable NEG_DELTA_Y1;
    uint256 internal immutable NEG_DELTA_Y0;
    // IC_0, the constant term, then the point of each public input (G1)
    uint256 internal immutable IC_CONSTANT_X;
    uint256 internal immutable IC_CONSTANT_Y;
    uint256 internal immutable IC_ROOT_X;
    uint256 internal immutable IC_ROOT_Y;
    uint256 internal immutable IC_TODAY_X;
    uint256 internal immutable IC_TODAY_Y;
    uint256 internal immutable IC_CHALLENGE_X;
    uint256 internal immutable IC_CHALLENGE_Y;
    uint256 internal immutable IC_SCOPE_X;
    uint256 internal immutable IC_SCOPE_Y;
    uint256 internal immutable IC_NULLIFIER_X;
    uint256 internal immutable IC_NULLIFIER_Y;
    uint256 internal immutable IC_QUERY_HASH_X;
    uint256 internal immutable IC_QUERY_HASH_Y;

    /// @notice Public input `index` (0-based) is not below the scalar field modulus.
    error PublicInputOutOfField(uint256 index, uint256 value);
    /// @notice Proof word `index` (0-based, see the word order above) is not below the base field modulus.
    error ProofCoordinateOutOfField(uint256 index, uint256 value);
    /// @notice A proof point is not on the curve, or B is not in the prime-order subgroup of G2.
    error InvalidProofPoint();
    /// @notice An elliptic-curve precompile call failed, or returned nothing (a chain without the
    ///         BN254 precompiles at 0x06, 0x07, 0x08).
    error CurveOperationFailed();

    /// @param keyId the verifying key's id (SHA-256 of its canonical encoding)
    /// @param negAlpha -alpha: [x, y]
    /// @param beta beta: [x.c1, x.c0, y.c1, y.c0]
    /// @param negGamma -gamma: [x.c1, x.c0, y.c1, y.c0]
    /// @param negDelta -delta: [x.c1, x.c0, y.c1, y.c0]
    /// @param ic IC_0..IC_n: [IC_0.x, IC_0.y, IC_1.x, IC_1.y, ...]
    constructor(
        bytes32 keyId,
        uint256[2] memory negAlpha,
        uint256[4] memory beta,
        uint256[4] memory negGamma,
        uint256[4] memory negDelta,
        uint256[IC_WORDS] memory ic
    ) {
        VERIFYING_KEY_ID = keyId;
        NEG_ALPHA_X = negAlpha[0];
        NEG_ALPHA_Y = negAlpha[1];
        BETA_X1 = beta[0];
        BETA_X0 = beta[1];
        BETA_Y1 = beta[2];
        BETA_Y0 = beta[3];
        NEG_GAMMA_X1 = negGamma[0];
        NEG_GAMMA_X0 = negGamma[1];
        NEG_GAMMA_Y1 = negGamma[2];
        NEG_GAMMA_Y0 = negGamma[3];
        NEG_DELTA_X1 = negDelta[0];
        NEG_DELTA_X0 = negDelta[1];
        NEG_DELTA_Y1 = negDelta[2];
        NEG_DELTA_Y0 = negDelta[3];
        IC_CONSTANT_X = ic[0];
        IC_CONSTANT_Y = ic[1];
        IC_ROOT_X = ic[2];
        IC_ROOT_Y = ic[3];
        IC_TODAY_X = ic[4];
        IC_TODAY_Y = ic[5];
        IC_CHALLENGE_X = ic[6];
        IC_CHALLENGE_Y = ic[7];
        IC_SCOPE_X = ic[8];
        IC_SCOPE_Y = ic[9];
        IC_NULLIFIER_X = ic[10];
        IC_NULLIFIER_Y = ic[11];
        IC_QUERY_HASH_X = ic[12];
        IC_QUERY_HASH_Y = ic[13];
    }

    /// @notice Whether `proof` is valid for the public inputs `input`.
    /// @dev Reverts on malformed input (an input or a coordinate out of its field, a point not on
    ///      the curve); returns false for a well-formed proof that does not verify.
    function verifyProof(uint256[8] calldata proof, uint256[NUM_INPUTS] calldata input)
        public
        view
        returns (bool)
    {
        _checkProofWords(proof);
        for (uint256 i = 0; i < NUM_INPUTS; ++i) {
            if (input[i] >= SCALAR_MODULUS) revert PublicInputOutOfField(i, input[i]);
        }
        uint256 m = _startInputPoint(IC_CONSTANT_X, IC_CONSTANT_Y);
        _addToInputPoint(m, IC_ROOT_X, IC_ROOT_Y, input[INPUT_ROOT]);
        _addToInputPoint(m, IC_TODAY_X, IC_TODAY_Y, input[INPUT_TODAY]);
        _addToInputPoint(m, IC_CHALLENGE_X, IC_CHALLENGE_Y, input[INPUT_CHALLENGE]);
        _addToInputPoint(m, IC_SCOPE_X, IC_SCOPE_Y, input[INPUT_SCOPE]);
        _addToInputPoint(m, IC_NULLIFIER_X, IC_NULLIFIER_Y, input[INPUT_NULLIFIER]);
        _addToInputPoint(m, IC_QUERY_HASH_X, IC_QUERY_HASH_Y, input[INPUT_QUERY_HASH]);
        return _pairingCheck(proof, m);
    }

    /// @dev Reverts unless every proof word is below the base field modulus.
    function _checkProofWords(uint256[8] calldata proof) internal pure {
        for (uint256 i = 0; i < 8; ++i) {
            if (proof[i] >= BASE_MODULUS) revert ProofCoordinateOutOfField(i, proof[i]);
        }
    }

    /// @dev (accX, accY) + s * (px, py), with ECMUL then ECADD. The caller checks s < r.
    function _mulAdd(uint256 accX, uint256 accY, uint256 px, uint256 py, uint256 s)
        internal
        view
        returns (uint256 x, uint256 y)
    {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, px)
            mstore(add(m, 0x20), py)
            mstore(add(m, 0x40), s)
            // A call to an account without code succeeds and returns nothing: only a precompile
            // that answered with its 64 bytes counts (a chain without BN254 precompiles fails).
            ok := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            mstore(add(m, 0x40), accX)
            mstore(add(m, 0x60), accY)
            ok := and(ok, staticcall(gas(), 0x06, m, 0x80, m, 0x40))
            ok := and(ok, eq(returndatasize(), 0x40))
            x := mload(m)
            y := mload(add(m, 0x20))
        }
        if (!ok) revert CurveOperationFailed();
    }

    /// @dev Allocates the pairing check's 0x300 bytes and starts the input point L there, at
    ///      `m + 0x180` (its place in the pairing input), with (x, y). Returns `m`.
    function _startInputPoint(uint256 x, uint256 y) internal pure returns (uint256 m) {
        assembly ("memory-safe") {
            m := mload(0x40)
            mstore(0x40, add(m, 0x300))
            mstore(add(m, 0x180), x)
            mstore(add(m, 0x1a0), y)
        }
    }

    /// @dev L += s * (px, py), in place in the pairing input at `m` (see `_startInputPoint`):
    ///      ECMUL writes the product just after L, so that ECADD reads L and the product as its
    ///      128-byte input and writes the sum over L. Reverts if a precompile fails or does not
    ///      answer. The caller checks s < r.
    function _addToInputPoint(uint256 m, uint256 px, uint256 py, uint256 s) internal view {
        bool ok;
        assembly ("memory-safe") {
            let l := add(m, 0x180)
            let p := add(m, 0x1c0)
            mstore(p, px)
            mstore(add(p, 0x20), py)
            mstore(add(p, 0x40), s)
            // As in `_mulAdd`: only a precompile that answered counts.
            ok := staticcall(gas(), 0x07, p, 0x60, p, 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            ok := and(ok, staticcall(gas(), 0x06, l, 0x80, l, 0x40))
            ok := and(ok, eq(returndatasize(), 0x40))
        }
        if (!ok) revert CurveOperationFailed();
    }

    /// @dev Two words at `m`, `m + 0x20`.
    function _store2(uint256 m, uint256 a, uint256 b) private pure {
        assembly ("memory-safe") {
            mstore(m, a)
            mstore(add(m, 0x20), b)
        }
    }

    /// @dev Four words from `m` on.
    function _store4(uint256 m, uint256 a, uint256 b, uint256 c, uint256 d) private pure {
        assembly ("memory-safe") {
            mstore(m, a)
            mstore(add(m, 0x20), b)
            mstore(add(m, 0x40), c)
            mstore(add(m, 0x60), d)
        }
    }

    /// @dev e(A, B) * e(-alpha, beta) * e(L, -gamma) * e(C, -delta) == 1, with L already at
    ///      `m + 0x180` in the pairing input allocated by `_startInputPoint`. The caller checks
    ///      the proof words with `_checkProofWords` first.
    function _pairingCheck(uint256[8] calldata proof, uint256 m)
        internal
        view
        returns (bool valid)
    {
        assembly ("memory-safe") {
            // (A, B): the first six proof words, already in precompile order.
            calldatacopy(m, proof, 0xc0)
            // C, after L and -gamma.
            calldatacopy(add(m, 0x240), add(proof, 0xc0), 0x40)
        }
        // `m` is an allocated 0x300 bytes: no overflow.
        unchecked {
            // (-alpha, beta)
            _store2(m + 0xc0, NEG_ALPHA_X, NEG_ALPHA_Y);
            _store4(m + 0x100, BETA_X1, BETA_X0, BETA_Y1, BETA_Y0);
            // (L, -gamma): L is in place.
            _store4(m + 0x1c0, NEG_GAMMA_X1, NEG_GAMMA_X0, NEG_GAMMA_Y1, NEG_GAMMA_Y0);
            // (C, -delta)
            _store4(m + 0x280, NEG_DELTA_X1, NEG_DELTA_X0, NEG_DELTA_Y1, NEG_DELTA_Y0);
        }
        bool ok;
        bool answered;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, m, 0x300, m, 0x20)
            // As in `_mulAdd`: an empty account would "succeed" with no answer.
            answered := eq(returndatasize(), 0x20)
            valid := and(and(ok, answered), eq(mload(m), 1))
        }
        if (!ok) revert InvalidProofPoint();
        if (!answered) revert CurveOperationFailed();
    }
}
