//! The formatter: rewrites a `.cov` file into one canonical layout.
//!
//! It works on pest's pair tree, not on the AST, because the AST forgets how
//! literals were written (`38 billion`, `1_000_000`) and the output must keep
//! every token's text. Only whitespace changes: each output line is a run of
//! tokens from the tree, placed by the kind of pair it came from, so the
//! layout depends on the structure alone and formatting twice changes nothing.
//!
//! Comments are not in the tree (the grammar's COMMENT is silent). They are
//! read from the gaps between tokens, where nothing else can be, and attached
//! to the line they end (a trailing comment) or the line they precede (an
//! own-line comment). A comment written inside what becomes one line moves
//! above that line, since nothing may follow it on its own line.
//!
//! As a last guard the output is parsed again and must give the same AST as
//! the input, spans aside; if it does not, the file is reported rather than
//! rewritten into something that means another thing.

use pest::iterators::Pair;
use pest::Parser;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::FileId;
use crate::syntax::error::pest_error_to_diagnostic;
use crate::syntax::parse_document;
use crate::syntax::parser::{CovenantParser, Rule};

/// The spaces of one block level.
const INDENT: usize = 2;

/// The least gap between code and a trailing comment.
const COMMENT_GAP: usize = 2;

/// Formats one file's text, or returns the diagnostics that stop it parsing.
///
/// The result keeps every token and comment, parses to the same AST as the
/// input, and is its own formatting.
pub fn format_source(text: &str, file: FileId) -> Result<String, Vec<Diagnostic>> {
    let before = parse_document(text, file)?;
    let mut pairs = CovenantParser::parse(Rule::file, text)
        .map_err(|e| vec![pest_error_to_diagnostic(&e, text, file)])?;
    let top = pairs
        .next()
        .and_then(|f| f.into_inner().find(|p| p.as_rule() != Rule::EOI))
        .ok_or_else(|| vec![internal(file, "found no document to format")])?;
    let mut layout = Layout::default();
    layout.item(top, 0);
    let printed = attach_comments(text, &layout.lines);
    let output = render(&printed);
    let after = parse_document(&output, file).map_err(|_| {
        vec![internal(
            file,
            "formatting would give text that does not parse, so the file was left as it is",
        )]
    })?;
    if erase_spans(&format!("{before:?}")) != erase_spans(&format!("{after:?}")) {
        return Err(vec![internal(
            file,
            "formatting would change what the file means, so the file was left as it is",
        )]);
    }
    Ok(output)
}

/// A diagnostic for a formatter fault, which the user can only report.
fn internal(file: FileId, message: &str) -> Diagnostic {
    Diagnostic::whole_file(Code::Syntax, file, message)
        .with_help("this is a fault in `covenant fmt`; please report it with this file")
}

/// Removes every `Span { … }` from an AST's debug text, so that two parses
/// of differently laid out text compare equal when they mean the same.
fn erase_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("Span { file: ") {
        out.push_str(rest.get(..at).unwrap_or(""));
        let tail = rest.get(at..).unwrap_or("");
        // A span's debug form holds no braces of its own, so the first `}` ends it.
        let close = tail.find('}').map_or(tail.len(), |i| i + 1);
        out.push_str("Span");
        rest = tail.get(close..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// One token of the output, with where it was in the input.
#[derive(Debug)]
struct Token {
    /// The text to print (literal spacing inside money and durations normalised).
    text: String,
    /// Byte offset of its start in the input.
    start: usize,
    /// Byte offset one past its end in the input.
    end: usize,
    /// No space before it (`,`, `)`, `:`).
    glue_left: bool,
    /// No space after it (`(`, `[`).
    glue_right: bool,
    /// It is a `{` that opens a block.
    opens: bool,
    /// It is a `}` that closes a block.
    closes: bool,
}

/// One output line of code, before comments are attached.
#[derive(Debug)]
struct Line {
    /// Block level.
    depth: usize,
    /// Its tokens in input order.
    tokens: Vec<Token>,
}

impl Line {
    /// The tokens joined with single spaces, except around glued punctuation.
    fn code(&self) -> String {
        let mut code = String::new();
        let mut glue_next = true;
        for token in &self.tokens {
            if !glue_next && !token.glue_left {
                code.push(' ');
            }
            code.push_str(&token.text);
            glue_next = token.glue_right;
        }
        code
    }

    /// Whether the line ends by opening a block.
    fn opens(&self) -> bool {
        self.tokens.last().is_some_and(|t| t.opens)
    }

    /// Whether the line starts by closing a block.
    fn closes(&self) -> bool {
        self.tokens.first().is_some_and(|t| t.closes)
    }
}

/// Payment modifiers: they continue the payment statement before them.
fn is_modifier(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::every_mod
            | Rule::due_mod
            | Rule::cap_total
            | Rule::cap_period
            | Rule::floor_mod
            | Rule::tiers_whole
            | Rule::tiers_cumulative
            | Rule::escalator_mod
            | Rule::recoup_mod
            | Rule::credit_excess
            | Rule::shortfall_mod
            | Rule::index_mod
            | Rule::cap_key_total
    )
}

/// Literals whose inner spacing is a single space however it was written.
fn is_spaced_literal(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::money
            | Rule::quantity
            | Rule::stated_quantity
            | Rule::duration
            | Rule::business_duration
            | Rule::number
            | Rule::amount
    )
}

