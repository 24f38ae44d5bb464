//! zkhealth
