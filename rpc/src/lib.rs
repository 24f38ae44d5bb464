//! zkhealth over EVM JSON-RPC: a root source reading the registry contract, deployment and root publication.
