//! The typed syntax tree: what the user wrote, with a span on every node.
//!
//! The tree is faithful to the text (names are still names, params are not yet
//! substituted); the checker resolves it into a [`crate::check::Model`].
//! Slots that take an amount, rate, date or duration hold an [`Operand`] so
//! that formulas can later replace the literal-or-name form without touching
//! the statements around them.

use rust_decimal::Decimal;

use crate::calendar::{Date, Duration, Period, PeriodUnit};
use crate::money::{Currency, Money, Rate};
use crate::source::Span;

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The text.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// A display title (`"Revenue share"`), unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The unescaped text.
    pub text: String,
    /// Where it was written, quotes included.
    pub span: Span,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// `USD 38 billion`
    Money(Money),
    /// `20%`
    Percent(Rate),
    /// `2026-04-27`
    Date(Date),
    /// `90 days`
    Duration(Duration),
    /// `2.5`, `38 billion`
    Number(Decimal),
    /// `true` / `false`
    Bool(bool),
    /// `"text"`
    Text(String),
}

/// A value slot: a literal, or a name resolved by the checker (a param, a defined value, a condition or an argument).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// A literal with its span.
    Literal(Literal, Span),
    /// A name.
    Name(Name),
}

impl Operand {
    /// Where the operand was written.
    pub fn span(&self) -> Span {
        match self {
            Operand::Literal(_, span) => *span,
            Operand::Name(name) => name.span,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `is`
    Is,
    /// `is not`
    IsNot,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A boolean expression (`where`, `while`, `unless`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A lone operand: a condition name or `true`/`false`.
    Atom(Operand),
    /// `a is b`, `a < b`, …
    Compare(Operand, CmpOp, Operand, Span),
    /// `a in [b, c]`
    In(Operand, Vec<Operand>, Span),
    /// `not e` (repeated `not`s are folded when lowering).
    Not(Box<Expr>, Span),
    /// `a and b and …`
    And(Vec<Expr>, Span),
    /// `a or b or …`
    Or(Vec<Expr>, Span),
}

impl Expr {
    /// The span of the whole expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Atom(o) => o.span(),
            Expr::Compare(_, _, _, s)
            | Expr::In(_, _, s)
            | Expr::Not(_, s)
            | Expr::And(_, s)
            | Expr::Or(_, s) => *s,
        }
    }
}

/// A parsed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    /// `contract … { … }`
    Contract(Contract),
    /// `amendment … { … }`
    Amendment(Amendment),
    /// `scenario … { … }`
    Scenario(Scenario),
}

/// `contract NAME "Title" { … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// The contract's name.
    pub name: Name,
    /// Its display title.
    pub title: Option<Text>,
    /// Its top-level lines, in order.
    pub decls: Vec<Decl>,
    /// The whole contract.
    pub span: Span,
}

/// A top-level line of a contract (most may also appear in an amendment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decl {
    /// `parties { … }`
    Parties(Vec<PartyDecl>, Span),
    /// `effective DATE`
    Effective(Date, Span),
    /// `term …`
    Term(TermDecl),
    /// `define NAME as one of …`
    Define(DefineDecl),
    /// `action NAME(…)`
    Action(ActionDecl),
    /// `event NAME(…)`: an event with data, recorded by scenarios (no party acts).
    Event(ActionDecl),
    /// `metric NAME in CUR per UNIT`
    Metric(MetricDecl),
    /// `condition NAME default …`
    Condition(ConditionDecl),
    /// `index NAME per UNIT`
    Index(IndexDecl),
    /// `param NAME = VALUE` or `param NAME: TYPE`
    Param(ParamDecl),
    /// `PARTY may terminate … with DURATION notice`
    Termination(TerminationDecl),
    /// `clause NAME { … }`
    Clause(ClauseDecl),
    /// `allow CODE [for NAME] because "REASON"` at the top level: applies to the whole contract.
    Allow(AllowDecl),
    /// `let NAME = FORMULA`
    Let(LetDecl),
    /// `net payments between PARTY and PARTY every UNIT`
    Netting(NettingDecl),
    /// `fiscal year starts MONTH DAY`
    FiscalYear(FiscalDecl),
    /// `holidays DATE, DATE, …`, each with its span
    Holidays(Vec<(Date, Span)>, Span),
    /// `interpret NAME: "WORD" as READING …`
    Interpret(InterpretDecl),
    /// `unit NAME [rounded MODE to TARGET]`: a quantity amounts may be counted in.
    Unit(UnitDecl),
}

