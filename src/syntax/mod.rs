//! Syntax: text to typed AST.
//!
//! Step one, pest turns the text into pairs following `grammar/covenant.pest`;
//! step two, [`parser`] lowers the pairs into the [`ast`] types with a span on
//! every node. Limits on size and nesting are enforced here, before pest
//! recurses, so that hostile input gets a diagnostic instead of a stack overflow.

pub mod ast;
pub mod error;
pub mod parser;

pub use parser::{parse_action_query, parse_document, parse_value, MAX_NESTING};