/// Literals printed exactly as written.
fn is_exact_literal(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::string | Rule::percent | Rule::aggregate_source | Rule::field_name
    )
}

/// Lays the pair tree out as lines.
#[derive(Default)]
struct Layout {
    lines: Vec<Line>,
}

impl Layout {
    /// Lays out one item at a block level: a block (a header line, its items
    /// one level deeper, a closing line) or a single line.
    ///
    /// Blocks are found by their `{`, not by rule name, so that a future
    /// construct with braces is laid out like the others; any other item,
    /// known or not, is one line of its tokens.
    fn item(&mut self, pair: Pair<'_, Rule>, depth: usize) {
        let rule = pair.as_rule();
        let parts: Vec<Pair<'_, Rule>> = pair
            .clone()
            .into_inner()
            .flat_map(|p| {
                if p.as_rule() == Rule::clause_body {
                    p.into_inner().collect()
                } else {
                    vec![p]
                }
            })
            .collect();
        if !parts.iter().any(|p| p.as_rule() == Rule::open_brace) {
            let mut tokens = Vec::new();
            flatten(pair, None, &mut tokens);
            self.lines.push(Line { depth, tokens });
            return;
        }
        let mut header = Vec::new();
        let mut parts = parts.into_iter();
        for part in parts.by_ref() {
            let open = part.as_rule() == Rule::open_brace;
            flatten(part, Some(rule), &mut header);
            if open {
                break;
            }
        }
        self.lines.push(Line {
            depth,
            tokens: header,
        });
        let mut payment_seen = false;
        let mut closing: Option<Vec<Token>> = None;
        for part in parts {
            if let Some(tokens) = closing.as_mut() {
                // Nothing follows `}` today; should the grammar grow a suffix,
                // it stays on the closing line rather than being lost.
                flatten(part, Some(rule), tokens);
                continue;
            }
            match part.as_rule() {
                Rule::close_brace => {
                    let mut tokens = Vec::new();
                    flatten(part, Some(rule), &mut tokens);
                    closing = Some(tokens);
                }
                Rule::statement
                    if part
                        .clone()
                        .into_inner()
                        .any(|p| p.as_rule() == Rule::payment) =>
                {
                    payment_seen = true;
                    self.item(part, depth + 1);
                }
                // A modifier after a payment continues it, one level deeper; a
                // lone one (in `amend`, or misplaced) stands at statement level.
                r if is_modifier(r) => self.item(part, depth + 1 + usize::from(payment_seen)),
                _ => self.item(part, depth + 1),
            }
        }
        if let Some(tokens) = closing {
            self.lines.push(Line { depth, tokens });
        }
    }
}

