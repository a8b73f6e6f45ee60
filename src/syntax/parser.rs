//! The pest parser and the lowering of its pairs into the typed AST.
//!
//! One lowering function per grammar rule. The grammar guarantees each
//! pair's shape; where a lowering function still meets an unexpected shape it
//! reports a `covenant::syntax` diagnostic rather than panicking, so that a
//! grammar change can never crash the tool.

use pest::iterators::Pair;
use pest::Parser;
use rust_decimal::Decimal;

use super::ast::*;
use super::error::pest_error_to_diagnostic;
use crate::calendar::{Date, Duration, DurationUnit, Period, PeriodUnit};
use crate::diagnostic::{Code, Diagnostic};
use crate::money::{Currency, Money, Rate};
use crate::source::{FileId, Span};

/// The generated parser; rule docs come from the grammar's `///` comments.
#[allow(missing_docs)]
mod generated {
    /// The pest parser generated from `grammar/covenant.pest`.
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/covenant.pest"]
    pub struct CovenantParser;
}

pub use generated::{CovenantParser, Rule};

/// Deepest nesting of brackets accepted; deeper input gets `covenant::nesting_too_deep`.
pub const MAX_NESTING: usize = 64;

/// Keywords and punctuation: pairs that carry no information once parsed.
fn is_noise(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_action
            | Rule::kw_active
            | Rule::kw_add
            | Rule::kw_after
            | Rule::kw_allow
            | Rule::kw_amend
            | Rule::kw_amendment
            | Rule::kw_amends
            | Rule::kw_and
            | Rule::kw_as
            | Rule::kw_at
            | Rule::kw_becomes
            | Rule::kw_because
            | Rule::kw_breach
            | Rule::kw_by
            | Rule::kw_cap
            | Rule::kw_capped
            | Rule::kw_caused
            | Rule::kw_clause
            | Rule::kw_condition
            | Rule::kw_contract
            | Rule::kw_convenience
            | Rule::kw_default
            | Rule::kw_define
            | Rule::kw_due
            | Rule::kw_each
            | Rule::kw_effective
            | Rule::kw_end
            | Rule::kw_earlier
            | Rule::kw_ends
            | Rule::kw_event
            | Rule::kw_every
            | Rule::kw_exclusive
            | Rule::kw_expect
            | Rule::kw_false
            | Rule::kw_for
            | Rule::kw_forbidden
            | Rule::kw_from
            | Rule::kw_gives
            | Rule::kw_grants
            | Rule::kw_in
            | Rule::kw_inactive
            | Rule::kw_interpret
            | Rule::kw_is
            | Rule::kw_least
            | Rule::kw_licence
            | Rule::kw_may
            | Rule::kw_metric
            | Rule::kw_month
            | Rule::kw_must
            | Rule::kw_needs
            | Rule::kw_no
            | Rule::kw_non_exclusive
            | Rule::kw_non_renewal
            | Rule::kw_not
            | Rule::kw_notice
            | Rule::kw_notwithstanding
            | Rule::kw_of
            | Rule::kw_on
            | Rule::kw_one
            | Rule::kw_or
            | Rule::kw_overdue
            | Rule::kw_owes
            | Rule::kw_param
            | Rule::kw_parties
            | Rule::kw_pay
            | Rule::kw_payment
            | Rule::kw_pays
            | Rule::kw_per
            | Rule::kw_period
            | Rule::kw_permitted
            | Rule::kw_quarter
            | Rule::kw_reached
            | Rule::kw_remove
            | Rule::kw_renews
            | Rule::kw_replace
            | Rule::kw_scenario
            | Rule::kw_set
            | Rule::kw_term
            | Rule::kw_terminate
            | Rule::kw_terminates
            | Rule::kw_termination
            | Rule::kw_the
            | Rule::kw_then
            | Rule::kw_to
            | Rule::kw_total
            | Rule::kw_true
            | Rule::kw_under
            | Rule::kw_unless
            | Rule::kw_until
            | Rule::kw_up
            | Rule::kw_later
            | Rule::kw_when
            | Rule::kw_where
            | Rule::kw_while
            | Rule::kw_with
            | Rule::kw_within
            | Rule::kw_without
            | Rule::kw_year
            | Rule::kw_amount
            | Rule::kw_below
            | Rule::kw_cumulative
            | Rule::kw_increasing
            | Rule::kw_shortfall
            | Rule::kw_tiers
            | Rule::kw_whole
            | Rule::kw_business
            | Rule::kw_fiscal
            | Rule::kw_holidays
            | Rule::kw_starts
            | Rule::article
            | Rule::open_brace
            | Rule::close_brace
            | Rule::open_paren
            | Rule::close_paren
            | Rule::open_bracket
            | Rule::close_bracket
            | Rule::comma
            | Rule::colon
            | Rule::equals
            | Rule::kw_let
            | Rule::kw_first
            | Rule::kw_recouping
            | Rule::kw_once
            | Rule::kw_stays
            | Rule::kw_made
            | Rule::kw_against
            | Rule::kw_adjusted
            | Rule::kw_base
            | Rule::kw_decreasing
            | Rule::kw_index
            | Rule::kw_never
            | Rule::kw_carried
            | Rule::kw_credited
            | Rule::kw_excess
            | Rule::kw_forward
            | Rule::kw_next
            | Rule::kw_shortfalls
            | Rule::kw_future
            | Rule::kw_following
            | Rule::kw_this
            | Rule::kw_current
            | Rule::kw_net
            | Rule::kw_payments
            | Rule::kw_between
            | Rule::kw_rounded
            | Rule::kw_decimal
            | Rule::kw_places
            | Rule::kw_unit
    )
}

/// The meaningful children of a pair.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    // An iterator, not a Vec: lowering calls this for every pair, and the
    // allocations showed in profiles of long contracts.
    pair.into_inner().filter(|p| !is_noise(p.as_rule()))
}

/// Parses one file's text into a document, or the diagnostics that prevent it.
pub fn parse_document(text: &str, file: FileId) -> Result<Document, Vec<Diagnostic>> {
    if let Some(diagnostic) = check_nesting(text, file) {
        return Err(vec![diagnostic]);
    }
    if let Some(result) = parse_scenario_by_lines(text, file) {
        return result;
    }
    let mut pairs = CovenantParser::parse(Rule::file, text)
        .map_err(|e| vec![pest_error_to_diagnostic(&e, text, file)])?;
    let mut lower = Lower::new(file);
    let document = pairs
        .next()
        .and_then(|file_pair| {
            children(file_pair)
                .into_iter()
                .find(|p| p.as_rule() != Rule::EOI)
        })
        .and_then(|top| lower.document(top));
    match document {
        Some(document) if lower.diagnostics.is_empty() => Ok(document),
        Some(_) => Err(lower.diagnostics),
        None => {
            let mut diagnostics = lower.diagnostics;
            if diagnostics.is_empty() {
                diagnostics.push(Diagnostic::whole_file(
                    Code::Syntax,
                    file,
                    "the file holds no contract, amendment or scenario",
                ));
            }
            Err(diagnostics)
        }
    }
}

/// Characters pest skips between tokens (`WHITESPACE` and `COMMENT` in the grammar).
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(pos) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => pos += 1,
            Some(b'/') if bytes.get(pos + 1) == Some(&b'/') => {
                while bytes.get(pos).is_some_and(|b| *b != b'\n') {
                    pos += 1;
                }
            }
            _ if text.get(pos..).is_some_and(|t| t.starts_with('\u{FEFF}')) => {
                pos += '\u{FEFF}'.len_utf8()
            }
            _ => return pos,
        }
    }
}

/// Reads a scenario one line at a time. A scenario may hold millions of
/// events; parsing it whole keeps pest's token queue for every line alive at
/// once, while line by line each line's tokens are dropped once lowered.
/// Returns `None` when the text is not a well-formed scenario, so that the
/// whole-file parse reports the error with its full context.
fn parse_scenario_by_lines(text: &str, file: FileId) -> Option<Result<Document, Vec<Diagnostic>>> {
    let start = skip_trivia(text, 0);
    if !text.get(start..)?.starts_with("scenario") {
        return None;
    }
    let head = CovenantParser::parse(Rule::scenario_head, text)
        .ok()?
        .next()?;
    let head_end = head.as_span().end();
    let mut lower = Lower::new(file);
    let mut parts = children(head).peekable();
    let (name, title) = lower.header(&mut parts)?;
    let mut items = Vec::new();
    let mut pos = head_end;
    loop {
        pos = skip_trivia(text, pos);
        let rest = text.get(pos..)?;
        if rest.starts_with('}') {
            let end = pos + 1;
            if skip_trivia(text, end) != text.len() {
                return None;
            }
            let span = Span::new(file, start, end);
            let scenario = Scenario {
                name,
                title,
                items,
                span,
            };
            return Some(if lower.diagnostics.is_empty() {
                Ok(Document::Scenario(scenario))
            } else {
                Err(lower.diagnostics)
            });
        }
        let line = CovenantParser::parse(Rule::scenario_line, rest)
            .ok()?
            .next()?;
        let consumed = line.as_span().end();
        if consumed == 0 {
            return None;
        }
        lower.offset = pos;
        let item = line.into_inner().next()?;
        items.extend(lower.scenario_item(item));
        pos += consumed;
    }
}

