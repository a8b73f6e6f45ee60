//! Report: the outcome types that go out, as text memos or versioned JSON.

pub mod diff;
pub mod explain;
pub mod json;
pub mod record;
pub mod sweep;
pub mod text;

pub use json::{scenario_report, Report, SCHEMA};
pub use text::render_evaluation;
