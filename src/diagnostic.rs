//! Diagnostics: every problem Covenant reports, with a stable code, labelled
//! spans and help in plain words.
//!
//! Stages collect diagnostics into a `Vec` instead of stopping at the first,
//! so that a user sees every problem in one run. Rendering is separate from
//! collection: the same [`Diagnostic`] becomes a miette report on a terminal
//! or a JSON object for tools.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity as MietteSeverity,
};
use serde::Serialize;

use crate::source::{SourceMap, Span};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, changes nothing.
    Advice,
    /// Probably a mistake, but the input can still be evaluated.
    Warning,
    /// The input cannot be evaluated as written.
    Error,
}

macro_rules! codes {
    ($( $variant:ident => $code:literal, $help:literal; )*) => {
        /// A stable diagnostic code; its text form is `covenant::<code>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $help]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code's stable text, e.g. `covenant::unknown_name`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => concat!("covenant::", $code),)* }
            }

            /// A one-line description of what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $help,)* }
            }

            /// The code's name without the `covenant::` prefix, as written in `allow` lines.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The code's page (docs/codes/CODE.md): what it means, a bad and a fixed example.
            /// Every code must have one; a missing page fails the build.
            pub fn page(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/codes/", $code, ".md")),)*
                }
            }
        }
    };
}

