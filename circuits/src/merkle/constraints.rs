//! Merkle path gadget.