/// Parses an action query such as `openai distribute via aws` (for `covenant explain`).
pub fn parse_action_query(text: &str, file: FileId) -> Result<ActionUse, Vec<Diagnostic>> {
    if let Some(diagnostic) = check_nesting(text, file) {
        return Err(vec![diagnostic]);
    }
    let mut pairs = CovenantParser::parse(Rule::action_query, text)
        .map_err(|e| vec![pest_error_to_diagnostic(&e, text, file)])?;
    let mut lower = Lower::new(file);
    let query = pairs.next().and_then(|p| lower.action_use(p));
    match query {
        Some(q) if lower.diagnostics.is_empty() => Ok(q),
        _ => Err(lower.diagnostics),
    }
}

/// Parses a value written on the command line, such as `USD 20 billion`, `25%` or `2029-01-01`.
pub fn parse_value(text: &str, file: FileId) -> Result<Operand, Vec<Diagnostic>> {
    let mut pairs = CovenantParser::parse(Rule::value_query, text)
        .map_err(|e| vec![pest_error_to_diagnostic(&e, text, file)])?;
    let mut lower = Lower::new(file);
    let value = pairs
        .next()
        .and_then(|p| p.into_inner().find(|c| c.as_rule() == Rule::value))
        .and_then(|p| lower.operand(p));
    match value {
        Some(v) if lower.diagnostics.is_empty() => Ok(v),
        _ => Err(lower.diagnostics),
    }
}

/// Rejects bracket nesting deeper than [`MAX_NESTING`] before pest recurses into it.
fn check_nesting(text: &str, file: FileId) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::error(Code::NestingTooDeep, Span::new(file, i, i + 1), format!("brackets are nested more than {MAX_NESTING} deep"))
                            .with_label("this bracket is too deep")
                            .with_help("no contract needs this much nesting; split the expression into simpler parts"),
                    );
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

struct Lower {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    /// Where the text pest saw starts in the file (non-zero when a long scenario is read line by line).
    offset: usize,
    /// Operations read so far in the current `let` (see [`MAX_FORMULA_OPERATIONS`]).
    formula_operations: usize,
}

/// The most operations (`+`, `×`, `greater of`, `rounded`, …) one formula may
/// hold. Formulas are trees that the checker and evaluator walk recursively,
/// so a bound on their size is a bound on the stack they need.
pub const MAX_FORMULA_OPERATIONS: usize = 256;

impl Lower {
    /// A reader for text that starts at the beginning of `file`.
    fn new(file: FileId) -> Self {
        Lower {
            file,
            diagnostics: Vec::new(),
            offset: 0,
            formula_operations: 0,
        }
    }