/// `unit shares rounded down to whole units`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDecl {
    /// The unit's name, as amounts are written after their number (`1_500 shares`).
    pub name: Name,
    /// How its amounts are rounded when shown, if written, with its span.
    pub rounding: Option<(RoundMode, RoundTarget, Span)>,
    /// The whole line.
    pub span: Span,
}

/// `net payments between PARTY and PARTY every UNIT`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NettingDecl {
    /// One party.
    pub first: Name,
    /// The other.
    pub second: Name,
    /// The netting period.
    pub unit: crate::calendar::PeriodUnit,
    /// The line.
    pub span: Span,
}

/// `fiscal year starts July 1`: the first day of every fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalDecl {
    /// 1 to 12.
    pub month: u32,
    /// The day as written (checked against the month by the checker).
    pub day: u32,
    /// `July 1`
    pub date_span: Span,
    /// The whole line.
    pub span: Span,
}

/// `interpret NAME: "WORD" as inclusive|exclusive [for CLAUSE] [on DATE] because "REASON"`:
/// a named, dated reading of an ambiguous word, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpretDecl {
    /// The interpretation's name, which reports cite.
    pub name: Name,
    /// The word read (`until`, `within`), as written between quotes.
    pub word: Text,
    /// `true` for `exclusive`, `false` for `inclusive`.
    pub exclusive: bool,
    /// The reading's span.
    pub reading_span: Span,
    /// Narrows the interpretation to one clause.
    pub clause: Option<Name>,
    /// The day the interpretation was recorded.
    pub date: Option<Date>,
    /// Why the word is read so; it must not be empty.
    pub reason: Text,
    /// The whole line.
    pub span: Span,
}

/// `let NAME = FORMULA`: a named computed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetDecl {
    /// The value's name.
    pub name: Name,
    /// How it is computed.
    pub formula: Formula,
    /// The whole line.
    pub span: Span,
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `×` or `*`
    Mul,
    /// `÷` or `/`
    Div,
}

/// How a value is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundMode {
    /// Toward zero.
    Down,
    /// Away from zero.
    Up,
    /// To the nearest, halves away from zero.
    HalfUp,
    /// To the nearest, halves to the even neighbour (banker's rounding).
    HalfEven,
}

/// What a value is rounded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundTarget {
    /// The currency's minor unit (two places for USD).
    Cents,
    /// Whole units of a number or an amount.
    WholeUnits,
    /// Whole days, months or years (of a duration, or of the time between two dates).
    Whole(crate::calendar::DurationUnit),
    /// A number of decimal places.
    Places(u32),
}

/// A formula, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    /// A literal or a name.
    Operand(Operand),
    /// `EVENT.ARG`: the data of the occurrence a payment `on each EVENT` is computed for.
    Field(Name, Name, Span),
    /// `A + B`, `A × B`, …
    Binary(Box<Formula>, ArithOp, Box<Formula>, Span),
    /// `25% of A`
    ShareOf(Operand, Box<Formula>, Span),
    /// `greater of (A, B, …)` (true) or `lesser of (…)` (false).
    Extremum(bool, Vec<Formula>, Span),
    /// `A rounded MODE to TARGET`
    Round(Box<Formula>, RoundMode, RoundTarget, Span),
    /// `A >= B`: true or false.
    Compare(Box<Formula>, CmpOp, Box<Formula>, Span),
    /// `average of METRIC over the 12 months before DATE …`
    Aggregate(Aggregate),
}

