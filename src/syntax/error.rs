//! Turning pest's errors into diagnostics a lawyer can act on.
//!
//! pest reports the grammar rules it tried at the furthest position it
//! reached. Those rule names are internal (`money_ref`, `kw_until`), so each is
//! mapped to words a reader knows ("an amount like USD 38 billion", "`until`"),
//! and the span covers the whole offending word rather than one character.

use std::collections::BTreeSet;

use pest::error::{Error, ErrorVariant, InputLocation};

use super::parser::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The words that cannot be names; kept in step with the grammar's `reserved` rule.
pub const RESERVED: &[&str] = &[
    "contract",
    "set",
    "on",
    "expect",
    "for",
    "is",
    "not",
    "and",
    "or",
    "in",
    "true",
    "false",
    "thousand",
    "million",
    "billion",
    "must",
    "may",
    "pay",
    "pays",
    "grants",
    "owes",
    "becomes",
    "terminates",
    "gives",
];

/// A human name for a grammar rule, or `None` for rules not worth naming.
pub fn human_rule(rule: Rule) -> Option<String> {
    let text = match rule {
        // `allow` may start almost any line, but it is rare: naming it in every
        // list of what may come next would crowd out the words a reader needs.
        Rule::kw_allow | Rule::allow_decl => return None,
        // Likewise `interpret`: rare, and a line of its own.
        Rule::kw_interpret | Rule::interpret_decl => return None,
        Rule::reading => "`inclusive` or `exclusive`",
        Rule::EOI => "the end of the file",
        Rule::name | Rule::party_decl => "a name (lower case, like revenue_share)",
        Rule::date | Rule::date_ref => "a date like 2026-04-27",
        Rule::money | Rule::money_ref => "an amount like USD 38 billion",
        Rule::percent | Rule::rate_ref => "a percentage like 20%",
        Rule::duration | Rule::duration_ref => "a duration like 90 days",
        Rule::period => "a period like 2027, 2027-Q1, 2027-03 or FY2027",
        Rule::month_name => "a month like July",
        Rule::business_duration => "a number of business days like 10 business days",
        Rule::string => "a quoted text like \"Revenue share\"",
        Rule::number | Rule::amount | Rule::decimal | Rule::integer => "a number like 1_000_000",
        Rule::value | Rule::operand => "a value (an amount, percentage, date, number or name)",
        Rule::boolean => "true or false",
        Rule::currency => "a currency code like USD",
        Rule::unit => "a period unit (year, quarter, month, contract year, contract month or fiscal year)",
        Rule::time_unit => "days, weeks, months or years",
        Rule::magnitude => "thousand, million or billion",
        Rule::exclusivity => "exclusive or non-exclusive",
        Rule::status_word => "active, inactive, exclusive or non-exclusive",
        Rule::verdict => "permitted or forbidden",
        Rule::cmp_op => "a comparison (is, is not, <, <=, >, >=)",
        Rule::logic_op => "and / or",
        Rule::article => "`a` or `an`",
        Rule::contract_decl => "`contract`",
        Rule::amendment_decl => "`amendment`",
        Rule::scenario_decl => "`scenario`",
        Rule::parties_block => "`parties`",
        Rule::effective_decl => "`effective`",
        Rule::term_decl => "`term`",
        Rule::define_decl => "`define`",
        Rule::action_decl => "`action`",
        Rule::metric_decl => "`metric`",
        Rule::condition_decl => "`condition`",
        Rule::param_decl => "`param`",
        Rule::clause_decl => "`clause`",
        Rule::amends_decl => "`amends`",
        Rule::remove_decl => "`remove`",
        Rule::replace_decl => "`replace`",
        Rule::amend_decl => "`amend`",
        Rule::add_clause_decl => "`add clause`",
        Rule::termination_decl => "a party's termination right (`PARTY may terminate with 90 days notice`)",
        Rule::from_window | Rule::until_window | Rule::for_window | Rule::while_window | Rule::unless_window => {
            "a window (from, until, for, while, unless)"
        }
        Rule::every_mod | Rule::due_mod | Rule::cap_total | Rule::cap_period | Rule::floor_mod => {
            "a payment modifier (every, due, capped at, at least)"
        }
                Rule::statement | Rule::prohibition | Rule::payment | Rule::obligation | Rule::permission | Rule::licence | Rule::designation => {
            "a statement (`PARTY must not …`, `PARTY may …`, `PARTY must pay …`, `PARTY grants …`, `PARTY is \"ROLE\" of …`)"
        }
        Rule::contract_ref => "`contract \"PATH\"`",
        Rule::set_stmt => "`set`",
        Rule::event => "`on DATE …`",
        Rule::expectation => "`expect …`",
        Rule::metric_figure => "a metric figure (`METRIC for PERIOD is MONEY`)",
        Rule::metric_growth => "a growth path (`METRIC from PERIOD is MONEY growing RATE per year until PERIOD`)",
        Rule::growth_direction => "`growing` or `shrinking`",
        Rule::arg_pair => "an argument and its value (like `via aws`)",
        Rule::where_clause => "`where`",
        Rule::notwithstanding => "`notwithstanding`",
        Rule::tier => "`up to`",
        Rule::renewal => "`renews every …`",
        Rule::by_deadline => "`by DATE`",
        Rule::within_deadline => "`within DURATION`",
        Rule::needs_licence => "`needs licence to …`",
        Rule::per_item => "`the ARG of each ACTION for DURATION`",
        Rule::unlicensed => "`without a licence`",
        Rule::expr | Rule::comparison | Rule::paren_expr | Rule::negation => "a condition or comparison",
        Rule::list => "a list like [aws, oracle]",
        Rule::formula | Rule::rounded_sum | Rule::sum | Rule::product | Rule::factor | Rule::paren_formula => {
            "a value or a formula (like USD 250_000, 3 × monthly_fee or greater of (a, b))"
        }
        Rule::let_decl => "`let`",
        Rule::field_name => "a name, or an event's data like delivery.value",
        Rule::occurrence_sum => "an amount paid on each occurrence of an event (`FORMULA on each EVENT`)",
        Rule::on_each | Rule::due_each => "`each EVENT`",
        Rule::occurrence_ref => "`the EVENT on DATE`",
        Rule::extremum => "`greater of` or `lesser of`",
        Rule::share_of => "a percentage of a value (like 25% of annual_fee)",
        Rule::add_op | Rule::mul_op | Rule::plus | Rule::minus | Rule::times | Rule::divided_by => {
            "an operator (+, -, × or ÷)"
        }
        Rule::rounding => "`rounded`",
        Rule::round_mode => "down, up, half-up or half-even",
        Rule::round_target | Rule::round_whole => {
            "cents, whole units, whole days, whole months, whole years or N decimal places"
        }
        Rule::open_brace => "`{`",
        Rule::close_brace => "`}`",
        Rule::open_paren => "`(`",
        Rule::close_paren => "`)`",
        Rule::open_bracket => "`[`",
        Rule::close_bracket => "`]`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::equals => "`=`",
        Rule::le => "`<=`",
        Rule::ge => "`>=`",
        Rule::lt => "`<`",
        Rule::gt => "`>`",
        other => {
            let debug = format!("{other:?}");
            let word = debug.strip_prefix("kw_")?;
            return Some(format!("`{}`", word.replace('_', "-")));
        }
    };
    Some(text.to_owned())
}