    /// The pair's span without trailing blanks and comment lines, which pest
    /// includes when an optional part after them does not match.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let text = s.as_str();
        let start = s.start() + self.offset;
        // Most pairs end on a token. A comment can only end a pair at the end
        // of the input (inside the text a line break always follows it), so
        // such a pair needs no trimming; this skips the scan for nearly all.
        if text
            .as_bytes()
            .last()
            .is_some_and(|b| !b.is_ascii_whitespace())
            && s.end() < s.get_input().len()
        {
            return Span::new(self.file, start, start + text.len());
        }
        let mut end = text.len();
        loop {
            let trimmed = text[..end].trim_end();
            end = trimmed.len();
            let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
            if line_start > 0 && trimmed[line_start..].trim_start().starts_with("//") {
                end = line_start;
                continue;
            }
            break;
        }
        Span::new(
            self.file,
            start,
            start + end.max(usize::from(text.is_empty())).min(text.len()),
        )
    }

    /// Records a shape the grammar should have ruled out.
    fn shape_error(&mut self, pair: &Pair<'_, Rule>, what: &str) {
        let span = self.span(pair);
        self.diagnostics.push(
            Diagnostic::error(Code::Syntax, span, format!("could not read {what} here"))
                .with_help("this looks like a gap between the grammar and the reader; please report it with this file"),
        );
    }

    fn document(&mut self, pair: Pair<'_, Rule>) -> Option<Document> {
        match pair.as_rule() {
            Rule::contract_decl => self.contract(pair).map(Document::Contract),
            Rule::amendment_decl => self.amendment(pair).map(Document::Amendment),
            Rule::scenario_decl => self.scenario(pair).map(Document::Scenario),
            _ => {
                self.shape_error(&pair, "a contract, amendment or scenario");
                None
            }
        }
    }

    fn header<'i>(
        &mut self,
        parts: &mut std::iter::Peekable<impl Iterator<Item = Pair<'i, Rule>>>,
    ) -> Option<(Name, Option<Text>)> {
        let name = self.name(parts.next()?);
        let title = match parts.peek() {
            Some(p) if p.as_rule() == Rule::string => parts.next().map(|p| self.text(p)),
            _ => None,
        };
        Some((name, title))
    }

    fn contract(&mut self, pair: Pair<'_, Rule>) -> Option<Contract> {
        let span = self.span(&pair);
        let mut parts = children(pair).peekable();
        let (name, title) = self.header(&mut parts)?;
        let decls = parts.filter_map(|p| self.decl(p)).collect();
        Some(Contract {
            name,
            title,
            decls,
            span,
        })
    }

    fn amendment(&mut self, pair: Pair<'_, Rule>) -> Option<Amendment> {
        let span = self.span(&pair);
        let mut parts = children(pair).peekable();
        let (name, title) = self.header(&mut parts)?;
        let mut items = Vec::new();
        for part in parts {
            let item_span = self.span(&part);
            let item = match part.as_rule() {
                Rule::amends_decl => {
                    let mut c = children(part);
                    let name = self.name(c.next()?);
                    let path = self.text(c.next()?);
                    Some(AmendmentItem::Amends {
                        name,
                        path,
                        span: item_span,
                    })
                }
                Rule::remove_decl => {
                    let name = self.name(children(part).next()?);
                    Some(AmendmentItem::Remove(name, item_span))
                }
                Rule::replace_decl => self.clause(part).map(AmendmentItem::Replace),
                Rule::amend_decl => self.clause(part).map(AmendmentItem::Amend),
                Rule::add_clause_decl => self.clause(part).map(AmendmentItem::AddClause),
                _ => self.decl(part).map(AmendmentItem::Decl),
            };
            items.extend(item);
        }
        Some(Amendment {
            name,
            title,
            items,
            span,
        })
    }

    fn decl(&mut self, pair: Pair<'_, Rule>) -> Option<Decl> {
        let mut span = self.span(&pair);
        let rule = pair.as_rule();
        // An action's line ends at its last token: the optional `needs licence`
        // tried after it would otherwise pull a trailing comment into the span.
        if rule == Rule::action_decl || rule == Rule::event_decl {
            if let Some(last) = pair.clone().into_inner().last() {
                span.end = self.span(&last).end;
            }
        }
        // `for convenience` is made of keywords only, so it is read before they are filtered out.
        let convenience = pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::kw_convenience);
        let mut c = children(pair);
        Some(match rule {
            Rule::parties_block => {
                let mut parties = Vec::new();
                for party in c {
                    let mut p = children(party);
                    let name = self.name(p.next()?);
                    let title = p.next().map(|t| self.text(t));
                    parties.push(PartyDecl { name, title });
                }
                Decl::Parties(parties, span)
            }
            Rule::effective_decl => Decl::Effective(self.date(c.next()?), span),
            Rule::fiscal_decl => {
                let month = c.next()?;
                let month_span = self.span(&month);
                let month = month_number(month.as_str());
                let day = c.next()?;
                let day_span = self.span(&day);
                let day = day.as_str().replace('_', "").parse().unwrap_or(u32::MAX);
                Decl::FiscalYear(FiscalDecl {
                    month,
                    day,
                    date_span: month_span.to(day_span),
                    span,
                })
            }
            Rule::holidays_decl => {
                let mut days = Vec::new();
                for d in c {
                    let day_span = self.span(&d);
                    days.push((self.date(d), day_span));
                }
                Decl::Holidays(days, span)
            }
            Rule::term_decl => {
                let first = c.next()?;
                let length = match first.as_rule() {
                    Rule::term_until => TermLength::Until(self.date(children(first).next()?)),
                    _ => TermLength::For(self.duration(first)),
                };
                let renewal = match c.next() {
                    Some(r) => {
                        let rspan = self.span(&r);
                        let mut rc = children(r);
                        let every = self.duration(rc.next()?);
                        let notice = self.duration(rc.next()?);
                        Some(RenewalDecl {
                            every,
                            notice,
                            span: rspan,
                        })
                    }
                    None => None,
                };
                Decl::Term(TermDecl {
                    length,
                    renewal,
                    span,
                })
            }
            Rule::define_decl => {
                let name = self.name(c.next()?);
                let values = c.map(|v| self.name(v)).collect();
                Decl::Define(DefineDecl { name, values, span })
            }
            Rule::action_decl => {
                let name = self.name(c.next()?);
                let mut args = Vec::new();
                let mut licence = None;
                for arg in c {
                    if arg.as_rule() == Rule::needs_licence {
                        let need_span = self.span(&arg);
                        let what = children(arg).next()?;
                        let subject = if what.as_rule() == Rule::string {
                            LicenceSubject::Text(self.text(what))
                        } else {
                            LicenceSubject::Arg(self.name(what))
                        };
                        licence = Some(LicenceNeed {
                            subject,
                            span: need_span,
                        });
                        continue;
                    }
                    let mut a = children(arg);
                    let arg_name = self.name(a.next()?);
                    let ty = self.name(a.next()?);
                    args.push((arg_name, ty));
                }
                Decl::Action(ActionDecl {
                    name,
                    args,
                    licence,
                    span,
                })
            }
            Rule::event_decl => {
                let name = self.name(c.next()?);
                let mut args = Vec::new();
                for arg in c {
                    let mut a = children(arg);
                    let arg_name = self.name(a.next()?);
                    let ty = self.name(a.next()?);
                    args.push((arg_name, ty));
                }
                Decl::Event(ActionDecl {
                    name,
                    args,
                    licence: None,
                    span,
                })
            }
            Rule::metric_decl => {
                let name = self.name(c.next()?);
                let currency_pair = c.next()?;
                let currency_span = self.span(&currency_pair);
                let currency = self.currency(currency_pair);
                let unit = self.unit(c.next()?);
                let key = match c.next() {
                    Some(k) => Some(self.name(children(k).next()?)),
                    None => None,
                };
                Decl::Metric(MetricDecl {
                    name,
                    currency,
                    currency_span,
                    unit,
                    key,
                    span,
                })
            }
            Rule::index_decl => {
                let name = self.name(c.next()?);
                let unit = self.unit(c.next()?);
                Decl::Index(IndexDecl { name, unit, span })
            }
            Rule::unit_decl => {
                let name = self.name(c.next()?);
                let rounding = match c.next() {
                    Some(r) => {
                        let at = self.span(&r);
                        let (mode, target) = self.rounding(r)?;
                        Some((mode, target, at))
                    }
                    None => None,
                };
                Decl::Unit(UnitDecl {
                    name,
                    rounding,
                    span,
                })
            }
            Rule::condition_decl => {
                let name = self.name(c.next()?);
                let mut default = None;
                let mut metric_test = None;
                for part in c {
                    if part.as_rule() == Rule::metric_test {
                        let test_span = self.span(&part);
                        let mut t = children(part);
                        let first = t.next()?;
                        let (metric, aggregate) = if first.as_rule() == Rule::aggregate {
                            let a = self.aggregate(first)?;
                            (a.metric.clone(), Some(Box::new(a)))
                        } else {
                            (self.name(first), None)
                        };
                        let op = self.cmp_op(t.next()?);
                        let threshold = self.operand(t.next()?)?;
                        let settles = t.next().and_then(|s| {
                            children(s)
                                .find(|p| {
                                    matches!(p.as_rule(), Rule::stays_false | Rule::stays_true)
                                })
                                .map(|p| p.as_rule() == Rule::stays_true)
                        });
                        metric_test = Some(MetricTest {
                            metric,
                            aggregate,
                            op,
                            threshold,
                            settles,
                            span: test_span,
                        });
                    } else {
                        default = Some(self.boolean(part));
                    }
                }
                Decl::Condition(ConditionDecl {
                    name,
                    default,
                    metric_test,
                    span,
                })
            }
            Rule::param_decl => {
                let name = self.name(c.next()?);
                let second = c.next()?;
                let kind = if matches!(second.as_rule(), Rule::value | Rule::quantity) {
                    ParamKind::Default(self.operand(second)?)
                } else {
                    ParamKind::Required(self.name(second))
                };
                Decl::Param(ParamDecl { name, kind, span })
            }
            Rule::termination_decl => {
                let party = self.name(c.next()?);
                let notice = self.operand(c.next()?)?;
                let window = match c.next() {
                    Some(w) => match self.clause_item(w)? {
                        ClauseItem::Window(w) => Some(w),
                        _ => None,
                    },
                    None => None,
                };
                Decl::Termination(TerminationDecl {
                    party,
                    convenience,
                    notice,
                    window,
                    span,
                })
            }
            Rule::clause_decl => Decl::Clause(self.clause_from_parts(span, c)?),
            Rule::allow_decl => Decl::Allow(self.allow(span, c.collect())?),
            Rule::let_decl => Decl::Let(self.let_decl(span, c)?),
            Rule::netting_decl => {
                let first = self.name(c.next()?);
                let second = self.name(c.next()?);
                let unit = self.unit(c.next()?);
                Decl::Netting(NettingDecl {
                    first,
                    second,
                    unit,
                    span,
                })
            }
            Rule::interpret_decl => Decl::Interpret(self.interpret(span, c.collect())?),
            _ => {
                self.diagnostics.push(Diagnostic::error(
                    Code::Syntax,
                    span,
                    "this line is not allowed here",
                ));
                return None;
            }
        })
    }

    /// `interpret NAME: "WORD" as READING [for CLAUSE] [on DATE] because "REASON"`.
    fn interpret(&mut self, span: Span, parts: Vec<Pair<'_, Rule>>) -> Option<InterpretDecl> {
        let mut names = Vec::new();
        let mut texts = Vec::new();
        let mut exclusive = None;
        let mut reading_span = span;
        let mut date = None;
        for p in parts {
            match p.as_rule() {
                Rule::string => texts.push(self.text(p)),
                Rule::reading => {
                    reading_span = self.span(&p);
                    exclusive = Some(
                        p.into_inner().next().map(|k| k.as_rule()) == Some(Rule::kw_exclusive),
                    );
                }
                Rule::date => date = Some(self.date(p)),
                _ => names.push(self.name(p)),
            }
        }
        let mut names = names.into_iter();
        let mut texts = texts.into_iter();
        Some(InterpretDecl {
            name: names.next()?,
            word: texts.next()?,
            exclusive: exclusive?,
            reading_span,
            clause: names.next(),
            date,
            reason: texts.next()?,
            span,
        })
    }

    /// `allow CODE [for NAME] because "REASON"`: the parts are names, then the reason.
    fn allow(&mut self, span: Span, parts: Vec<Pair<'_, Rule>>) -> Option<AllowDecl> {
        let mut names = Vec::new();
        let mut reason = None;
        for p in parts {
            match p.as_rule() {
                Rule::string => reason = Some(self.text(p)),
                _ => names.push(self.name(p)),
            }
        }
        let mut names = names.into_iter();
        Some(AllowDecl {
            code: names.next()?,
            target: names.next(),
            reason: reason?,
            span,
        })
    }

    fn clause(&mut self, pair: Pair<'_, Rule>) -> Option<ClauseDecl> {
        let span = self.span(&pair);
        self.clause_from_parts(span, children(pair))
    }

    fn clause_from_parts<'i>(
        &mut self,
        span: Span,
        parts: impl IntoIterator<Item = Pair<'i, Rule>>,
    ) -> Option<ClauseDecl> {
        let mut parts = parts.into_iter().peekable();
        let (name, title) = self.header(&mut parts)?;
        let body_pair = parts.next()?;
        let mut body = Vec::new();
        for item in children(body_pair) {
            body.extend(self.clause_item(item));
        }
        Some(ClauseDecl {
            name,
            title,
            body,
            span,
        })
    }

    fn clause_item(&mut self, pair: Pair<'_, Rule>) -> Option<ClauseItem> {
        let span = self.span(&pair);
        // A statement is its party then its kind; the arms below read the kind's
        // parts with the party in front, as one sequence.
        let (rule, mut c) = if pair.as_rule() == Rule::statement {
            let mut parts: Vec<_> = children(pair).collect();
            let tail = parts.pop()?;
            let rule = tail.as_rule();
            parts.extend(children(tail));
            (rule, parts.into_iter())
        } else {
            (
                pair.as_rule(),
                children(pair).collect::<Vec<_>>().into_iter(),
            )
        };
        Some(match rule {
            Rule::allow_decl => ClauseItem::Allow(self.allow(span, c.collect())?),
            Rule::let_decl => ClauseItem::Let(self.let_decl(span, c)?),
            Rule::from_window => ClauseItem::Window(Window::From(self.operand(c.next()?)?, span)),
            Rule::until_window => ClauseItem::Window(Window::Until(self.operand(c.next()?)?, span)),
            Rule::for_window => ClauseItem::Window(Window::For(self.operand(c.next()?)?, span)),
            Rule::event_window => {
                let mut first = c.next()?;
                let within = first.as_rule() == Rule::window_within;
                if within {
                    first = c.next()?;
                }
                let length = self.operand(first)?;
                let event = self.name(c.next()?);
                ClauseItem::Window(Window::After {
                    within,
                    length,
                    event,
                    span,
                })
            }
            Rule::while_window => ClauseItem::Window(Window::While(self.expr(c.next()?)?, span)),
            Rule::unless_window => ClauseItem::Window(Window::Unless(self.expr(c.next()?)?, span)),
            Rule::every_mod => ClauseItem::Modifier(Modifier::Every(self.unit(c.next()?), span)),
            Rule::due_mod => {
                let length = self.operand(c.next()?)?;
                // `after period end` leaves no pair; `after each EVENT` leaves `due_each`.
                let each = match c.next() {
                    Some(e) => Some(self.name(children(e).next()?)),
                    None => None,
                };
                ClauseItem::Modifier(Modifier::Due(length, each, span))
            }
            Rule::cap_total => {
                ClauseItem::Modifier(Modifier::CapTotal(self.operand(c.next()?)?, span))
            }
            Rule::cap_period => {
                let amount = self.operand(c.next()?)?;
                ClauseItem::Modifier(Modifier::CapPer(amount, self.unit(c.next()?), span))
            }
            Rule::floor_mod => {
                let amount = self.operand(c.next()?)?;
                ClauseItem::Modifier(Modifier::Floor(amount, self.unit(c.next()?), span))
            }
            Rule::tiers_whole => ClauseItem::Modifier(Modifier::WholeAmount(span)),
            Rule::tiers_cumulative => ClauseItem::Modifier(Modifier::Cumulative(span)),
            Rule::recoup_mod => {
                ClauseItem::Modifier(Modifier::Recoup(self.operand(c.next()?)?, span))
            }
            Rule::credit_excess => ClauseItem::Modifier(Modifier::Credit {
                kind: CreditKind::Excess,
                within: self.credit_for(c.next())?,
                span,
            }),
            Rule::cap_key_total => {
                let amount = self.operand(c.next()?)?;
                let key = self.name(c.next()?);
                ClauseItem::Modifier(Modifier::CapPerKey(amount, key, span))
            }
            Rule::index_mod => {
                let index = self.name(c.next()?);
                let mut adjust = IndexAdjust {
                    index,
                    base: None,
                    cap: None,
                    floor: None,
                    never_decreasing: false,
                    span,
                };
                for part in c {
                    match part.as_rule() {
                        Rule::index_base => {
                            let p = children(part).next()?;
                            let s = self.span(&p);
                            adjust.base = Some((self.period(p), s));
                        }
                        _ => {
                            let limit = children(part).next()?;
                            match limit.as_rule() {
                                Rule::index_cap => {
                                    adjust.cap = Some(self.operand(children(limit).next()?)?)
                                }
                                Rule::index_floor => {
                                    adjust.floor = Some(self.operand(children(limit).next()?)?)
                                }
                                _ => adjust.never_decreasing = true,
                            }
                        }
                    }
                }
                ClauseItem::Modifier(Modifier::Index(adjust))
            }
            Rule::shortfall_mod => {
                let form = c.next()?;
                let rule = form.as_rule();
                let mut parts = children(form);
                match rule {
                    Rule::credit_makeup => ClauseItem::Modifier(Modifier::Credit {
                        kind: CreditKind::MakeUp,
                        within: self.credit_for(parts.next())?,
                        span,
                    }),
                    _ => {
                        let unit = self.unit(parts.next()?);
                        ClauseItem::Modifier(Modifier::Credit {
                            kind: CreditKind::CarryForward(unit),
                            within: None,
                            span,
                        })
                    }
                }
            }
            Rule::escalator_mod => {
                let rate = self.operand(c.next()?)?;
                let from_year = match c.next() {
                    Some(from) => {
                        let year = children(from).next()?;
                        Some((self.contract_year_number(&year)?, self.span(&year)))
                    }
                    None => None,
                };
                ClauseItem::Modifier(Modifier::Escalator {
                    rate,
                    from_year,
                    span,
                })
            }
            Rule::prohibition => {
                let party = self.name(c.next()?);
                let action = self.name(c.next()?);
                let condition = match c.next() {
                    Some(w) => Some(self.where_clause(w)?),
                    None => None,
                };
                ClauseItem::Statement(Statement::Prohibition {
                    party,
                    action,
                    condition,
                    span,
                })
            }
            Rule::permission => {
                let party = self.name(c.next()?);
                let action = self.name(c.next()?);
                let mut condition = None;
                let mut notwithstanding = Vec::new();
                for rest in c {
                    match rest.as_rule() {
                        Rule::where_clause => condition = Some(self.where_clause(rest)?),
                        _ => notwithstanding = children(rest).map(|n| self.name(n)).collect(),
                    }
                }
                ClauseItem::Statement(Statement::Permission {
                    party,
                    action,
                    condition,
                    notwithstanding,
                    span,
                })
            }
            Rule::obligation => {
                let party = self.name(c.next()?);
                let action = self.name(c.next()?);
                let mut condition = None;
                let mut deadline = None;
                for rest in c {
                    match rest.as_rule() {
                        Rule::where_clause => condition = Some(self.where_clause(rest)?),
                        Rule::by_deadline => {
                            deadline = Some(Deadline::By(self.operand(children(rest).next()?)?))
                        }
                        _ => {
                            deadline = Some(Deadline::Within(self.operand(children(rest).next()?)?))
                        }
                    }
                }
                ClauseItem::Statement(Statement::Obligation {
                    party,
                    action,
                    condition,
                    deadline: deadline?,
                    span,
                })
            }
            Rule::licence => {
                let grantor = self.name(c.next()?);
                let licensee = self.name(c.next()?);
                let exclusive = self.exclusivity(c.next()?);
                let what = c.next()?;
                let (subject, per_item) = if what.as_rule() == Rule::per_item {
                    let item_span = self.span(&what);
                    let mut p = children(what);
                    let arg = self.name(p.next()?);
                    let action = self.name(p.next()?);
                    let duration = self.operand(p.next()?)?;
                    let subject = Text {
                        text: format!("the {} of each {}", arg.text, action.text),
                        span: arg.span.to(action.span),
                    };
                    (
                        subject,
                        Some(PerItem {
                            arg,
                            action,
                            duration,
                            span: item_span,
                        }),
                    )
                } else {
                    (self.text(what), None)
                };
                ClauseItem::Statement(Statement::Licence {
                    grantor,
                    licensee,
                    exclusive,
                    subject,
                    per_item,
                    span,
                })
            }
            Rule::designation => {
                let holder = self.name(c.next()?);
                let role = self.text(c.next()?);
                let of = self.name(c.next()?);
                ClauseItem::Statement(Statement::Designation {
                    holder,
                    role,
                    of,
                    span,
                })
            }
            Rule::payment => {
                let payer = self.name(c.next()?);
                let payee = self.name(c.next()?);
                let how = c.next()?;
                let amount = match how.as_rule() {
                    Rule::shortfall => {
                        let mut s = children(how);
                        let metric = self.name(s.next()?);
                        let commitment = self.operand(s.next()?)?;
                        PaymentAmount::Shortfall { metric, commitment }
                    }
                    Rule::share => {
                        let mut s = children(how);
                        let rate = self.operand(s.next()?)?;
                        let metric = self.name(s.next()?);
                        let mut tiers = Vec::new();
                        for tier in s {
                            let mut t = children(tier);
                            let threshold = self.operand(t.next()?)?;
                            let next_rate = self.operand(t.next()?)?;
                            tiers.push((threshold, next_rate));
                        }
                        PaymentAmount::Share {
                            rate,
                            metric,
                            tiers,
                        }
                    }
                    Rule::amount_formula => {
                        self.formula_operations = 0;
                        PaymentAmount::Formula(self.formula(children(how).next()?)?)
                    }
                    Rule::occurrence_sum => {
                        self.formula_operations = 0;
                        let mut f = children(how);
                        let amount = self.formula(f.next()?)?;
                        let event = self.name(children(f.next()?).next()?);
                        PaymentAmount::OnEach { amount, event }
                    }
                    _ => {
                        let mut f = children(how);
                        let amount = self.operand(f.next()?)?;
                        let mut on_termination = false;
                        let mut cause = None;
                        let on = match f.next() {
                            Some(d) if d.as_rule() == Rule::on_termination => {
                                on_termination = true;
                                if let Some(n) = children(d).find(|p| p.as_rule() == Rule::name) {
                                    cause = Some(self.name(n));
                                }
                                None
                            }
                            Some(d) if d.as_rule() == Rule::on_each => {
                                let event = self.name(children(d).next()?);
                                let amount = Formula::Operand(amount);
                                return Some(ClauseItem::Statement(Statement::Payment {
                                    payer,
                                    payee,
                                    amount: PaymentAmount::OnEach { amount, event },
                                    span,
                                }));
                            }
                            Some(d) => Some(self.operand(d)?),
                            None => None,
                        };
                        PaymentAmount::Fixed {
                            amount,
                            on,
                            on_termination,
                            cause,
                        }
                    }
                };
                ClauseItem::Statement(Statement::Payment {
                    payer,
                    payee,
                    amount,
                    span,
                })
            }
            _ => {
                self.shape_error(&Pair::clone(&c.next()?), "a clause line");
                return None;
            }
        })
    }

    fn where_clause(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let e = children(pair).next()?;
        self.expr(e)
    }

    /// Lowers `negation* primary (logic_op negation* primary)*` with `and`
    /// binding tighter than `or`, iteratively so that long chains cannot
    /// exhaust the stack; repeated `not`s fold by parity.
    fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        let mut or_terms: Vec<Expr> = Vec::new();
        let mut and_terms: Vec<Expr> = Vec::new();
        let mut negations = 0usize;
        for part in children(pair) {
            match part.as_rule() {
                Rule::negation => negations += 1,
                Rule::logic_op => {
                    let is_or =
                        part.clone().into_inner().next().map(|k| k.as_rule()) == Some(Rule::kw_or);
                    if is_or {
                        or_terms.push(fold(std::mem::take(&mut and_terms), Expr::And));
                    }
                }
                _ => {
                    let pspan = self.span(&part);
                    let mut e = self.primary(part)?;
                    if negations % 2 == 1 {
                        e = Expr::Not(Box::new(e), pspan);
                    }
                    negations = 0;
                    and_terms.push(e);
                }
            }
        }
        or_terms.push(fold(and_terms, Expr::And));
        let mut e = fold(or_terms, Expr::Or);
        // A folded single term keeps its own span; a combination spans the whole expression.
        match &mut e {
            Expr::And(_, s) | Expr::Or(_, s) => *s = span,
            _ => {}
        }
        Some(e)
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::paren_expr => {
                let inner = children(pair).next()?;
                self.expr(inner)
            }
            Rule::comparison => {
                let mut c = children(pair);
                let left = self.operand(c.next()?)?;
                let Some(second) = c.next() else {
                    return Some(Expr::Atom(left));
                };
                if second.as_rule() == Rule::list {
                    let items = children(second).filter_map(|o| self.operand(o)).collect();
                    Some(Expr::In(left, items, span))
                } else {
                    let op = match second.into_inner().next().map(|k| k.as_rule()) {
                        Some(Rule::is_not) => CmpOp::IsNot,
                        Some(Rule::kw_is) => CmpOp::Is,
                        Some(Rule::le) => CmpOp::Le,
                        Some(Rule::ge) => CmpOp::Ge,
                        Some(Rule::lt) => CmpOp::Lt,
                        _ => CmpOp::Gt,
                    };
                    let right = self.operand(c.next()?)?;
                    Some(Expr::Compare(left, op, right, span))
                }
            }
            _ => Some(Expr::Atom(self.operand(pair)?)),
        }
    }

    fn scenario(&mut self, pair: Pair<'_, Rule>) -> Option<Scenario> {
        let span = self.span(&pair);
        let mut parts = children(pair).peekable();
        let (name, title) = self.header(&mut parts)?;
        let mut items = Vec::new();
        for part in parts {
            items.extend(self.scenario_item(part));
        }
        Some(Scenario {
            name,
            title,
            items,
            span,
        })
    }

    fn scenario_item(&mut self, pair: Pair<'_, Rule>) -> Option<ScenarioItem> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut c = children(pair);
        Some(match rule {
            Rule::contract_ref => ScenarioItem::Contract(self.text(c.next()?), span),
            Rule::set_stmt => {
                let name = self.name(c.next()?);
                ScenarioItem::Set(name, self.operand(c.next()?)?, span)
            }
            Rule::metric_figure => {
                let metric = self.name(c.next()?);
                let period_pair = c.next()?;
                let period_span = self.span(&period_pair);
                let period = self.period(period_pair);
                let mut next = c.next()?;
                let mut key = None;
                if next.as_rule() == Rule::figure_key {
                    key = self.figure_key(next);
                    next = c.next()?;
                }
                let amount = self.operand(next)?;
                ScenarioItem::Figure {
                    metric,
                    period,
                    period_span,
                    amount,
                    key,
                    span,
                }
            }
            Rule::metric_growth => {
                let metric = self.name(c.next()?);
                let from_pair = c.next()?;
                let from_span = self.span(&from_pair);
                let from = self.period(from_pair);
                let start = self.operand(c.next()?)?;
                let shrinking =
                    c.next()?.into_inner().next().map(|k| k.as_rule()) == Some(Rule::kw_shrinking);
                let rate = self.operand(c.next()?)?;
                let unit_pair = c.next()?;
                let per_span = self.span(&unit_pair);
                let per = self.unit(unit_pair);
                let until_pair = c.next()?;
                let until_span = self.span(&until_pair);
                let until = self.period(until_pair);
                ScenarioItem::Growth(GrowthPath {
                    metric,
                    from,
                    from_span,
                    start,
                    shrinking,
                    rate,
                    per,
                    per_span,
                    until,
                    until_span,
                    span,
                })
            }
            Rule::event => {
                let date = self.date(c.next()?);
                // The grantor, condition, party or payer: read once for every kind of event.
                let subject = self.name(c.next()?);
                let body = c.next()?;
                let body_rule = body.as_rule();
                let mut b = children(body.clone());
                let kind = match body_rule {
                    Rule::ev_grant => {
                        let grantor = subject;
                        let licensee = self.name(b.next()?);
                        let mut exclusive = None;
                        let mut subject = None;
                        for rest in b {
                            match rest.as_rule() {
                                Rule::exclusivity => exclusive = Some(self.exclusivity(rest)),
                                _ => subject = Some(self.text(rest)),
                            }
                        }
                        EventKind::Grant {
                            grantor,
                            licensee,
                            exclusive,
                            subject: subject?,
                        }
                    }
                    Rule::ev_becomes => {
                        let value = b.next()?;
                        if value.as_rule() == Rule::kw_unknown {
                            EventKind::BecomesUnknown(subject)
                        } else {
                            EventKind::Becomes(subject, self.boolean(value))
                        }
                    }
                    Rule::ev_terminates => {
                        let cause = b.next().map(|n| self.name(n));
                        EventKind::Terminates(subject, cause)
                    }
                    Rule::ev_nonrenewal => EventKind::NonRenewal(subject),
                    Rule::ev_pays => {
                        let payer = subject;
                        let payee = self.name(b.next()?);
                        EventKind::Pays {
                            payer,
                            payee,
                            amount: self.money(b.next()?),
                        }
                    }
                    Rule::ev_declared => {
                        let mut args = Vec::new();
                        for arg in b.filter(|p| p.as_rule() == Rule::arg_pair) {
                            let mut a = children(arg);
                            let name = self.name(a.next()?);
                            args.push((name, self.operand(a.next()?)?));
                        }
                        EventKind::Declared {
                            event: subject,
                            args,
                        }
                    }
                    _ => {
                        let action = self.name(b.next()?);
                        let mut args = Vec::new();
                        for arg in b.filter(|p| p.as_rule() == Rule::arg_pair) {
                            let mut a = children(arg);
                            let name = self.name(a.next()?);
                            args.push((name, self.operand(a.next()?)?));
                        }
                        EventKind::Action(ActionUse {
                            party: subject,
                            action,
                            args,
                        })
                    }
                };
                ScenarioItem::Event(Event { date, kind, span })
            }
            Rule::expectation => {
                let body = c.next()?;
                ScenarioItem::Expect(Expectation {
                    kind: self.expectation(body)?,
                    span,
                })
            }
            _ => {
                self.shape_error(&Pair::clone(&c.next()?), "a scenario line");
                return None;
            }
        })
    }

    fn action_use(&mut self, pair: Pair<'_, Rule>) -> Option<ActionUse> {
        let mut c = children(pair);
        let party = self.name(c.next()?);
        let action = self.name(c.next()?);
        let mut args = Vec::new();
        for arg in c.filter(|p| p.as_rule() == Rule::arg_pair) {
            let mut a = children(arg);
            let name = self.name(a.next()?);
            args.push((name, self.operand(a.next()?)?));
        }
        Some(ActionUse {
            party,
            action,
            args,
        })
    }

    fn expectation(&mut self, pair: Pair<'_, Rule>) -> Option<ExpectKind> {
        let rule = pair.as_rule();
        let all: Vec<_> = children(pair.clone()).collect();
        let mut c = all.clone().into_iter();
        Some(match rule {
            Rule::ex_owes => {
                let payer = self.name(c.next()?);
                let payee = self.name(c.next()?);
                let amount = self.money(c.next()?);
                let when = c.next()?;
                if when.as_rule() == Rule::occurrence_ref {
                    let mut o = children(when);
                    let event = self.name(o.next()?);
                    let date = self.date(o.next()?);
                    let clause = self.name(c.next()?);
                    return Some(ExpectKind::OwesOccurrence {
                        payer,
                        payee,
                        amount,
                        event,
                        date,
                        clause,
                    });
                }
                let period = self.period(when);
                let clause = self.name(c.next()?);
                let key = c.next().and_then(|k| self.figure_key(k));
                ExpectKind::Owes {
                    payer,
                    payee,
                    amount,
                    period,
                    clause,
                    key,
                }
            }
            Rule::ex_owes_net => {
                let payer = self.name(c.next()?);
                let payee = self.name(c.next()?);
                let amount = self.money(c.next()?);
                let period = self.period(c.next()?);
                ExpectKind::OwesNet {
                    payer,
                    payee,
                    amount,
                    period,
                }
            }
            Rule::ex_overdue => {
                let payer = self.name(c.next()?);
                let payee = self.name(c.next()?);
                let amount = self.money(c.next()?);
                let date = self.date(c.next()?);
                ExpectKind::Overdue {
                    payer,
                    payee,
                    amount,
                    date,
                }
            }
            Rule::ex_status => {
                let clause = self.name(c.next()?);
                let word = c.next()?;
                let status = match word.into_inner().next().map(|k| k.as_rule()) {
                    Some(Rule::kw_active) => StatusWord::Active,
                    Some(Rule::kw_inactive) => StatusWord::Inactive,
                    Some(Rule::kw_exclusive) => StatusWord::Exclusive,
                    _ => StatusWord::NonExclusive,
                };
                let date = self.date(c.next()?);
                ExpectKind::Status {
                    clause,
                    status,
                    date,
                }
            }
            Rule::ex_cap => {
                let clause = self.name(c.next()?);
                let period = self.period(c.next()?);
                ExpectKind::CapReached { clause, period }
            }
            Rule::ex_ends => ExpectKind::Ends(self.date(c.next()?)),
            Rule::ex_breach => ExpectKind::Breach(self.name(c.next()?)),
            Rule::ex_no_breach => ExpectKind::NoBreach(c.next().map(|n| self.name(n))),
            Rule::ex_due => {
                let clause = self.name(c.next()?);
                let period = self.period(c.next()?);
                let date = self.date(c.next()?);
                ExpectKind::Due {
                    clause,
                    period,
                    date,
                }
            }
            Rule::ex_verdict => {
                let party = self.name(c.next()?);
                let action = self.name(c.next()?);
                let mut args = Vec::new();
                let mut date = None;
                let mut permitted = true;
                let mut by = None;
                let mut unlicensed = false;
                for rest in c {
                    match rest.as_rule() {
                        Rule::arg_pair => {
                            let mut a = children(rest);
                            let name = self.name(a.next()?);
                            args.push((name, self.operand(a.next()?)?));
                        }
                        Rule::date => date = Some(self.date(rest)),
                        Rule::verdict => {
                            permitted = rest.into_inner().next().map(|k| k.as_rule())
                                == Some(Rule::kw_permitted);
                        }
                        Rule::unlicensed => {
                            if permitted {
                                let span = self.span(&rest);
                                self.diagnostics.push(
                                    Diagnostic::error(Code::Syntax, span, "`without a licence` can only follow `is forbidden`")
                                        .with_label("after `is permitted`")
                                        .with_help("write `is forbidden without a licence`, or `is permitted` on its own"),
                                );
                            }
                            unlicensed = true;
                        }
                        _ => by = Some(self.name(rest)),
                    }
                }
                ExpectKind::Verdict {
                    query: ActionUse {
                        party,
                        action,
                        args,
                    },
                    date: date?,
                    permitted,
                    by,
                    unlicensed,
                }
            }
            _ => {
                self.shape_error(&pair, "an expectation");
                return None;
            }
        })
    }

    // ------------------------------------------------------------ tokens

    fn name(&mut self, pair: Pair<'_, Rule>) -> Name {
        Name {
            text: pair.as_str().to_owned(),
            span: self.span(&pair),
        }
    }

    fn cmp_op(&self, pair: Pair<'_, Rule>) -> CmpOp {
        match pair.into_inner().next().map(|k| k.as_rule()) {
            Some(Rule::is_not) => CmpOp::IsNot,
            Some(Rule::kw_is) => CmpOp::Is,
            Some(Rule::le) => CmpOp::Le,
            Some(Rule::ge) => CmpOp::Ge,
            Some(Rule::lt) => CmpOp::Lt,
            _ => CmpOp::Gt,
        }
    }

    fn text(&mut self, pair: Pair<'_, Rule>) -> Text {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().map_or("", |p| p.as_str());
        let mut text = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(ch) = chars.next() {
            if ch == '\\' {
                text.extend(chars.next());
            } else {
                text.push(ch);
            }
        }
        Text { text, span }
    }

    fn boolean(&mut self, pair: Pair<'_, Rule>) -> bool {
        pair.into_inner().next().map(|k| k.as_rule()) == Some(Rule::kw_true)
    }

    fn exclusivity(&mut self, pair: Pair<'_, Rule>) -> bool {
        pair.into_inner().next().map(|k| k.as_rule()) == Some(Rule::kw_exclusive)
    }

    /// `for project "alpha"`: a key's word and value.
    fn figure_key(&mut self, pair: Pair<'_, Rule>) -> Option<(Name, Text)> {
        let mut p = children(pair);
        let word = self.name(p.next()?);
        let value = self.text(p.next()?);
        Some((word, value))
    }

    /// The optional `for DURATION` of a credit line: `Some(None)` when it is not written.
    fn credit_for(&mut self, pair: Option<Pair<'_, Rule>>) -> Option<Option<Operand>> {
        match pair {
            Some(p) => Some(Some(self.operand(children(p).next()?)?)),
            None => Some(None),
        }
    }

    fn unit(&mut self, pair: Pair<'_, Rule>) -> PeriodUnit {
        match pair.into_inner().next().map(|k| k.as_rule()) {
            Some(Rule::contract_year) => PeriodUnit::ContractYear,
            Some(Rule::contract_month) => PeriodUnit::ContractMonth,
            Some(Rule::fiscal_year) => PeriodUnit::FiscalYear,
            Some(Rule::kw_quarter) => PeriodUnit::Quarter,
            Some(Rule::kw_month) => PeriodUnit::Month,
            _ => PeriodUnit::Year,
        }
    }

    /// An ISO code (`USD`), or a declared quantity unit's name (`shares`).
    fn currency(&mut self, pair: Pair<'_, Rule>) -> Currency {
        if pair.as_rule() != Rule::name {
            return Currency::parse(pair.as_str()).unwrap_or(Currency::iso(*b"XXX"));
        }
        match Currency::quantity(pair.as_str()) {
            Some(unit) => unit,
            None => {
                let span = self.span(&pair);
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::LimitExceeded,
                        span,
                        format!(
                            "the unit name `{}` is longer than {} characters",
                            pair.as_str(),
                            crate::money::MAX_UNIT_NAME
                        ),
                    )
                    .with_label("too long")
                    .with_help("give the unit a shorter name, like `shares` or `barrels`"),
                );
                Currency::iso(*b"XXX")
            }
        }
    }

    fn date(&mut self, pair: Pair<'_, Rule>) -> Date {
        let span = self.span(&pair);
        match Date::parse_from_str(pair.as_str(), "%Y-%m-%d") {
            Ok(date) => date,
            Err(_) => {
                self.diagnostics.push(
                    Diagnostic::error(Code::InvalidDate, span, format!("{} is not a date in the calendar", pair.as_str()))
                        .with_label("no such day")
                        .with_help("write a real calendar date as YYYY-MM-DD, like 2026-04-27; February has 28 days, 29 in leap years"),
                );
                Date::default()
            }
        }
    }

    fn period(&mut self, pair: Pair<'_, Rule>) -> Period {
        let span = self.span(&pair);
        match Period::parse(pair.as_str()) {
            Some(p) => p,
            None => {
                self.diagnostics.push(
                    Diagnostic::error(Code::InvalidPeriod, span, format!("{} is not a period", pair.as_str()))
                        .with_label("no such period")
                        .with_help("write a year (2027), a quarter from Q1 to Q4 (2027-Q1) or a month from 01 to 12 (2027-03)"),
                );
                Period::parse("1970").unwrap_or(Period {
                    start: Date::default(),
                    end: Date::default(),
                    unit: PeriodUnit::Year,
                    ordinal: 0,
                })
            }
        }
    }

    /// A decimal with optional magnitude word (`amount` or `number`).
    fn amount(&mut self, pair: Pair<'_, Rule>) -> Decimal {
        let span = self.span(&pair);
        let pair = if pair.as_rule() == Rule::number {
            pair.clone().into_inner().next().unwrap_or(pair)
        } else {
            pair
        };
        let mut value = None;
        let mut multiplier = Decimal::ONE;
        for part in pair.clone().into_inner() {
            match part.as_rule() {
                Rule::decimal => {
                    value = Decimal::from_str_exact(&part.as_str().replace('_', "")).ok()
                }
                Rule::magnitude => {
                    multiplier = match part.as_str() {
                        "thousand" => Decimal::from(1_000),
                        "million" => Decimal::from(1_000_000),
                        _ => Decimal::from(1_000_000_000),
                    }
                }
                _ => {}
            }
        }
        match value.and_then(|v| v.checked_mul(multiplier)) {
            Some(v) => v,
            None => {
                self.diagnostics.push(
                    Diagnostic::error(Code::InvalidNumber, span, format!("{} cannot be represented exactly", pair.as_str()))
                        .with_label("too large or too precise")
                        .with_help("numbers must stay below about 79 billion billion billion (7.9 × 10^28) and use at most 28 significant digits"),
                );
                Decimal::ZERO
            }
        }
    }

    fn money(&mut self, pair: Pair<'_, Rule>) -> Money {
        let mut currency = Currency::iso(*b"XXX");
        let mut amount = Decimal::ZERO;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::currency | Rule::name => currency = self.currency(part),
                Rule::amount => amount = self.amount(part),
                _ => {}
            }
        }
        Money::new(currency, amount)
    }

    /// The `N` of `from year N`; a number beyond the limit is `covenant::invalid_number`.
    fn contract_year_number(&mut self, pair: &Pair<'_, Rule>) -> Option<u32> {
        match pair.as_str().replace('_', "").parse::<u32>() {
            Ok(n) if n <= 10_000 => Some(n),
            _ => {
                let span = self.span(pair);
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidNumber,
                        span,
                        format!(
                            "contract year {} is beyond what Covenant counts",
                            pair.as_str()
                        ),
                    )
                    .with_label("too large")
                    .with_help("contract years are limited to 10,000"),
                );
                None
            }
        }
    }

    fn duration(&mut self, pair: Pair<'_, Rule>) -> Duration {
        let span = self.span(&pair);
        let mut count = 0u32;
        let mut unit = DurationUnit::Day;
        for part in pair.clone().into_inner() {
            match part.as_rule() {
                Rule::integer => match part.as_str().replace('_', "").parse::<u32>() {
                    Ok(n) if n <= 100_000 => count = n,
                    _ => self.diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidNumber,
                            span,
                            format!("{} is longer than Covenant can count", pair.as_str()),
                        )
                        .with_label("too long")
                        .with_help("durations are limited to 100,000 units"),
                    ),
                },
                Rule::business_unit => unit = DurationUnit::BusinessDay,
                Rule::time_unit => {
                    unit = match part.as_str().trim_end_matches('s') {
                        "week" => DurationUnit::Week,
                        "month" => DurationUnit::Month,
                        "year" => DurationUnit::Year,
                        _ => DurationUnit::Day,
                    }
                }
                _ => {}
            }
        }
        Duration { count, unit }
    }

    /// `let NAME = FORMULA`, from the pair's children.
    fn let_decl<'i>(
        &mut self,
        span: Span,
        mut parts: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Option<LetDecl> {
        let name = self.name(parts.next()?);
        self.formula_operations = 0;
        let formula = self.formula(parts.next()?)?;
        Some(LetDecl {
            name,
            formula,
            span,
        })
    }

    /// Lowers `formula`, `sum`, `product` and `factor`. Operators are left
    /// associative; the depth is bounded by the nesting limit on brackets, so
    /// recursion here cannot exhaust the stack.
    fn formula(&mut self, pair: Pair<'_, Rule>) -> Option<Formula> {
        let span = self.span(&pair);
        if self.formula_operations > MAX_FORMULA_OPERATIONS {
            return None;
        }
        match pair.as_rule() {
            Rule::formula => {
                let mut c = children(pair);
                let left = self.formula(c.next()?)?;
                let Some(op) = c.next() else {
                    return Some(left);
                };
                let op = match op.into_inner().next().map(|k| k.as_rule()) {
                    Some(Rule::is_not) => CmpOp::IsNot,
                    Some(Rule::kw_is) => CmpOp::Is,
                    Some(Rule::le) => CmpOp::Le,
                    Some(Rule::ge) => CmpOp::Ge,
                    Some(Rule::lt) => CmpOp::Lt,
                    _ => CmpOp::Gt,
                };
                let right = self.formula(c.next()?)?;
                Some(Formula::Compare(Box::new(left), op, Box::new(right), span))
            }
            Rule::sum | Rule::product => {
                let mut c = children(pair);
                let mut left = self.formula(c.next()?)?;
                while let Some(op) = c.next() {
                    let op = match op.into_inner().next().map(|k| k.as_rule()) {
                        Some(Rule::plus) => ArithOp::Add,
                        Some(Rule::minus) => ArithOp::Sub,
                        Some(Rule::times) => ArithOp::Mul,
                        _ => ArithOp::Div,
                    };
                    self.count_operation(span)?;
                    let right = self.formula(c.next()?)?;
                    let joined = left.span().to(right.span());
                    left = Formula::Binary(Box::new(left), op, Box::new(right), joined);
                }
                Some(left)
            }
            Rule::rounded_sum => {
                let mut c = children(pair);
                let value = self.formula(c.next()?)?;
                match c.next() {
                    Some(rounding) => {
                        self.count_operation(span)?;
                        let (mode, target) = self.rounding(rounding)?;
                        Some(Formula::Round(Box::new(value), mode, target, span))
                    }
                    None => Some(value),
                }
            }
            Rule::factor => {
                let mut c = children(pair);
                let inner = c.next()?;
                let value = match inner.as_rule() {
                    Rule::paren_formula => self.formula(children(inner).next()?)?,
                    Rule::extremum => {
                        let ispan = self.span(&inner);
                        self.count_operation(ispan)?;
                        let greater = matches!(
                            inner.clone().into_inner().next().map(|k| k.as_rule()),
                            Some(Rule::kw_greater | Rule::kw_later)
                        );
                        let terms = children(inner)
                            .filter(|p| p.as_rule() == Rule::formula)
                            .map(|p| self.formula(p))
                            .collect::<Option<Vec<_>>>()?;
                        Formula::Extremum(greater, terms, ispan)
                    }
                    Rule::aggregate => Formula::Aggregate(self.aggregate(inner)?),
                    Rule::share_of => {
                        let ispan = self.span(&inner);
                        self.count_operation(ispan)?;
                        let mut parts = children(inner).filter(|p| p.as_rule() != Rule::kw_of);
                        let rate = self.operand(parts.next()?)?;
                        let of = self.formula(parts.next()?)?;
                        Formula::ShareOf(rate, Box::new(of), ispan)
                    }
                    Rule::field_name => {
                        let ispan = self.span(&inner);
                        let mut names = inner.into_inner();
                        let first = self.name(names.next()?);
                        match names.next() {
                            Some(arg) => Formula::Field(first, self.name(arg), ispan),
                            None => Formula::Operand(Operand::Name(first)),
                        }
                    }
                    _ => Formula::Operand(self.operand(inner)?),
                };
                Some(value)
            }
            _ => {
                self.shape_error(&pair, "a formula");
                None
            }
        }
    }

    /// `FN of METRIC WINDOW [counting …]`
    fn aggregate(&mut self, pair: Pair<'_, Rule>) -> Option<Aggregate> {
        let span = self.span(&pair);
        let mut c = children(pair).filter(|p| p.as_rule() != Rule::kw_of);
        let function = match c.next()?.into_inner().next().map(|k| k.as_rule()) {
            Some(Rule::kw_sum) => AggregateFn::Sum,
            Some(Rule::kw_average) => AggregateFn::Average,
            Some(Rule::kw_minimum) => AggregateFn::Minimum,
            Some(Rule::kw_maximum) => AggregateFn::Maximum,
            _ => AggregateFn::Count,
        };
        let source_pair = c.next()?;
        let payments = source_pair.as_rule() == Rule::payments_source;
        let mut source = children(source_pair);
        let metric = self.name(source.next()?);
        let second = source.next().map(|a| self.name(a));
        // `payments made by A to B` names two parties; anything else, a source and an argument.
        let (arg, paid_to) = if payments {
            (None, second)
        } else {
            (second, None)
        };
        let window_pair = c.next()?.into_inner().next()?;
        let window = match window_pair.as_rule() {
            Rule::window_before => {
                let mut w = window_pair.into_inner().filter(|p| {
                    matches!(
                        p.as_rule(),
                        Rule::duration_ref
                            | Rule::date_ref
                            | Rule::this_period
                            | Rule::window_termination
                    )
                });
                let length = self.operand(w.next()?)?;
                let day = w.next()?;
                if day.as_rule() == Rule::this_period {
                    AggregateWindow::BeforePeriod(length, self.span(&day))
                } else if day.as_rule() == Rule::window_termination {
                    AggregateWindow::BeforeTermination(length, self.span(&day))
                } else {
                    AggregateWindow::Before(length, self.operand(day)?)
                }
            }
            Rule::window_current => {
                let wspan = self.span(&window_pair);
                let unit = window_pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::unit)
                    .map(|u| self.unit(u));
                AggregateWindow::Current(unit, wspan)
            }
            _ => match window_pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::date_ref)
            {
                Some(day) => AggregateWindow::Since(Some(self.operand(day)?)),
                None => AggregateWindow::Since(None),
            },
        };
        let pro_rata = c
            .next()
            .is_some_and(|p| p.into_inner().any(|k| k.as_rule() == Rule::kw_pro));
        Some(Aggregate {
            function,
            metric,
            arg,
            payments,
            paid_to,
            window,
            pro_rata,
            span,
        })
    }

    /// Counts one operation of the current formula; past the limit, reports it once and stops reading.
    fn count_operation(&mut self, span: Span) -> Option<()> {
        self.formula_operations += 1;
        if self.formula_operations == MAX_FORMULA_OPERATIONS + 1 {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::LimitExceeded,
                    span,
                    format!("this formula has more than {MAX_FORMULA_OPERATIONS} operations"),
                )
                .with_label("one operation too many")
                .with_help("split it into several `let` lines, each naming a part"),
            );
        }
        (self.formula_operations <= MAX_FORMULA_OPERATIONS).then_some(())
    }

    /// `rounded MODE to TARGET`
    fn rounding(&mut self, pair: Pair<'_, Rule>) -> Option<(RoundMode, RoundTarget)> {
        let mut c = children(pair).filter(|p| p.as_rule() != Rule::kw_to);
        let mode = match c.next()?.into_inner().next().map(|k| k.as_rule()) {
            Some(Rule::kw_down) => RoundMode::Down,
            Some(Rule::kw_up) => RoundMode::Up,
            Some(Rule::kw_half_even) => RoundMode::HalfEven,
            _ => RoundMode::HalfUp,
        };
        let target_pair = c.next()?;
        let span = self.span(&target_pair);
        let mut t = target_pair.into_inner();
        let first = t.next()?;
        let target = match first.as_rule() {
            Rule::kw_cents => RoundTarget::Cents,
            Rule::kw_whole => match t.next()?.into_inner().next().map(|k| k.as_rule()) {
                Some(Rule::kw_days) => RoundTarget::Whole(DurationUnit::Day),
                Some(Rule::kw_months) => RoundTarget::Whole(DurationUnit::Month),
                Some(Rule::kw_years) => RoundTarget::Whole(DurationUnit::Year),
                _ => RoundTarget::WholeUnits,
            },
            _ => match first.as_str().replace('_', "").parse::<u32>() {
                Ok(places) if places <= 28 => RoundTarget::Places(places),
                _ => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidNumber,
                            span,
                            "at most 28 decimal places can be kept",
                        )
                        .with_label("too many places")
                        .with_help("round to between 0 and 28 decimal places"),
                    );
                    return None;
                }
            },
        };
        Some((mode, target))
    }

    /// Lowers any literal-or-name slot (`value`, `operand`, `money_ref`, …).
    fn operand(&mut self, pair: Pair<'_, Rule>) -> Option<Operand> {
        let pair = match pair.as_rule() {
            Rule::value
            | Rule::operand
            | Rule::money_ref
            | Rule::rate_ref
            | Rule::date_ref
            | Rule::duration_ref => pair.into_inner().next()?,
            _ => pair,
        };
        let span = self.span(&pair);
        let literal = match pair.as_rule() {
            Rule::name => return Some(Operand::Name(self.name(pair))),
            Rule::money | Rule::quantity => Literal::Money(self.money(pair)),
            Rule::percent => {
                let decimal = pair.clone().into_inner().next()?;
                let text = decimal.as_str().replace('_', "");
                match Decimal::from_str_exact(&text) {
                    Ok(v) => Literal::Percent(Rate(v)),
                    Err(_) => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                Code::InvalidNumber,
                                span,
                                format!("{} cannot be represented exactly", pair.as_str()),
                            )
                            .with_label("too many digits")
                            .with_help("percentages use at most 28 significant digits"),
                        );
                        Literal::Percent(Rate(Decimal::ZERO))
                    }
                }
            }
            Rule::date => Literal::Date(self.date(pair)),
            Rule::duration | Rule::business_duration => Literal::Duration(self.duration(pair)),
            Rule::number => Literal::Number(self.amount(pair)),
            Rule::boolean => Literal::Bool(self.boolean(pair)),
            Rule::string => Literal::Text(self.text(pair).text),
            _ => {
                self.shape_error(&pair, "a value");
                return None;
            }
        };
        Some(Operand::Literal(literal, span))
    }
}