/// What an aggregate computes from the figures in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    /// `sum`
    Sum,
    /// `average` (per period of the metric)
    Average,
    /// `minimum`
    Minimum,
    /// `maximum`
    Maximum,
    /// `count`: periods with a figure
    Count,
}

/// The window of an aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregateWindow {
    /// `over the DURATION before DATE`: from DATE − DURATION to the day before DATE.
    Before(Operand, Operand),
    /// `since DATE`, or `since effective` (`None`): from that day on.
    Since(Option<Operand>),
    /// `over the DURATION before this period`: the DURATION before the payment
    /// period's first day (only in an amount computed per period).
    BeforePeriod(Operand, Span),
    /// `over the DURATION before termination`: the DURATION before the day
    /// after the contract's last day, when a termination ends it.
    BeforeTermination(Operand, Span),
    /// `in this period` (`None`) or `in the current UNIT` (the one containing
    /// the payment period): only in an amount computed per period.
    Current(Option<crate::calendar::PeriodUnit>, Span),
}

/// `FN of METRIC WINDOW [counting …]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// What is computed.
    pub function: AggregateFn,
    /// Of which metric (or event).
    pub metric: Name,
    /// `EVENT.ARG`: the argument of the event's occurrences.
    pub arg: Option<Name>,
    /// `payments under CLAUSE`: `metric` then names the clause.
    pub payments: bool,
    /// `payments made by PAYER to PAYEE`: `metric` then names the payer, this the payee.
    pub paid_to: Option<Name>,
    /// Over which days.
    pub window: AggregateWindow,
    /// `counting days pro rata` (true) or whole periods only (false).
    pub pro_rata: bool,
    /// The whole aggregate.
    pub span: Span,
}

impl Formula {
    /// Where the formula was written.
    pub fn span(&self) -> Span {
        match self {
            Formula::Operand(o) => o.span(),
            Formula::Binary(.., s)
            | Formula::ShareOf(.., s)
            | Formula::Field(.., s)
            | Formula::Extremum(.., s)
            | Formula::Round(.., s)
            | Formula::Compare(.., s) => *s,
            Formula::Aggregate(a) => a.span,
        }
    }
}

/// `allow CODE [for NAME] because "REASON"`: silences a checker finding, with a written reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowDecl {
    /// The finding's code, without the `covenant::` prefix (`rule_conflict`).
    pub code: Name,
    /// Narrows the allow to findings that involve this clause or declaration.
    pub target: Option<Name>,
    /// Why the finding is acceptable here; it must not be empty.
    pub reason: Text,
    /// The whole line.
    pub span: Span,
}

/// One party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyDecl {
    /// Its name.
    pub name: Name,
    /// Its display title.
    pub title: Option<Text>,
}

/// How the term ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermLength {
    /// `term until DATE`: the last day in force.
    Until(Date),
    /// `term DURATION`: counted from the effective date.
    For(Duration),
}

/// `term … [renews every DURATION unless notice DURATION]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermDecl {
    /// How long the initial term runs.
    pub length: TermLength,
    /// Automatic renewal, if any.
    pub renewal: Option<RenewalDecl>,
    /// The whole line.
    pub span: Span,
}

/// `renews every DURATION unless notice DURATION`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalDecl {
    /// How long each renewal runs.
    pub every: Duration,
    /// How long before the term's last day a non-renewal notice must be given.
    pub notice: Duration,
    /// The renewal part.
    pub span: Span,
}

/// `define NAME as one of V, V, …`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineDecl {
    /// The type's name.
    pub name: Name,
    /// Its values.
    pub values: Vec<Name>,
    /// The whole line.
    pub span: Span,
}

/// `action NAME(ARG: TYPE, …)`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDecl {
    /// The action's name.
    pub name: Name,
    /// Its arguments, each with a type name.
    pub args: Vec<(Name, Name)>,
    /// `needs licence to …`: the action is permitted only to a party holding that licence.
    pub licence: Option<LicenceNeed>,
    /// The whole line.
    pub span: Span,
}