codes! {
    Io => "io", "a file could not be read";
    FileTooLarge => "file_too_large", "a file is larger than Covenant accepts";
    InvalidUtf8 => "invalid_utf8", "a file is not valid UTF-8 text";
    NestingTooDeep => "nesting_too_deep", "brackets are nested more deeply than Covenant accepts";
    Syntax => "syntax", "the text does not follow the language's grammar";
    InvalidDate => "invalid_date", "a date that does not exist in the calendar";
    InvalidPeriod => "invalid_period", "a period that does not exist (quarters run Q1 to Q4, months 01 to 12)";
    InvalidNumber => "invalid_number", "a number too large or too precise to represent exactly";
    UnknownName => "unknown_name", "a name that is not declared";
    DuplicateName => "duplicate_name", "the same name is declared twice";
    TypeMismatch => "type_mismatch", "a value of the wrong kind (money, percent, date, number, duration, condition)";
    CurrencyMismatch => "currency_mismatch", "two currencies, or two units of quantity, are mixed in one computation";
    RateOver100 => "rate_over_100", "a percentage above 100%";
    EndBeforeStart => "end_before_start", "a period or window that ends before it starts";
    UnknownClause => "unknown_clause", "an amendment names a clause the amended contract does not have";
    MissingFile => "missing_file", "a referenced file does not exist";
    WrongDocument => "wrong_document", "a file of the wrong kind is referenced (a scenario where a contract is expected)";
    MissingDeclaration => "missing_declaration", "a required line is missing (effective date, term, contract)";
    MissingParam => "missing_param", "a required param is not set by the scenario";
    MissingArgument => "missing_argument", "an action is used without one of its declared arguments, or a keyed metric's figure without its key";
    UnknownArgument => "unknown_argument", "an action is given an argument it does not declare, or a figure a key its metric is not reported by";
    AmendmentCycle => "amendment_cycle", "an amendment chain refers back to itself";
    NoTerminationRight => "no_termination_right", "a party terminates without a termination right";
    AmbiguousPayment => "ambiguous_payment", "a payment modifier without exactly one payment statement to apply to";
    TierOrder => "tier_order", "tier thresholds that do not increase";
    PaymentFormMismatch => "payment_form_mismatch", "a payment modifier that does not fit its payment (tiers on a fixed sum, an escalator or an index on a share or a one-off sum, a credit or carried shortfall on the wrong form)";
    DuplicateFigure => "duplicate_figure", "two figures for the same metric and period";
    PeriodMismatch => "period_mismatch", "a metric's period does not fit the payment period";
    NotAPayment => "not_a_payment", "a payment question about a clause that has no payment";
    MissingDefault => "missing_default", "a condition without a default value";
    LimitExceeded => "limit_exceeded", "an input exceeds one of Covenant's explicit limits";
    Redundant => "redundant", "a line that repeats or contradicts another line of the same clause";
    IneffectiveEvent => "ineffective_event", "a scenario event that has no effect";
    RuleConflict => "rule_conflict", "a permission and a prohibition of the same action by the same party can both apply, with no `notwithstanding` between them";
    NeedlessNotwithstanding => "needless_notwithstanding", "a permission overrides a clause that never prohibits what it permits";
    LicenceConflict => "licence_conflict", "an exclusive licence and another licence of the same subject to someone else are in force together";
    DoubleCharge => "double_charge", "two payment clauses charge the same payer on the same metric for the same period";
    DeadClause => "dead_clause", "a clause that can never be active";
    ImpossibleDeadline => "impossible_deadline", "an obligation's deadline falls outside the time its clause is in force";
    CapAboveTotal => "cap_above_total", "a per-period cap above the total cap, so that it can never bite";
    AmendmentAfterEnd => "amendment_after_end", "an amendment that takes effect after the contract it amends has ended";
    RemovedClauseNamed => "removed_clause_named", "a statement still names a clause that an amendment removed";
    UnusedDeclaration => "unused_declaration", "an action, metric, condition, param or defined type that nothing uses";
    IdleParty => "idle_party", "a party that is never obliged, permitted or paid";
    OutsideTerm => "outside_term", "a scenario event or figure that lies outside the contract's term";
    BadAllow => "bad_allow", "an `allow` line that names no finding Covenant can silence, or gives no reason";
    UnusedAllow => "unused_allow", "an `allow` line that silences nothing";
    FormulaError => "formula_error", "a formula that cannot be computed (a division by zero, a negative duration, days added to months)";
    SetComputed => "set_computed", "a scenario sets a value that the contract computes with `let`";
    PerPeriod => "per_period", "a value computed per payment period is used where one value is needed";
    PaymentCycle => "payment_cycle", "clauses whose payment amounts are computed from each other's payments";
    UngrantedLicence => "ungranted_licence", "an action needs a licence to a subject that no clause of the contract grants";
    NoLicenceNeeded => "no_licence_needed", "an expectation asks about a missing licence for an action that needs none";
    NoFiscalYear => "no_fiscal_year", "a fiscal year is used but the contract does not say when its fiscal year starts";
    IdleHoliday => "idle_holiday", "a listed holiday that can never move a business-day deadline (a Saturday, a Sunday, a day listed twice, or a day before the effective date)";
    BadInterpretation => "bad_interpretation", "an `interpret` line that names a word Covenant does not count, or gives no reason";
    ConflictingInterpretations => "conflicting_interpretations", "two interpretations read the same word in the same clause differently";
    UnusedInterpretation => "unused_interpretation", "an interpretation of a word that its clause, or the contract, never uses";
    NotAnEvent => "not_an_event", "a window opened by an event names something that is not a declared event";
    ComputedCondition => "computed_condition", "a scenario switches a condition that the contract computes from a metric";
    NoOccurrence => "no_occurrence", "an event's data (`EVENT.ARG`) is used where no occurrence of that event is being paid for";
}

/// Where the pages of the codes live, relative to the repository root.
pub const CODE_PAGES: &str = "docs/codes";