/// Words that start a line at the top level of a contract, for "did you mean".
const TOP_LEVEL_WORDS: &[&str] = &[
    "parties",
    "effective",
    "term",
    "define",
    "action",
    "metric",
    "condition",
    "param",
    "clause",
    "amends",
    "remove",
    "replace",
    "amend",
    "add",
];

/// Converts a pest error into a `covenant::syntax` diagnostic over the whole file.
pub fn pest_error_to_diagnostic(error: &Error<Rule>, text: &str, file: FileId) -> Diagnostic {
    let mut position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // Point at the whole word, even when pest stopped inside it (`révision`).
    while position > 0
        && text
            .get(..position)
            .and_then(|t| t.chars().next_back())
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    {
        position -= text
            .get(..position)
            .and_then(|t| t.chars().next_back())
            .map_or(1, char::len_utf8);
    }
    let found = token_at(text, position);
    let span = Span::new(file, position, position + found.len());
    let mut rules: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // `PARTY may terminate …` starts with a name, so pest offers `may` after
    // any stray word; it is only worth naming when nothing else is expected.
    let only_may = rules == [Rule::kw_may];
    if rules.len() > 1 {
        rules.retain(|r| *r != Rule::kw_may);
    }
    // The words that carry a share on into a formula are one token
    // (`continues_word`); of them, `of` is the one a reader can be missing.
    for r in rules.iter_mut() {
        if *r == Rule::continues_word {
            *r = Rule::kw_of;
        }
    }
    rules.dedup();
    // After `20%` in a payment, the formula path also offers operators and
    // window words; `of` is the word a reader is missing.
    if rules.contains(&Rule::kw_of) {
        rules.retain(|r| {
            !matches!(
                r,
                Rule::kw_in
                    | Rule::kw_over
                    | Rule::kw_since
                    | Rule::kw_under
                    | Rule::kw_rounded
                    | Rule::mul_op
                    | Rule::add_op
                    | Rule::times
                    | Rule::divided_by
                    | Rule::plus
                    | Rule::minus
            )
        });
    }
    // After `20%` in a payment, a share (`of`) and a computed amount (an
    // operator, `on each EVENT`) both fit; the share is what was meant.
    let after_percent = text
        .get(..position)
        .is_some_and(|t| t.trim_end().ends_with('%'));
    if after_percent && rules.contains(&Rule::kw_of) && rules.contains(&Rule::kw_on) {
        rules.retain(|r| *r == Rule::kw_of);
    }
    let previous = previous_word(text, position);
    let meaningful_before = text.get(..position).is_some_and(has_code);
    if found.is_empty() && !meaningful_before {
        return Diagnostic::error(Code::Syntax, span, "the file holds no contract, amendment or scenario")
            .with_label("nothing here")
            .with_help("start the file with `contract NAME { … }`, `amendment NAME { … }` or `scenario NAME { … }`");
    }
    if only_may {
        if let Some((word, start)) = previous {
            let word_span = Span::new(file, start, start + word.len());
            if found == "must" || found == "may" || found == "grants" || found == "is" {
                return Diagnostic::error(Code::Syntax, word_span, format!("`{word} {found} …` is a statement, and statements belong inside a clause"))
                    .with_label("statement outside a clause")
                    .with_help("put it inside `clause NAME { … }`; only `PARTY may terminate … with … notice` stands at the top level");
            }
            let mut d = Diagnostic::error(
                Code::Syntax,
                word_span,
                format!("`{word}` does not start a line here"),
            )
            .with_label("not a keyword");
            d = match crate::diagnostic::suggest(word, TOP_LEVEL_WORDS.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("a contract line starts with parties, effective, term, define, action, metric, condition, param or clause"),
            };
            return d;
        }
    }
    let mut seen = BTreeSet::new();
    let expected: Vec<String> = rules
        .iter()
        .filter_map(|r| human_rule(*r))
        .filter(|h| seen.insert(h.clone()))
        .collect();
    let found_text = describe_found(found);
    let message = match expected.as_slice() {
        [] => format!("unexpected {found_text}"),
        [one] => format!("expected {one}, found {found_text}"),
        many => {
            let shown: Vec<&str> = many.iter().take(6).map(String::as_str).collect();
            let more = if many.len() > 6 { ", …" } else { "" };
            format!(
                "expected one of {}{more}; found {found_text}",
                shown.join(", ")
            )
        }
    };
    let mut diagnostic =
        Diagnostic::error(Code::Syntax, span, message).with_label(if found.is_empty() {
            "the text ends here"
        } else {
            "not expected here"
        });
    if found.is_empty() {
        if let Some(open) = unclosed_brace(text) {
            diagnostic = diagnostic
                .with_secondary(Span::new(file, open, open + 1), "this `{` is never closed");
        }
    }
    let after = text
        .get(position + found.len()..)
        .unwrap_or("")
        .trim_start_matches([' ', '\t']);
    if let Some(help) = help_for(found, previous.map(|(w, _)| w), after, &expected) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

fn describe_found(found: &str) -> String {
    match found.chars().next() {
        None => "the end of the file".to_owned(),
        Some(c) if c.is_control() => {
            format!("an invisible control character (U+{:04X})", u32::from(c))
        }
        Some(_) => format!("`{found}`"),
    }
}

/// Whether the text holds anything but blanks and comments.
fn has_code(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with("//")
    })
}

