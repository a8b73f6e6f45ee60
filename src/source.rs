//! Loaded source files and the spans that point into them.
//!
//! Every file's text is shared (`Arc<str>`) so that a diagnostic can render
//! its excerpt long after parsing, and so that a contract loaded once can be
//! named by many scenarios without copying its text.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

/// The index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset one past the last character.
    pub end: u32,
}

impl Span {
    /// A span over `start..end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both (they must lie in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span as miette wants it.
    pub fn source_span(self) -> SourceSpan {
        let len = self.end.saturating_sub(self.start) as usize;
        SourceSpan::new((self.start as usize).into(), len)
    }
}

/// One loaded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given (or a label such as `<stdin>`), used in messages.
    pub name: String,
    /// The path on disk, used to resolve relative `contract` and `amends` paths.
    pub path: PathBuf,
    /// The file's text; invalid UTF-8 is replaced so that it can still be shown.
    pub text: Arc<str>,
    /// Byte offsets where lines start, computed on first use: reports locate
    /// every event of a long scenario, which must not rescan the text each time.
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    /// A miette source for rendering this file's excerpts.
    pub fn named_source(&self) -> NamedSource<Arc<str>> {
        NamedSource::new(self.name.clone(), Arc::clone(&self.text)).with_language("covenant")
    }

    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .match_indices('\n')
                        .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
                )
                .collect()
        });
        let offset = offset.min(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        let line = starts.partition_point(|s| *s <= offset);
        let start = line
            .checked_sub(1)
            .and_then(|i| starts.get(i))
            .copied()
            .unwrap_or(0);
        let col = self
            .text
            .get(start as usize..offset as usize)
            .map_or(0, |l| l.chars().count())
            + 1;
        (line, col)
    }

    /// The text a span covers (empty when it is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// All files loaded in one session; a [`FileId`] indexes it.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(
        &mut self,
        name: impl Into<String>,
        path: impl AsRef<Path>,
        text: Arc<str>,
    ) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            line_starts: std::sync::OnceLock::new(),
            name: name.into(),
            path: path.as_ref().to_path_buf(),
            text,
        });
        id
    }

    /// The file behind an id, if it exists.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The id of a file already loaded from this path, if any.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .and_then(|i| u32::try_from(i).ok())
            .map(FileId)
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map_or("", |f| f.slice(span))
    }
}