impl Code {
    /// The code named `name`, with or without the `covenant::` prefix.
    pub fn from_name(name: &str) -> Option<Code> {
        let name = name.strip_prefix("covenant::").unwrap_or(name);
        Code::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The path of the code's page, used as its diagnostic URL.
    pub fn url(self) -> String {
        format!("{CODE_PAGES}/{}.md", self.name())
    }

    /// Whether `allow CODE because "…"` may silence this code: checker
    /// findings that are warnings or advice. Errors cannot be allowed, since
    /// the input cannot be evaluated as written.
    pub fn allowable(self) -> bool {
        matches!(
            self,
            Code::PeriodMismatch
                | Code::RuleConflict
                | Code::NeedlessNotwithstanding
                | Code::LicenceConflict
                | Code::DoubleCharge
                | Code::DeadClause
                | Code::ImpossibleDeadline
                | Code::CapAboveTotal
                | Code::AmendmentAfterEnd
                | Code::RemovedClauseNamed
                | Code::UnusedDeclaration
                | Code::IdleParty
                | Code::UngrantedLicence
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A labelled span inside a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there, in a few words (may be empty).
    pub text: String,
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// How serious.
    pub severity: Severity,
    /// The headline, a full sentence.
    pub message: String,
    /// The primary location and further labelled locations; the first label is primary.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a primary label.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: vec![Label {
                span,
                text: String::new(),
            }],
            help: None,
        }
    }

    /// A warning with a primary label.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// A diagnostic with no place in any file (a file that cannot be read at all).
    pub fn without_location(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            labels: Vec::new(),
            ..Diagnostic::error(code, Span::default(), message)
        }
    }

    /// Advice with a primary label: worth knowing, changes nothing.
    pub fn advice(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Advice,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// A diagnostic about a whole file, where no narrower span makes sense.
    pub fn whole_file(code: Code, file: crate::source::FileId, message: impl Into<String>) -> Self {
        Diagnostic::error(code, Span::new(file, 0, 0), message)
    }

    /// Sets the primary label's text.
    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        if let Some(first) = self.labels.first_mut() {
            first.text = text.into();
        }
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        self.labels.first().map(|l| l.span).unwrap_or_default()
    }

    /// Whether this is an error (as opposed to a warning or advice).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether any diagnostic in the list is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// A diagnostic bound to its sources so that miette can render it.
struct Bound<'a> {
    diagnostic: &'a Diagnostic,
    /// Labels that lie in the primary file (spans adjusted to the rendered source).
    labels: Vec<Label>,
    source: Option<NamedSource<std::sync::Arc<str>>>,
    /// Labels in other files, each rendered as a related note with its own source.
    related: Vec<Related>,
}

struct Related {
    text: String,
    label: LabeledSpan,
    source: NamedSource<std::sync::Arc<str>>,
}

impl fmt::Debug for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}
impl fmt::Display for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}
impl std::error::Error for Bound<'_> {}