/// A month's number from its English name (`July` is 7).
fn month_number(name: &str) -> u32 {
    crate::calendar::MONTH_NAMES
        .iter()
        .position(|m| *m == name)
        .map_or(0, |i| i as u32 + 1)
}

fn fold(mut terms: Vec<Expr>, combine: fn(Vec<Expr>, Span) -> Expr) -> Expr {
    if terms.len() == 1 {
        if let Some(only) = terms.pop() {
            return only;
        }
    }
    let span = match (terms.first(), terms.last()) {
        (Some(a), Some(b)) => a.span().to(b.span()),
        _ => Span::default(),
    };
    combine(terms, span)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole-file parse, bypassing the line-by-line reader.
    fn parse_whole(text: &str) -> Result<Document, Vec<Diagnostic>> {
        let mut pairs = CovenantParser::parse(Rule::file, text)
            .map_err(|e| vec![pest_error_to_diagnostic(&e, text, FileId(0))])?;
        let mut lower = Lower::new(FileId(0));
        let top = pairs
            .next()
            .and_then(|f| children(f).find(|p| p.as_rule() != Rule::EOI));
        match top.and_then(|t| lower.document(t)) {
            Some(d) if lower.diagnostics.is_empty() => Ok(d),
            _ => Err(lower.diagnostics),
        }
    }

    fn scenario_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                scenario_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "cov") {
                out.push(path);
            }
        }
    }

    #[test]
    fn reading_line_by_line_gives_the_same_tree() {
        let mut files = Vec::new();
        scenario_files(std::path::Path::new("contracts"), &mut files);
        scenario_files(std::path::Path::new("tests/corpus"), &mut files);
        let mut compared = 0;
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Some(by_lines) = parse_scenario_by_lines(&text, FileId(0)) else {
                continue;
            };
            let whole = parse_whole(&text);
            assert_eq!(
                format!("{by_lines:?}"),
                format!("{whole:?}"),
                "{}",
                path.display()
            );
            compared += 1;
        }
        assert!(compared > 20, "only {compared} scenarios compared");
    }
}
