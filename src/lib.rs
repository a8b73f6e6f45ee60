//! Covenant: a contract-rules language and its interpreter.
//!
//! The pipeline, one module a stage:
//! [`source`] (files and spans) → [`syntax`] (pest → typed AST) →
//! [`check`] (names, types, dates, amendments → a resolved model; for
//! `covenant check`, the drafting findings of [`check::lint`]) →
//! [`eval`] (timeline interpreter) → [`report`] (text and JSON).
//! [`format`] lays a file out canonically for `covenant fmt`, beside the
//! pipeline. [`diagnostic`] holds every problem's code and rendering;
//! `main.rs` and [`cli`] are a thin shell over the library.

pub mod batch;
pub mod calendar;
pub mod check;
pub mod cli;
pub mod consolidate;
pub mod diagnostic;
pub mod eval;
pub mod format;
pub mod money;
pub mod pipeline;
pub mod report;
pub mod source;
pub mod strategy;
pub mod syntax;
pub mod workspace;
