//! CredentialVar