/// The word before `position`, skipping blanks, with its start offset.
fn previous_word(text: &str, position: usize) -> Option<(&str, usize)> {
    let before = text.get(..position)?;
    let trimmed = before.trim_end();
    let start = trimmed
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| {
            i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
        });
    let word = trimmed.get(start..)?;
    (!word.is_empty()).then_some((word, start))
}

/// The `{` most likely left open: the first one whose closing `}` is indented
/// differently from its opening line (a sign that it closed something else),
/// or else the innermost one still open at the end (strings and comments skipped).
fn unclosed_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let indent_at = |i: usize| {
        let line_start = text
            .get(..i)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |n| n + 1);
        text.get(line_start..)
            .map_or(0, |l| l.len() - l.trim_start_matches([' ', '\t']).len())
    };
    let mut suspect: Option<usize> = None;
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' => open.push(i),
            b'}' => {
                if let Some(o) = open.pop() {
                    let closing_starts_line = text
                        .get(..i)
                        .and_then(|t| t.rsplit('\n').next())
                        .is_some_and(|l| l.trim().is_empty());
                    if suspect.is_none() && closing_starts_line && indent_at(o) != indent_at(i) {
                        suspect = Some(o);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    suspect.or_else(|| open.last().copied())
}

fn help_for(
    found: &str,
    previous: Option<&str>,
    after: &str,
    expected: &[String],
) -> Option<String> {
    let wants_name = expected.iter().any(|e| e.starts_with("a name"));
    let wants = |prefix: &str| expected.iter().any(|e| e.starts_with(prefix));
    let first = found.chars().next();
    if wants_name && RESERVED.contains(&found) {
        return Some(format!("`{found}` is a reserved word and cannot be used as a name; choose another name, such as `{found}_x`"));
    }
    if matches!(first, Some('“' | '”' | '‘' | '’')) {
        return Some("use straight double quotes \"…\", not typographic quotes".to_owned());
    }
    if found.starts_with('"') {
        return Some("a quoted text must end on the same line with `\"`".to_owned());
    }
    if found.starts_with('%')
        || (after.starts_with('%')
            && found
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '_'))
    {
        return Some("write percentages without a space: 20%".to_owned());
    }
    let digits = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
    if (found.starts_with(',') && previous.is_some_and(digits))
        || (digits(found)
            && after.starts_with(',')
            && after[1..].starts_with(|c: char| c.is_ascii_digit()))
    {
        return Some(
            "write large numbers with `_` or words, not commas: 1_000_000 or 1 million".to_owned(),
        );
    }
    let hyphenated = found.contains('-')
        && found
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
        && !found.starts_with("non-");
    if hyphenated
        || (found.starts_with('-')
            && previous.is_some_and(|p| p.chars().all(|c| c.is_ascii_lowercase() || c == '_')))
    {
        return Some("names use `_` between words, not `-`: revenue_share".to_owned());
    }
    if let Some(p) = previous {
        if p.len() == 3
            && p.chars().all(|c| c.is_ascii_lowercase())
            && first.is_some_and(|c| c.is_ascii_digit())
        {
            return Some(format!(
                "currency codes are written in capitals: {} {found}",
                p.to_ascii_uppercase()
            ));
        }
    }
    if found.len() > 3
        && found.as_bytes().iter().take(3).all(u8::is_ascii_uppercase)
        && found.as_bytes().get(3).is_some_and(u8::is_ascii_digit)
    {
        let rest = &found[3..];
        let digits_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let (number, word) = rest.split_at(digits_end);
        let example = if word.is_empty() {
            format!("{} {number}", &found[..3])
        } else {
            format!("{} {number} {word}", &found[..3])
        };
        return Some(format!(
            "write spaces between the currency, the number and any magnitude word: {example}"
        ));
    }
    if wants_name && first.is_some_and(|c| c.is_ascii_uppercase()) {
        return Some(
            "names are written in lower case with `_` between words, like revenue_share".to_owned(),
        );
    }
    if found.chars().any(|c| c.is_alphabetic() && !c.is_ascii()) {
        return Some("names use the letters a to z, digits and `_` only".to_owned());
    }
    let unit_follows = ["day", "week", "month", "year"]
        .iter()
        .any(|u| after.starts_with(u));
    if (wants("a duration") || unit_follows) && found.contains('.') {
        return Some("durations are whole numbers of days, weeks, months or years: write 18 months, not 1.5 years".to_owned());
    }
    if wants("true or false") {
        return Some("write `true` or `false`".to_owned());
    }
    if wants("a date") {
        return Some("dates are written year-month-day, like 2026-04-27".to_owned());
    }
    if wants("an amount") {
        return Some(
            "amounts start with a currency code, then the number: USD 38 billion, EUR 1_250.50"
                .to_owned(),
        );
    }
    if found.is_empty() {
        return Some("the file ends too early; check that every `{` has its `}`".to_owned());
    }
    if matches!(found, "contract" | "amendment" | "scenario")
        && expected.iter().any(|e| e == "the end of the file")
    {
        return Some(
            "a file holds one contract, amendment or scenario; put the second in its own file"
                .to_owned(),
        );
    }
    if matches!(found, "expect" | "on" | "set" | "contract" | "clause") && !wants_name {
        return Some(format!(
            "`{found}` starts a new line, so the line before it looks unfinished"
        ));
    }
    None
}

/// The word (or single character) starting at `position`.
fn token_at(text: &str, position: usize) -> &str {
    let rest = text.get(position..).unwrap_or("");
    let word_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '%' || *c == '.'))
        .map_or(rest.len(), |(i, _)| i);
    if word_len > 0 {
        let mut end = word_len.min(60);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        return &rest[..end];
    }
    if let Some(inner) = rest.strip_prefix('"') {
        // An unterminated string stops at the line's end, without the line break.
        let end = inner.find(['"', '\n']).map_or(rest.len(), |i| {
            if inner[i..].starts_with('"') {
                i + 2
            } else {
                i + 1
            }
        });
        let mut end = end.min(60).min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        return &rest[..end];
    }
    rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
}
