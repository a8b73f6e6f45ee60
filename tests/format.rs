//! The formatter on the bundled files: each is already formatted, and
//! formatting it after scrambling its whitespace gives it back exactly.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::path::PathBuf;

use covenant::format::format_source;
use covenant::pipeline::find_cov_files;
use covenant::source::FileId;

/// The folders whose files must be formatted (parse_errors/ holds files that do not parse).
const FOLDERS: [&str; 5] = [
    "contracts",
    "tests/corpus/eval",
    "tests/corpus/support",
    "tests/corpus/check_errors",
    "tests/corpus/warnings",
];

fn bundled() -> Vec<(PathBuf, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let folders: Vec<PathBuf> = FOLDERS.iter().map(|f| root.join(f)).collect();
    let files = find_cov_files(&folders);
    assert!(files.len() > 100, "found only {} files", files.len());
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read a bundled file");
            (p, text)
        })
        .collect()
}

fn fmt(text: &str, path: &std::path::Path) -> String {
    format_source(text, FileId(0))
        .unwrap_or_else(|d| panic!("{} does not format: {d:?}", path.display()))
}

#[test]
fn every_bundled_file_is_formatted() {
    let unformatted: Vec<String> = bundled()
        .into_iter()
        .filter(|(p, text)| fmt(text, p) != *text)
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(
        unformatted.is_empty(),
        "run `covenant fmt` on: {unformatted:?}"
    );
}

/// The acceptance fixtures keep the layout the spec prints them in.
#[test]
fn the_fixtures_keep_their_layout() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("contracts/openai-microsoft");
    let partnership = std::fs::read_to_string(root.join("2019-partnership.cov")).unwrap();
    assert!(partnership.contains(
        "  action distribute(via: provider)            // a party makes its models available through a cloud\n  metric openai_revenue in USD per year       // reported by scenarios, one amount per calendar year\n  condition microsoft_can_honor default true  // a fact that scenarios may switch over time\n"
    ));
    assert!(partnership.contains(
        "    openai must pay microsoft 20% of openai_revenue\n      every year\n      due 90 days after period end\n"
    ));
}

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// 0 to 3 spaces and tabs, at least `min`.
    fn horizontal(&mut self, min: u64) -> String {
        let n = min + self.below(4);
        (0..n)
            .map(|_| if self.below(3) == 0 { '\t' } else { ' ' })
            .collect()
    }

    /// `count` line breaks, each with stray blanks around it and maybe a `\r`.
    fn breaks(&mut self, count: u64) -> String {
        let mut s = String::new();
        for _ in 0..count {
            s.push_str(&self.horizontal(0));
            if self.below(4) == 0 {
                s.push('\r');
            }
            s.push('\n');
        }
        s.push_str(&self.horizontal(0));
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Punct,
    Str,
    Comment,
}

/// Splits formatted text into tokens and comments, with their byte ranges.
fn lex(text: &str) -> Vec<(Kind, usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let kind = if text[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            Kind::Comment
        } else if c == b'"' {
            i += 1;
            while bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            Kind::Str
        } else if text[i..].starts_with("<=") || text[i..].starts_with(">=") {
            i += 2;
            Kind::Punct
        } else if b"{}()[],:=<>".contains(&c) {
            i += 1;
            Kind::Punct
        } else {
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !b"{}()[],:=<>\"".contains(&bytes[i])
            {
                i += 1;
            }
            Kind::Word
        };
        let end = if kind == Kind::Comment {
            text[start..i].trim_end().len() + start
        } else {
            i
        };
        out.push((kind, start, end));
    }
    out
}

/// Words that continue a literal on the same line: `USD 38 billion`, `90 days`.
fn continues_literal(before: &str, after: &str) -> bool {
    let currency = before.len() == 3 && before.bytes().all(|b| b.is_ascii_uppercase());
    let number = before.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && before
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'_' || b == b'.');
    let starts_number = after.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let unit = [
        "thousand", "million", "billion", "day", "days", "week", "weeks", "month", "months",
        "year", "years",
    ]
    .contains(&after);
    // `1_500 shares`: an amount of a declared unit, as the bundled files declare them.
    let quantity = number
        && [
            "shares",
            "barrels",
            "crates",
            "options",
            "widgets",
            "units",
            "tonnes",
            "series_b_convertible_preferred_shares",
        ]
        .contains(&after);
    // `10 business days` is one literal, like `10 days`.
    let business = (number && after == "business")
        || (before == "business" && ["day", "days"].contains(&after));
    (currency && starts_number) || (number && unit) || business || quantity
}

/// Rewrites every gap between tokens at random, keeping only what the
/// layout depends on: blank lines, and whether a comment has code before it.
fn scramble(text: &str, rng: &mut Rng) -> String {
    let items = lex(text);
    let mut out = String::new();
    if rng.below(3) == 0 {
        out.push('\u{FEFF}');
    }
    let lead = rng.below(3);
    out.push_str(&rng.breaks(lead));
    for (k, &(kind, start, end)) in items.iter().enumerate() {
        out.push_str(&text[start..end]);
        let Some(&(next_kind, next_start, _)) = items.get(k + 1) else {
            break;
        };
        let gap = &text[end..next_start];
        let newlines = gap.matches('\n').count() as u64;
        let word = &text[start..end];
        let next_word = &text[next_start..items[k + 1].2];
        let piece = if newlines >= 2 {
            let n = 2 + rng.below(2);
            rng.breaks(n)
        } else if kind == Kind::Comment || next_kind == Kind::Comment {
            if newlines == 0 {
                rng.horizontal(0)
            } else {
                rng.breaks(1)
            }
        } else if kind == Kind::Word
            && next_kind == Kind::Word
            && continues_literal(word, next_word)
        {
            rng.horizontal(1)
        } else {
            let glued_ok = kind != Kind::Word || next_kind != Kind::Word;
            match rng.below(4) {
                0 if glued_ok => String::new(),
                0 | 1 => rng.horizontal(1),
                _ => rng.breaks(1),
            }
        };
        out.push_str(&piece);
    }
    let tail = rng.below(3);
    out.push_str(&rng.breaks(tail));
    out
}

#[test]
fn scrambled_whitespace_formats_back_to_the_committed_file() {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    for (path, text) in bundled() {
        for round in 0..4 {
            let scrambled = scramble(&text, &mut rng);
            assert_ne!(scrambled, text, "{} was not scrambled", path.display());
            let formatted = format_source(&scrambled, FileId(0)).unwrap_or_else(|d| {
                panic!(
                    "{} (round {round}) no longer parses after scrambling: {d:?}\n{scrambled}",
                    path.display()
                )
            });
            assert_eq!(
                formatted,
                text,
                "{} (round {round}) scrambled as:\n{scrambled}",
                path.display()
            );
        }
    }
}