/// Appends the tokens of a pair, in input order.
fn flatten(pair: Pair<'_, Rule>, parent: Option<Rule>, out: &mut Vec<Token>) {
    let rule = pair.as_rule();
    let span = pair.as_span();
    let leaf = pair.clone().into_inner().next().is_none();
    if is_spaced_literal(rule) {
        let text = span
            .as_str()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        out.push(token(text, span.start(), span.end(), rule, parent));
    } else if leaf && span.as_str().is_empty() {
        // An empty pair (a declared event with no data) prints nothing.
    } else if leaf || is_exact_literal(rule) {
        out.push(token(
            span.as_str().to_owned(),
            span.start(),
            span.end(),
            rule,
            parent,
        ));
    } else {
        // Text a rule matches with a bare literal (no pair of its own) lies
        // between the children; keep it so that no word is ever dropped.
        let mut at = span.start();
        for child in pair.into_inner() {
            loose_tokens(span.get_input(), at, child.as_span().start(), out);
            at = child.as_span().end();
            flatten(child, Some(rule), out);
        }
        loose_tokens(span.get_input(), at, span.end(), out);
    }
}

/// A token with the spacing its kind asks for.
fn token(text: String, start: usize, end: usize, rule: Rule, parent: Option<Rule>) -> Token {
    let (glue_left, glue_right) = match rule {
        Rule::comma | Rule::colon | Rule::close_paren | Rule::close_bracket => (true, false),
        Rule::open_bracket => (false, true),
        // `action distribute(via: provider)`, but `where (a or b)`.
        Rule::open_paren => (
            matches!(parent, Some(Rule::action_decl | Rule::event_decl)),
            true,
        ),
        _ => (false, false),
    };
    Token {
        text,
        start,
        end,
        glue_left,
        glue_right,
        opens: rule == Rule::open_brace,
        closes: rule == Rule::close_brace,
    }
}

/// Words in `text[from..to]` outside comments, as tokens; usually there are none.
fn loose_tokens(text: &str, from: usize, to: usize, out: &mut Vec<Token>) {
    let Some(gap) = text.get(from..to) else {
        return;
    };
    let mut chars = gap.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_blank(c) {
            continue;
        }
        if gap.get(i..).is_some_and(|rest| rest.starts_with("//")) {
            while chars.next_if(|&(_, c)| c != '\n').is_some() {}
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some((j, d)) = chars.next_if(|&(_, d)| !is_blank(d)) {
            end = j + d.len_utf8();
        }
        let word = gap.get(i..end).unwrap_or("").to_owned();
        out.push(token(word, from + i, from + end, Rule::EOI, None));
    }
}

/// The characters the grammar skips between tokens.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

/// A comment found between tokens.
#[derive(Debug)]
struct Comment {
    /// From `//` to the end of the line, trailing blanks removed.
    text: String,
    /// Code stands before it on its line.
    trailing: bool,
    /// A blank line separates it from what precedes it.
    blank_before: bool,
}

/// The comments in a gap between tokens, and whether a blank line separates
/// the gap's last comment (or its start) from the token after it.
fn scan_gap(gap: &str, after_token: bool) -> (Vec<Comment>, bool) {
    let mut comments = Vec::new();
    let mut newlines = 0usize;
    let mut on_code_line = after_token;
    let mut rest = gap;
    while let Some(at) = rest.find("//") {
        let before = rest.get(..at).unwrap_or("");
        newlines += before.matches('\n').count();
        on_code_line &= !before.contains('\n');
        let tail = rest.get(at..).unwrap_or("");
        let end = tail.find('\n').unwrap_or(tail.len());
        comments.push(Comment {
            text: tail.get(..end).unwrap_or("").trim_end().to_owned(),
            trailing: on_code_line,
            blank_before: newlines >= 2,
        });
        newlines = 0;
        on_code_line = false;
        rest = tail.get(end..).unwrap_or("");
    }
    newlines += rest.matches('\n').count();
    (comments, newlines >= 2)
}

/// One line of the output.
#[derive(Debug)]
struct Printed {
    /// Block level.
    depth: usize,
    /// The code, or an own-line comment.
    text: String,
    /// A comment after the code on the same line.
    trailing: Option<String>,
    /// A blank line came before it in the input.
    blank_before: bool,
    /// It ends by opening a block.
    opens: bool,
    /// It is the closing line of a block.
    closes: bool,
}

