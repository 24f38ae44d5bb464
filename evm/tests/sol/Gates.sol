// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @notice The part of ZkhPresentation a gate calls.
interface IZkhPresentation {
    function verifyPresentation(uint256[8] calldata proof, uint256[6] calldata input, bytes32 context)
        external;
}

/// @notice A gate that admits whoever presents through it, binding the presentation to that
///         caller: the contract is `msg.sender` for every user, so it passes the user as the
///         context.
contract BindingGate {
    IZkhPresentation public immutable presentation;
    mapping(address => bool) public admitted;

    constructor(IZkhPresentation presentation_) {
        presentation = presentation_;
    }

    function enter(uint256[8] calldata proof, uint256[6] calldata input) external {
        presentation.verifyPresentation(proof, input, bytes32(uint256(uint160(msg.sender))));
        admitted[msg.sender] = true;
    }
}

/// @notice The same gate without a context: the challenge binds only the gate, so anyone who
///         copies a user's calldata can enter with it.
contract NaiveGate {
    IZkhPresentation public immutable presentation;
    mapping(address => bool) public admitted;

    constructor(IZkhPresentation presentation_) {
        presentation = presentation_;
    }

    function enter(uint256[8] calldata proof, uint256[6] calldata input) external {
        presentation.verifyPresentation(proof, input, bytes32(0));
        admitted[msg.sender] = true;
    }
}
