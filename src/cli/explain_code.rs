//! `covenant explain-code [CODE]`: a code's page, or the list of codes.

use super::Exit;
use crate::diagnostic::{suggest, Code};

/// Prints the page of `code` (docs/codes/CODE.md), or every code with its
/// summary when none is given; exit 2 for a code that does not exist.
pub fn run(code: Option<&str>) -> Exit {
    let Some(name) = code else {
        let width = Code::ALL.iter().map(|c| c.name().len()).max().unwrap_or(0);
        for c in Code::ALL {
            super::outln!("{:width$}  {}", c.name(), c.summary());
        }
        return Exit::Success;
    };
    match Code::from_name(name.trim()) {
        Some(c) => {
            super::out!("{}", c.page());
            Exit::Success
        }
        None => {
            let bare = name.strip_prefix("covenant::").unwrap_or(name);
            match suggest(bare, Code::ALL.iter().map(|c| c.name())) {
                Some(s) => eprintln!("error: there is no code `{bare}`; did you mean `{s}`?"),
                None => eprintln!(
                    "error: there is no code `{bare}`; `covenant explain-code` lists them all"
                ),
            }
            Exit::Usage
        }
    }
}