impl Printed {
    /// An own-line comment.
    fn comment(depth: usize, comment: Comment, blank_before: bool) -> Self {
        Printed {
            depth,
            text: comment.text,
            trailing: None,
            blank_before,
            opens: false,
            closes: false,
        }
    }

    /// Columns taken by the indentation and the code.
    fn width(&self) -> usize {
        self.depth * INDENT + self.text.chars().count()
    }
}

/// Where the comments of the input go among the lines of code.
fn attach_comments(text: &str, lines: &[Line]) -> Vec<Printed> {
    // (line index, first token of its line) for each token, in input order.
    let places: Vec<(usize, bool, &Token)> = lines
        .iter()
        .enumerate()
        .flat_map(|(l, line)| {
            line.tokens
                .iter()
                .enumerate()
                .map(move |(k, t)| (l, k == 0, t))
        })
        .collect();
    let mut above: Vec<Vec<Comment>> = lines.iter().map(|_| Vec::new()).collect();
    let mut inside: Vec<Vec<Comment>> = lines.iter().map(|_| Vec::new()).collect();
    let mut trailing: Vec<Option<String>> = lines.iter().map(|_| None).collect();
    let mut blank: Vec<bool> = lines.iter().map(|_| false).collect();
    let mut after_end = Vec::new();
    let mut from = 0usize;
    for i in 0..=places.len() {
        let next = places.get(i);
        let to = next.map_or(text.len(), |(_, _, t)| t.start);
        let (comments, blank_after) = scan_gap(text.get(from..to).unwrap_or(""), i > 0);
        if let Some(&(l, true, _)) = next {
            if let Some(b) = blank.get_mut(l) {
                *b = blank_after;
            }
        }
        for comment in comments {
            match next {
                None if comment.trailing => {
                    if let Some(slot) = trailing.last_mut() {
                        *slot = Some(comment.text);
                    }
                }
                None => after_end.push(comment),
                Some(&(l, true, _)) if comment.trailing => {
                    if let Some(slot) = trailing.get_mut(l.saturating_sub(1)) {
                        *slot = Some(comment.text);
                    }
                }
                Some(&(l, true, _)) => {
                    if let Some(v) = above.get_mut(l) {
                        v.push(comment);
                    }
                }
                Some(&(l, false, _)) => {
                    if let Some(v) = inside.get_mut(l) {
                        v.push(comment);
                    }
                }
            }
        }
        from = next.map_or(text.len(), |(_, _, t)| t.end);
    }

    let mut printed = Vec::new();
    let parts = lines.iter().zip(above).zip(inside).zip(trailing).zip(blank);
    for ((((line, above), inside), trailing), mut blank) in parts {
        let closes = line.closes();
        // Comments just before `}` belong to the block's items, not to the brace.
        let comment_depth = line.depth + usize::from(closes);
        for comment in above {
            let b = comment.blank_before;
            printed.push(Printed::comment(comment_depth, comment, b));
        }
        // Comments from inside the line go just above it, taking over the
        // blank line that separated the line from what came before.
        for comment in inside {
            printed.push(Printed::comment(comment_depth, comment, blank));
            blank = false;
        }
        printed.push(Printed {
            depth: line.depth,
            text: line.code(),
            trailing,
            blank_before: blank,
            opens: line.opens(),
            closes,
        });
    }
    for comment in after_end {
        let b = comment.blank_before;
        printed.push(Printed::comment(0, comment, b));
    }
    printed
}