/// `needs licence to "SUBJECT"` or `needs licence to ARG`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceNeed {
    /// What the licence must be to.
    pub subject: LicenceSubject,
    /// The `needs licence to …` words.
    pub span: Span,
}

/// The subject of a licence an action needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenceSubject {
    /// `"ICE AGE 2 Game"`: one fixed subject.
    Text(Text),
    /// `product`: the value of this argument of the action, occurrence by occurrence.
    Arg(Name),
}

/// `the ARG of each ACTION for DURATION`: a licence per occurrence of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerItem {
    /// The argument whose value is the licensed subject.
    pub arg: Name,
    /// The action whose occurrences open a licence (`release`).
    pub action: Name,
    /// How long each licence runs from the occurrence's day.
    pub duration: Operand,
    /// The words from `the` to the duration.
    pub span: Span,
}

/// `metric NAME in CUR per UNIT`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDecl {
    /// The metric's name.
    pub name: Name,
    /// Its currency, or the declared quantity unit its figures count.
    pub currency: Currency,
    /// Where the currency or unit is written.
    pub currency_span: Span,
    /// How often a figure is reported.
    pub unit: PeriodUnit,
    /// `by KEY`: one figure per period for each key (project, product, …).
    pub key: Option<Name>,
    /// The whole line.
    pub span: Span,
}

/// `index NAME per UNIT`: a published index, one number per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDecl {
    /// The index's name.
    pub name: Name,
    /// How often a figure is published.
    pub unit: PeriodUnit,
    /// The whole line.
    pub span: Span,
}

/// `adjusted by INDEX [from base PERIOD][, capped at RATE per year][, at least RATE per year][, never decreasing]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexAdjust {
    /// The index.
    pub index: Name,
    /// `from base PERIOD`, with its span.
    pub base: Option<(Period, Span)>,
    /// `capped at RATE per year`: the most a year's change may be.
    pub cap: Option<Operand>,
    /// `at least RATE per year`: the least a year's change may be.
    pub floor: Option<Operand>,
    /// `never decreasing`: a year's change is at least 0%.
    pub never_decreasing: bool,
    /// The line.
    pub span: Span,
}

/// `condition NAME default true|false`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionDecl {
    /// The condition's name.
    pub name: Name,
    /// Its value until a scenario switches it.
    pub default: Option<bool>,
    /// `when METRIC OP MONEY`: computed from each period's figure.
    pub metric_test: Option<MetricTest>,
    /// The whole line.
    pub span: Span,
}

/// `when METRIC OP MONEY`: a condition computed from a metric's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricTest {
    /// The metric.
    pub metric: Name,
    /// `FN of METRIC in the current UNIT`: the test is on each UNIT's aggregate.
    pub aggregate: Option<Box<Aggregate>>,
    /// The comparison.
    pub op: CmpOp,
    /// The threshold.
    pub threshold: Operand,
    /// `, once false stays false` (Some(false)) or `, once true stays true` (Some(true)).
    pub settles: Option<bool>,
    /// The `when …` words.
    pub span: Span,
}

/// `param NAME = VALUE` or `param NAME: TYPE`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamDecl {
    /// The param's name.
    pub name: Name,
    /// Either a default value or a required type.
    pub kind: ParamKind,
    /// The whole line.
    pub span: Span,
}

/// A param's declaration form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamKind {
    /// `= VALUE`: an assumption scenarios may override.
    Default(Operand),
    /// `: TYPE`: every scenario must set it.
    Required(Name),
}

/// `PARTY may terminate [for convenience] with DURATION notice`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationDecl {
    /// Who may terminate.
    pub party: Name,
    /// Whether the right is written as for convenience.
    pub convenience: bool,
    /// The notice period.
    pub notice: Operand,
    /// `within|for DURATION after EVENT`: the right exists only in the windows the event opens.
    pub window: Option<Window>,
    /// The whole line.
    pub span: Span,
}