impl miette::Diagnostic for Bound<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }
    fn severity(&self) -> Option<MietteSeverity> {
        Some(match self.diagnostic.severity {
            Severity::Error => MietteSeverity::Error,
            Severity::Warning => MietteSeverity::Warning,
            Severity::Advice => MietteSeverity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let labels = self.labels.iter().enumerate().map(|(i, l)| {
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            if i == 0 {
                LabeledSpan::new_primary_with_span(text, l.span.source_span())
            } else {
                LabeledSpan::new_with_span(text, l.span.source_span())
            }
        });
        Some(Box::new(labels))
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.url()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

impl fmt::Debug for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
impl fmt::Display for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
impl std::error::Error for Related {}
impl miette::Diagnostic for Related {
    fn severity(&self) -> Option<MietteSeverity> {
        Some(MietteSeverity::Advice)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

/// Lines longer than this are shown as an excerpt around the label: miette
/// cannot lay out columns beyond a terminal's width (it panics past 65,535).
const MAX_RENDERED_LINE: usize = 400;

/// A label's source, cut down to a window when its line is too long to render.
fn windowed(
    file: &crate::source::SourceFile,
    span: Span,
) -> (NamedSource<std::sync::Arc<str>>, Span) {
    let text = &file.text;
    // Spans come from our own parser, but a defensive clamp to character
    // boundaries keeps a bad span from ever panicking while rendering.
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    if line_end - line_start <= MAX_RENDERED_LINE {
        return (file.named_source(), span);
    }
    let mut from = start.saturating_sub(60).max(line_start);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end.min(start + 200) + 60).min(line_end);
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let (line, column) = file.line_col(span.start);
    let before = if from > line_start { "…" } else { "" };
    let after = if to < line_end { "…" } else { "" };
    let excerpt = format!("{before}{}{after}", &text[from..to]);
    let shift = from as i64 - before.len() as i64;
    let new_start = (start as i64 - shift) as usize;
    let new_end = ((end.min(to)) as i64 - shift) as usize;
    let name = format!(
        "{} (line {line}, column {column}; excerpt of a long line)",
        file.name
    );
    let source =
        NamedSource::new(name, std::sync::Arc::from(excerpt.as_str())).with_language("covenant");
    (
        source,
        Span::new(span.file, new_start, new_end.max(new_start)),
    )
}

fn bind<'a>(diagnostic: &'a Diagnostic, sources: &SourceMap) -> Bound<'a> {
    let primary = diagnostic.span();
    let primary_file = primary.file;
    let mut source = None;
    let mut primary_shifted = primary;
    if let Some(f) = sources
        .get(primary_file)
        .filter(|_| !diagnostic.labels.is_empty())
    {
        let (s, shifted) = windowed(f, primary);
        source = Some(s);
        primary_shifted = shifted;
    }
    let was_windowed = primary_shifted != primary;
    let mut labels = Vec::new();
    let mut related = Vec::new();
    for (i, label) in diagnostic.labels.iter().enumerate() {
        if label.span.file == primary_file && !(was_windowed && i > 0) {
            let span = if i == 0 { primary_shifted } else { label.span };
            labels.push(Label {
                span,
                text: label.text.clone(),
            });
        } else if let Some(file) = sources.get(label.span.file) {
            let (source, span) = windowed(file, label.span);
            related.push(Related {
                text: if label.text.is_empty() {
                    format!("see also {}", file.name)
                } else {
                    label.text.clone()
                },
                label: LabeledSpan::new_primary_with_span(None, span.source_span()),
                source,
            });
        }
    }
    Bound {
        diagnostic,
        labels,
        source,
        related,
    }
}

/// Renders diagnostics for a person: miette's graphical report, with or without colour.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // The code names its page (`covenant explain-code CODE`); the URL itself
    // goes to JSON output, so that terminal reports stay short.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_urls(false);
    let mut out = String::new();
    for diagnostic in diagnostics.iter().take(MAX_RENDERED) {
        let bound = bind(diagnostic, sources);
        if handler.render_report(&mut out, &bound).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
        }
        out.push('\n');
    }
    if diagnostics.len() > MAX_RENDERED {
        out.push_str(&format!(
            "… and {} more problems not shown (use --format json to see them all)\n",
            diagnostics.len() - MAX_RENDERED
        ));
    }
    out
}

/// At most this many diagnostics are rendered for people; JSON carries them all.
pub const MAX_RENDERED: usize = 100;

/// A diagnostic as JSON for tools (`--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    /// The stable code.
    pub code: &'static str,
    /// `error`, `warning` or `advice`.
    pub severity: Severity,
    /// The headline.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The code's page (docs/codes/CODE.md in the repository).
    pub url: String,
    /// Every labelled location, primary first.
    pub labels: Vec<JsonLabel>,
}

/// One labelled location in a [`JsonDiagnostic`].
#[derive(Debug, Clone, Serialize)]
pub struct JsonLabel {
    /// The file's name as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset of the start.
    pub start: u32,
    /// Byte offset one past the end.
    pub end: u32,
    /// The label's text.
    pub text: String,
}

/// Converts diagnostics to their JSON form.
pub fn to_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> Vec<JsonDiagnostic> {
    diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code.as_str(),
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            url: d.code.url(),
            labels: d
                .labels
                .iter()
                .map(|l| {
                    let (file, (line, column)) = match sources.get(l.span.file) {
                        Some(f) => (f.name.clone(), f.line_col(l.span.start)),
                        None => (String::new(), (0, 0)),
                    };
                    JsonLabel {
                        file,
                        line,
                        column,
                        start: l.span.start,
                        end: l.span.end,
                        text: l.text.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Edit distance between two short names, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= limit && *c != name)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["revenue_share", "ip_licence", "azure_primary"];
        assert_eq!(suggest("revenue_shar", names), Some("revenue_share"));
        assert_eq!(suggest("ip_license", names), Some("ip_licence"));
        assert_eq!(suggest("termination", names), None);
    }

    #[test]
    fn codes_are_unique_and_prefixed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(code.as_str().starts_with("covenant::"));
            assert!(seen.insert(code.as_str()), "{code} twice");
        }
    }
}
