//! StatementVar