/// `clause NAME "Title" { … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseDecl {
    /// The clause's name.
    pub name: Name,
    /// Its display title.
    pub title: Option<Text>,
    /// Its lines, in order.
    pub body: Vec<ClauseItem>,
    /// The whole clause.
    pub span: Span,
}

/// A line of a clause body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseItem {
    /// A rule or payment.
    Statement(Statement),
    /// A window applying to the whole clause.
    Window(Window),
    /// A payment modifier applying to the payment statement before it.
    Modifier(Modifier),
    /// `allow CODE [for NAME] because "REASON"`: silences a finding about this clause.
    Allow(AllowDecl),
    /// `let NAME = FORMULA`, visible in the lines of this clause below it.
    Let(LetDecl),
}

/// A window line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// `from DATE`
    From(Operand, Span),
    /// `until DATE`
    Until(Operand, Span),
    /// `for DURATION`
    For(Operand, Span),
    /// `while EXPR`
    While(Expr, Span),
    /// `unless EXPR`
    Unless(Expr, Span),
    /// `within DURATION after EVENT` (`within` true: the last day is the
    /// event's day + DURATION) or `for DURATION after EVENT` (the day before).
    After {
        /// `within` rather than `for`.
        within: bool,
        /// How long each window runs.
        length: Operand,
        /// The declared event.
        event: Name,
        /// The line.
        span: Span,
    },
}

impl Window {
    /// The line's span.
    pub fn span(&self) -> Span {
        match self {
            Window::From(_, s)
            | Window::Until(_, s)
            | Window::For(_, s)
            | Window::While(_, s)
            | Window::Unless(_, s)
            | Window::After { span: s, .. } => *s,
        }
    }
}

/// A payment modifier line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modifier {
    /// `every UNIT`
    Every(PeriodUnit, Span),
    /// `due DURATION after period end`, or `due DURATION after each EVENT` (the event named).
    Due(Operand, Option<Name>, Span),
    /// `capped at MONEY in total`
    CapTotal(Operand, Span),
    /// `capped at MONEY per UNIT`
    CapPer(Operand, PeriodUnit, Span),
    /// `at least MONEY per UNIT`
    Floor(Operand, PeriodUnit, Span),
    /// `tiers on the whole amount`: bracket tiers instead of marginal ones.
    WholeAmount(Span),
    /// `tiers cumulative`: thresholds apply to the running total since the payment started.
    Cumulative(Span),
    /// `recouping MONEY first`: an advance recouped before anything is owed.
    Recoup(Operand, Span),
    /// `excess credited against later shortfalls [for DURATION]`,
    /// `shortfall credited against later excess [for DURATION]` or
    /// `shortfall carried forward to the next UNIT`.
    Credit {
        /// Which of the three.
        kind: CreditKind,
        /// `for DURATION`: how long a credit may be used.
        within: Option<Operand>,
        /// The line.
        span: Span,
    },
    /// `adjusted by INDEX …`: the amount follows an index once per contract year.
    Index(IndexAdjust),
    /// `capped at MONEY per KEY in total`: a total cap for each key of a keyed metric.
    CapPerKey(Operand, Name, Span),
    /// `increasing RATE each contract year [from year N]`
    Escalator {
        /// The yearly increase.
        rate: Operand,
        /// The first contract year increased, with where it was written (`None`: year 2).
        from_year: Option<(u32, Span)>,
        /// The line.
        span: Span,
    },
}

impl Modifier {
    /// The line's span.
    pub fn span(&self) -> Span {
        match self {
            Modifier::Every(_, s)
            | Modifier::Due(_, _, s)
            | Modifier::CapTotal(_, s)
            | Modifier::CapPer(_, _, s)
            | Modifier::Floor(_, _, s)
            | Modifier::WholeAmount(s)
            | Modifier::Cumulative(s)
            | Modifier::Recoup(_, s)
            | Modifier::Credit { span: s, .. }
            | Modifier::Index(IndexAdjust { span: s, .. })
            | Modifier::CapPerKey(_, _, s)
            | Modifier::Escalator { span: s, .. } => *s,
        }
    }
}

