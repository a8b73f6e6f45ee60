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
        Rule::EOI => "the end of the file",
        Rule::name | Rule::party_decl => "a name (lower case, like revenue_share)",
        Rule::date | Rule::date_ref => "a date like 2026-04-27",
        Rule::money | Rule::money_ref => "an amount like USD 38 billion",
        Rule::percent | Rule::rate_ref => "a percentage like 20%",
        Rule::duration | Rule::duration_ref => "a duration like 90 days",
        Rule::period => "a period like 2027, 2027-Q1 or 2027-03",
        Rule::string => "a quoted text like \"Revenue share\"",
        Rule::number | Rule::amount | Rule::decimal | Rule::integer => "a number like 1_000_000",
        Rule::value | Rule::operand => "a value (an amount, percentage, date, number or name)",
        Rule::boolean => "true or false",
        Rule::currency => "a currency code like USD",
        Rule::unit => "a period unit (year, quarter, month or contract year)",
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
        Rule::prohibition | Rule::payment | Rule::obligation | Rule::permission | Rule::licence | Rule::designation => {
            "a statement (`PARTY must not …`, `PARTY may …`, `PARTY must pay …`, `PARTY grants …`, `PARTY is \"ROLE\" of …`)"
        }
        Rule::contract_ref => "`contract \"PATH\"`",
        Rule::set_stmt => "`set`",
        Rule::event => "`on DATE …`",
        Rule::expectation => "`expect …`",
        Rule::metric_figure => "a metric figure (`METRIC for PERIOD is MONEY`)",
        Rule::arg_pair => "an argument and its value (like `via aws`)",
        Rule::where_clause => "`where`",
        Rule::notwithstanding => "`notwithstanding`",
        Rule::tier => "`up to`",
        Rule::renewal => "`renews every …`",
        Rule::by_deadline => "`by DATE`",
        Rule::within_deadline => "`within DURATION`",
        Rule::expr | Rule::comparison | Rule::paren_expr | Rule::negation => "a condition or comparison",
        Rule::list => "a list like [aws, oracle]",
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

/// Converts a pest error into a `covenant::syntax` diagnostic over the whole file.
pub fn pest_error_to_diagnostic(error: &Error<Rule>, text: &str, file: FileId) -> Diagnostic {
    let position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let found = token_at(text, position);
    let span = Span::new(file, position, position + found.len());
    let expected: Vec<String> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut seen = BTreeSet::new();
            positives
                .iter()
                .filter_map(|r| human_rule(*r))
                .filter(|h| seen.insert(h.clone()))
                .collect()
        }
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    let found_text = if found.is_empty() {
        "the end of the file".to_owned()
    } else {
        format!("`{found}`")
    };
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
            "the text ends here".to_owned()
        } else {
            "not expected here".to_owned()
        });
    if let Some(help) = help_for(found, &expected) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

fn help_for(found: &str, expected: &[String]) -> Option<String> {
    let wants_name = expected.iter().any(|e| e.starts_with("a name"));
    if wants_name && RESERVED.contains(&found) {
        return Some(format!(
            "`{found}` is a reserved word and cannot be used as a name; choose another name, such as `{found}_x`"
        ));
    }
    if wants_name && found.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return Some(
            "names are written in lower case with `_` between words, like revenue_share".to_owned(),
        );
    }
    if expected.iter().any(|e| e.starts_with("a date")) {
        return Some("dates are written year-month-day, like 2026-04-27".to_owned());
    }
    if expected.iter().any(|e| e.starts_with("an amount")) {
        return Some(
            "amounts start with a currency code, then the number: USD 38 billion, EUR 1_250.50"
                .to_owned(),
        );
    }
    if found.is_empty() {
        return Some("the file ends too early; check that every `{` has its `}`".to_owned());
    }
    if found.starts_with('"') && !found[1..].contains('"') {
        return Some("a quoted text must end on the same line with `\"`".to_owned());
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
        return &rest[..word_len.min(60)];
    }
    if rest.starts_with('"') {
        let end = rest[1..]
            .find(['"', '\n'])
            .map_or(rest.len(), |i| (i + 2).min(rest.len()));
        return &rest[..end.min(60)];
    }
    rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
}