/// The output text: indentation, blank lines, aligned trailing comments.
fn render(printed: &[Printed]) -> String {
    // A blank line is kept between items, never at the start, after `{` or before `}`.
    let blanks: Vec<bool> = printed
        .iter()
        .enumerate()
        .map(|(k, p)| {
            p.blank_before
                && !p.closes
                && k.checked_sub(1)
                    .and_then(|j| printed.get(j))
                    .is_some_and(|prev| !prev.opens)
        })
        .collect();
    // Consecutive lines that all carry trailing comments align them one
    // column past the longest code of the run.
    let mut columns: Vec<usize> = printed.iter().map(|p| p.width() + COMMENT_GAP).collect();
    let mut k = 0;
    while k < printed.len() {
        let mut end = k;
        while printed.get(end).is_some_and(|p| p.trailing.is_some())
            && (end == k || !blanks.get(end).copied().unwrap_or(false))
        {
            end += 1;
        }
        if end > k {
            let column = printed
                .get(k..end)
                .unwrap_or(&[])
                .iter()
                .map(|p| p.width() + COMMENT_GAP)
                .max()
                .unwrap_or(0);
            for c in columns.get_mut(k..end).unwrap_or(&mut []) {
                *c = column;
            }
            k = end;
        } else {
            k += 1;
        }
    }
    let mut out = String::new();
    for ((p, blank), column) in printed.iter().zip(blanks).zip(columns) {
        if blank {
            out.push('\n');
        }
        let indent = p.depth * INDENT;
        out.extend(std::iter::repeat_n(' ', indent));
        out.push_str(&p.text);
        if let Some(comment) = &p.trailing {
            let pad = column.saturating_sub(p.width()).max(1);
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(comment);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format_source(text, FileId(0)) {
            Ok(out) => out,
            Err(d) => panic!("{d:?}"),
        }
    }

    #[test]
    fn lays_out_a_clause_with_modifiers() {
        let text = "contract c { clause r { a must pay b 20% of m every year due 90 days after period end until 2030-01-01 } }";
        assert_eq!(
            fmt(text),
            "contract c {\n  clause r {\n    a must pay b 20% of m\n      every year\n      due 90 days after period end\n    until 2030-01-01\n  }\n}\n"
        );
    }

    #[test]
    fn keeps_literals_and_spaces_punctuation() {
        let text = "contract c { action d ( via : p , x : q ) param cap = USD  1_000   billion clause k { a must not d where ( via in [ x , y ] ) } }";
        assert_eq!(
            fmt(text),
            "contract c {\n  action d(via: p, x: q)\n  param cap = USD 1_000 billion\n  clause k {\n    a must not d where (via in [x, y])\n  }\n}\n"
        );
    }

    #[test]
    fn keeps_comments_in_place() {
        let text = "// head\n\n\ncontract c { // opens\n\n  effective 2020-01-01 // a\n  term 1 year // bb\n  // before the brace\n}\n// tail\n";
        assert_eq!(
            fmt(text),
            "// head\n\ncontract c {            // opens\n  effective 2020-01-01  // a\n  term 1 year           // bb\n  // before the brace\n}\n// tail\n"
        );
    }

    #[test]
    fn moves_a_comment_inside_a_line_above_it() {
        let text =
            "contract c {\n  clause k {\n    a must not d // why\n      where x is y\n  }\n}\n";
        let out = fmt(text);
        assert_eq!(
            out,
            "contract c {\n  clause k {\n    // why\n    a must not d where x is y\n  }\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn a_lone_modifier_stands_at_statement_level() {
        let text = "amendment a { amends c from \"c.cov\" amend r { capped at USD 1 in total } }";
        assert_eq!(
            fmt(text),
            "amendment a {\n  amends c from \"c.cov\"\n  amend r {\n    capped at USD 1 in total\n  }\n}\n"
        );
    }

    #[test]
    fn reads_crlf_and_a_byte_order_mark() {
        let text = "\u{FEFF}contract c {\r\n  effective 2020-01-01 // a\r\n}\r\n";
        assert_eq!(fmt(text), "contract c {\n  effective 2020-01-01  // a\n}\n");
    }

    #[test]
    fn formats_the_deepest_nesting_accepted() {
        let depth = crate::syntax::MAX_NESTING - 2;
        let expr = format!("{}x{}", "( ".repeat(depth), " )".repeat(depth));
        let text = format!("contract c {{ clause k {{ a must not d where {expr} }} }}");
        let out = fmt(&text);
        assert!(out.contains(&format!(
            "where {}x{}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        )));
    }

    #[test]
    fn leaves_text_that_does_not_parse_alone() {
        assert!(format_source("contract c { effective 2020-02-30 }", FileId(0)).is_err());
        assert!(format_source("", FileId(0)).is_err());
    }

    #[test]
    fn erases_spans() {
        assert_eq!(
            erase_spans("Name { text: \"a\", span: Span { file: FileId(0), start: 1, end: 2 } }"),
            "Name { text: \"a\", span: Span }"
        );
    }
}