/// What a period's amount carries forward to later periods (docs/language.md §4.7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditKind {
    /// `excess credited against later shortfalls`: what a period pays above its
    /// floor (or buys above its commitment) reduces later top-ups (or shortfalls).
    Excess,
    /// `shortfall credited against later excess`: a shortfall paid is credited
    /// back against later purchases above the commitment (make-up).
    MakeUp,
    /// `shortfall carried forward to the next UNIT`: the shortfall is added to
    /// the next period's commitment instead of being paid.
    CarryForward(PeriodUnit),
}

/// A statement of a clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// `PARTY must not ACTION [where EXPR]`
    Prohibition {
        /// Who is bound.
        party: Name,
        /// What they must not do.
        action: Name,
        /// When the prohibition applies to an occurrence.
        condition: Option<Expr>,
        /// The statement.
        span: Span,
    },
    /// `PARTY may ACTION [where EXPR] [notwithstanding CLAUSE, …]`
    Permission {
        /// Who is permitted.
        party: Name,
        /// What they may do.
        action: Name,
        /// When the permission applies.
        condition: Option<Expr>,
        /// The prohibitions it overrides.
        notwithstanding: Vec<Name>,
        /// The statement.
        span: Span,
    },
    /// `PARTY must ACTION [where EXPR] by DATE | within DURATION`
    Obligation {
        /// Who is obliged.
        party: Name,
        /// What they must do.
        action: Name,
        /// Which occurrences count.
        condition: Option<Expr>,
        /// The deadline.
        deadline: Deadline,
        /// The statement.
        span: Span,
    },
    /// `PARTY grants PARTY an exclusive|a non-exclusive licence to "SUBJECT"`
    Licence {
        /// Who grants.
        grantor: Name,
        /// Who receives.
        licensee: Name,
        /// Exclusive or not.
        exclusive: bool,
        /// What is licensed (compared as an exact string); for a licence per
        /// item, the words `the ARG of each ACTION`.
        subject: Text,
        /// `the ARG of each ACTION for DURATION`: one licence per occurrence.
        per_item: Option<PerItem>,
        /// The statement.
        span: Span,
    },
    /// `PARTY is "ROLE" of PARTY`
    Designation {
        /// Who holds the role.
        holder: Name,
        /// The role.
        role: Text,
        /// For whom.
        of: Name,
        /// The statement.
        span: Span,
    },
    /// `PARTY must pay PARTY …`
    Payment {
        /// Who pays.
        payer: Name,
        /// Who is paid.
        payee: Name,
        /// How much.
        amount: PaymentAmount,
        /// The statement.
        span: Span,
    },
}

impl Statement {
    /// The statement's span.
    pub fn span(&self) -> Span {
        match self {
            Statement::Prohibition { span, .. }
            | Statement::Permission { span, .. }
            | Statement::Obligation { span, .. }
            | Statement::Licence { span, .. }
            | Statement::Designation { span, .. }
            | Statement::Payment { span, .. } => *span,
        }
    }
}

/// An obligation's deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deadline {
    /// `by DATE`
    By(Operand),
    /// `within DURATION` of the clause's start.
    Within(Operand),
}

/// What a payment statement charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentAmount {
    /// `RATE of METRIC [up to MONEY, then RATE]…`
    Share {
        /// The first (lowest) tier's rate.
        rate: Operand,
        /// The metric the rate applies to.
        metric: Name,
        /// Further tiers: (threshold where the previous rate stops, next rate).
        tiers: Vec<(Operand, Operand)>,
    },
    /// `the shortfall of METRIC below MONEY`: what the period's figure falls short of a commitment.
    Shortfall {
        /// The metric measured against the commitment.
        metric: Name,
        /// The commitment per payment period.
        commitment: Operand,
    },
    /// `MONEY [on DATE]`
    Fixed {
        /// The sum.
        amount: Operand,
        /// The date of a one-off payment.
        on: Option<Operand>,
        /// `on termination`: due on the last day of a contract ended by termination.
        on_termination: bool,
        /// `on termination caused by EVENT`: only a termination that event caused.
        cause: Option<Name>,
    },
    /// `FORMULA on each EVENT`: one payment per occurrence of a declared event.
    OnEach {
        /// The amount, computed for each occurrence.
        amount: Formula,
        /// The event.
        event: Name,
    },
    /// `greater of (USD 250_000, 8% of net_sales)`: an amount computed per payment period.
    Formula(Formula),
}

