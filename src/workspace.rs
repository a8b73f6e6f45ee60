//! Source loading: reading files from disk into the [`SourceMap`] and parsing
//! each at most once.
//!
//! Limits on file size and encoding are enforced here, so that every later
//! stage can assume text of a sane size.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::Document;
use crate::syntax::parse_document;

/// The largest file Covenant reads: 64 MiB, so that a long scenario is fine.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A parsed document, or the diagnostics that prevented it.
pub type Parsed = Result<Arc<Document>, Vec<Diagnostic>>;

/// Loaded files and their parsed documents.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Every file read so far.
    pub sources: SourceMap,
    parsed: HashMap<PathBuf, (FileId, Parsed)>,
}

impl Workspace {
    /// An empty workspace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds text that did not come from a file (tests, stdin).
    pub fn add_text(&mut self, name: &str, text: &str) -> FileId {
        self.sources.add(name, name, Arc::from(text))
    }

    /// Parses text added with [`Workspace::add_text`] or read from a path.
    pub fn parse_text(
        &mut self,
        name: &str,
        text: &str,
    ) -> (FileId, Result<Arc<Document>, Vec<Diagnostic>>) {
        let file = self.add_text(name, text);
        let result = parse_document(text, file).map(Arc::new);
        self.parsed
            .insert(PathBuf::from(name), (file, result.clone()));
        (file, result)
    }

    /// Reads and parses a file. `referenced_from` is the span that named the
    /// path (a `contract` or `amends` line), used when the file is missing.
    pub fn load(
        &mut self,
        path: &Path,
        referenced_from: Option<Span>,
    ) -> (Option<FileId>, Result<Arc<Document>, Vec<Diagnostic>>) {
        let key = normalize(path);
        if let Some((file, result)) = self.parsed.get(&key) {
            return (Some(*file), result.clone());
        }
        let display = path.display().to_string();
        let bytes = match read_limited(path) {
            Ok(bytes) => bytes,
            Err(ReadError::TooLarge(size)) => {
                let file = self.sources.add(&display, &key, Arc::from(""));
                let d = Diagnostic::whole_file(
                    Code::FileTooLarge,
                    file,
                    format!("{display} is {size} bytes; Covenant reads files of at most {MAX_FILE_BYTES} bytes (64 MiB)"),
                )
                .with_help("split the scenario into several files");
                let result = Err(vec![d]);
                self.parsed.insert(key, (file, result.clone()));
                return (Some(file), result);
            }
            Err(ReadError::Io(e)) => {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("there is no file {display}")
                } else {
                    format!("cannot read {display}: {e}")
                };
                let d = match referenced_from {
                    Some(span) => {
                        let help = match similar_file(path) {
                            Some(s) => format!("did you mean \"{s}\"? Paths are relative to the file that names them"),
                            None => "paths are relative to the file that names them; check the spelling and the folder".to_owned(),
                        };
                        Diagnostic::error(Code::MissingFile, span, message)
                            .with_label("no such file")
                            .with_help(help)
                    }
                    None => Diagnostic::without_location(Code::Io, message),
                };
                return (None, Err(vec![d]));
            }
        };
        let (text, invalid_at) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        // One copy of the text: a long scenario should not be held twice.
        let shared: Arc<str> = Arc::from(text);
        let file = self.sources.add(&display, &key, Arc::clone(&shared));
        let result = match invalid_at {
            Some(at) => Err(vec![Diagnostic::error(
                Code::InvalidUtf8,
                Span::new(file, at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                format!("{display} is not UTF-8 text (the first bad byte is at offset {at})"),
            )
            .with_label("not text")
            .with_help("save the file as UTF-8 text; Covenant reads no binary formats")]),
            None => parse_document(&shared, file).map(Arc::new),
        };
        self.parsed.insert(key, (file, result.clone()));
        (Some(file), result)
    }

    /// Drops the parsed document of a file once it is no longer needed (a
    /// scenario after planning), keeping its text for diagnostics.
    pub fn forget_document(&mut self, path: &Path) {
        let key = normalize(path);
        // Only large files read from disk are dropped: a small one costs little
        // to keep, and text added in memory could not be read again.
        let large = self
            .parsed
            .get(&key)
            .and_then(|(file, _)| self.sources.get(*file))
            .is_some_and(|f| f.text.len() > 1024 * 1024);
        if large && key.is_file() {
            self.parsed.remove(&key);
        }
    }
}

/// A `.cov` file in the same folder whose name is close to the missing one's.
fn similar_file(path: &Path) -> Option<String> {
    let wanted = path.file_name()?.to_str()?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.ends_with(".cov"))
        .collect();
    let limit = wanted.len() / 2;
    names
        .iter()
        .map(|n| (crate::diagnostic::edit_distance(wanted, n), n))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, n)| n.clone())
}

enum ReadError {
    TooLarge(u64),
    Io(std::io::Error),
}

fn read_limited(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Io(std::io::Error::other(
            "it is a folder, not a file",
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // Read one byte past the limit so that a file growing under us is still caught.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// A path with `.` and `..` folded, so that one file reached two ways is loaded once.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                // A leading `..` must stay: popping it would climb the wrong way.
                let ends_in_parent = matches!(
                    out.components().next_back(),
                    Some(std::path::Component::ParentDir) | None
                );
                if ends_in_parent || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves `relative` against the folder of `from`.
pub fn relative_to(from: &Path, relative: &str) -> PathBuf {
    let base = from.parent().unwrap_or(Path::new(""));
    normalize(&base.join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_leading_parent_dirs() {
        assert_eq!(
            normalize(Path::new("../../a/b.cov")),
            PathBuf::from("../../a/b.cov")
        );
        assert_eq!(
            normalize(Path::new("x/../../a.cov")),
            PathBuf::from("../a.cov")
        );
        assert_eq!(
            normalize(Path::new("x/./y/../z.cov")),
            PathBuf::from("x/z.cov")
        );
        assert_eq!(
            relative_to(Path::new("s.cov"), "../../w/c.cov"),
            PathBuf::from("../../w/c.cov")
        );
    }
}
