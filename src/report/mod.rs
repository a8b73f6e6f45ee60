//! Report: the outcome types that go out, as text memos or versioned JSON.

pub mod diff;
pub mod explain;
pub mod html;
pub mod json;
pub mod record;
pub mod svg;
pub mod sweep;
pub mod text;
pub mod timeline;

pub use json::{scenario_report, Report, SCHEMA};
pub use text::render_evaluation;