/// `amendment NAME "Title" { … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    /// The amendment's name.
    pub name: Name,
    /// Its display title.
    pub title: Option<Text>,
    /// Its lines, in order.
    pub items: Vec<AmendmentItem>,
    /// The whole amendment.
    pub span: Span,
}

/// A line of an amendment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmendmentItem {
    /// `amends NAME from "PATH"`
    Amends {
        /// The amended contract's (or amendment's) name.
        name: Name,
        /// Its file, relative to this one.
        path: Text,
        /// The line.
        span: Span,
    },
    /// A declaration (effective date, param, metric, …).
    Decl(Decl),
    /// `remove CLAUSE`
    Remove(Name, Span),
    /// `replace CLAUSE ["TITLE"] { … }`
    Replace(ClauseDecl),
    /// `amend CLAUSE { … }`
    Amend(ClauseDecl),
    /// `add clause NAME … { … }`
    AddClause(ClauseDecl),
}

/// `scenario NAME "Title" { … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The scenario's name.
    pub name: Name,
    /// Its display title.
    pub title: Option<Text>,
    /// Its lines, in order.
    pub items: Vec<ScenarioItem>,
    /// The whole scenario.
    pub span: Span,
}

/// A line of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioItem {
    /// `contract "PATH"`
    Contract(Text, Span),
    /// `set PARAM = VALUE`
    Set(Name, Operand, Span),
    /// `on DATE …`
    Event(Event),
    /// `METRIC for PERIOD is MONEY`
    Figure {
        /// The metric.
        metric: Name,
        /// The period the figure is for.
        period: Period,
        /// The period literal's span.
        period_span: Span,
        /// The figure.
        amount: Operand,
        /// `for KEY "VALUE"`: the key of a keyed metric.
        key: Option<(Name, Text)>,
        /// The line.
        span: Span,
    },
    /// `METRIC from PERIOD is MONEY growing RATE per UNIT until PERIOD`
    Growth(GrowthPath),
    /// `expect …`
    Expect(Expectation),
}

/// `METRIC from PERIOD is MONEY growing|shrinking RATE per UNIT until PERIOD`:
/// a projection that stands for one figure per period of the metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrowthPath {
    /// The metric.
    pub metric: Name,
    /// The first period with a figure.
    pub from: Period,
    /// The first period literal's span.
    pub from_span: Span,
    /// The first period's figure.
    pub start: Operand,
    /// `shrinking` rather than `growing`.
    pub shrinking: bool,
    /// The growth (or shrinkage) rate per `per`.
    pub rate: Operand,
    /// How often the rate compounds.
    pub per: PeriodUnit,
    /// The `per UNIT` words' span.
    pub per_span: Span,
    /// The last period with a figure.
    pub until: Period,
    /// The last period literal's span.
    pub until_span: Span,
    /// The line.
    pub span: Span,
}

/// An action occurrence or query: `PARTY ACTION [ARG VALUE]…`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionUse {
    /// Who acts.
    pub party: Name,
    /// What they do.
    pub action: Name,
    /// Argument values by name.
    pub args: Vec<(Name, Operand)>,
}

