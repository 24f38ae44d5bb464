//! zkhealth on the EVM: Solidity verifier generation, contract artifacts and presentation calldata.