/// `on DATE …`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When it happens.
    pub date: Date,
    /// What happens.
    pub kind: EventKind,
    /// The line.
    pub span: Span,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `PARTY ACTION [ARG VALUE]…`
    Action(ActionUse),
    /// `PARTY grants PARTY a licence to "SUBJECT"`
    Grant {
        /// Who grants.
        grantor: Name,
        /// Who receives.
        licensee: Name,
        /// `Some(true)` when written `an exclusive licence`.
        exclusive: Option<bool>,
        /// What is licensed.
        subject: Text,
    },
    /// `CONDITION becomes true|false`
    Becomes(Name, bool),
    /// `CONDITION becomes unknown`: the scenario does not know its value from this date.
    BecomesUnknown(Name),
    /// `PARTY terminates [because [of] EVENT]`: the party, and the event stated as the cause.
    Terminates(Name, Option<Name>),
    /// `PARTY gives notice of non-renewal`
    NonRenewal(Name),
    /// `EVENT [ARG VALUE]…`: a declared event occurs.
    Declared {
        /// The event.
        event: Name,
        /// Its data by name.
        args: Vec<(Name, Operand)>,
    },
    /// `PARTY pays PARTY MONEY`
    Pays {
        /// Who pays.
        payer: Name,
        /// Who is paid.
        payee: Name,
        /// How much.
        amount: Money,
    },
}

/// `expect …`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// What is expected.
    pub kind: ExpectKind,
    /// The line.
    pub span: Span,
}

/// A clause status that can be expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusWord {
    /// `active`
    Active,
    /// `inactive`
    Inactive,
    /// `exclusive`
    Exclusive,
    /// `non-exclusive`
    NonExclusive,
}

/// The forms of expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectKind {
    /// `PARTY ACTION … on DATE is permitted|forbidden [by CLAUSE]`
    Verdict {
        /// The action asked about.
        query: ActionUse,
        /// On which day.
        date: Date,
        /// `true` for permitted.
        permitted: bool,
        /// The clause expected among the forbidding ones.
        by: Option<Name>,
        /// `is forbidden without a licence`: forbidden for want of a licence the action needs.
        unlicensed: bool,
    },
    /// `PARTY owes PARTY MONEY for PERIOD under CLAUSE`
    Owes {
        /// Who owes.
        payer: Name,
        /// To whom.
        payee: Name,
        /// How much.
        amount: Money,
        /// For which period.
        period: Period,
        /// Under which clause.
        clause: Name,
        /// `for KEY "VALUE"`: only what accrues on that key of a keyed metric.
        key: Option<(Name, Text)>,
    },
    /// `PARTY owes PARTY MONEY for the EVENT on DATE under CLAUSE`: one occurrence's payment.
    OwesOccurrence {
        /// Who owes.
        payer: Name,
        /// To whom.
        payee: Name,
        /// How much.
        amount: Money,
        /// The event.
        event: Name,
        /// The occurrence's day.
        date: Date,
        /// Under which clause.
        clause: Name,
    },
    /// `PARTY owes PARTY net MONEY for PERIOD`
    OwesNet {
        /// Who owes, net.
        payer: Name,
        /// To whom.
        payee: Name,
        /// How much, net.
        amount: Money,
        /// For which period.
        period: Period,
    },
    /// `PARTY owes PARTY MONEY overdue on DATE`
    Overdue {
        /// Who owes.
        payer: Name,
        /// To whom.
        payee: Name,
        /// How much.
        amount: Money,
        /// On which day.
        date: Date,
    },
    /// `CLAUSE is active|inactive|exclusive|non-exclusive on DATE`
    Status {
        /// Which clause.
        clause: Name,
        /// The expected status.
        status: StatusWord,
        /// On which day.
        date: Date,
    },
    /// `CLAUSE cap reached in PERIOD`
    CapReached {
        /// Which clause.
        clause: Name,
        /// In which period.
        period: Period,
    },
    /// `contract ends on DATE`
    Ends(Date),
    /// `breach of CLAUSE`
    Breach(Name),
    /// `no breach [of CLAUSE]`
    NoBreach(Option<Name>),
    /// `CLAUSE payment for PERIOD is due on DATE`
    Due {
        /// Which clause.
        clause: Name,
        /// For which period.
        period: Period,
        /// The expected due date.
        date: Date,
    },
}
