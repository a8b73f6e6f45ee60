//! The resolved contract: what the checker hands to the evaluator.
//!
//! Names are resolved to indices, param references are kept as references (a
//! scenario binds them), and the amendment chain is flattened into clause
//! histories: each clause name has versions, each in force over a date range.
//! `amend` and `replace` add versions to the same history, which is how a
//! total cap counts what accrued under earlier versions.

use std::collections::HashMap;

use rust_decimal::Decimal;

pub use crate::calendar::Date;
use crate::calendar::{Anchors, Duration, FiscalStart, PeriodUnit};
use crate::money::{Currency, Money, Rate};
use crate::source::Span;
use crate::syntax::ast::{AggregateFn, ArithOp, CmpOp, RoundMode, RoundTarget};

/// Index of a party.
pub type PartyId = usize;
/// Index of an action.
pub type ActionId = usize;
/// Index of a metric.
pub type MetricId = usize;
/// Index of a condition.
pub type ConditionId = usize;
/// Index into [`Model::events`].
pub type EventId = usize;
/// Index of a param.
pub type ParamId = usize;
/// Index of a defined type.
pub type TypeId = usize;
/// Index of a clause history.
pub type ClauseId = usize;

/// The kind of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Money, of a known currency or (for a required param) any.
    Money(Option<Currency>),
    /// A percentage.
    Percent,
    /// A date.
    Date,
    /// A duration.
    Duration,
    /// A plain number.
    Number,
    /// true or false.
    Bool,
    /// Free text.
    Text,
    /// One of a defined type's values.
    Enum(TypeId),
}

impl ValueType {
    /// Whether `<`, `>` and friends apply.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            ValueType::Money(_) | ValueType::Percent | ValueType::Date | ValueType::Number
        )
    }

    /// Whether a value of type `other` fits a slot of this type.
    pub fn accepts(self, other: ValueType) -> bool {
        match (self, other) {
            (ValueType::Money(None), ValueType::Money(_))
            | (ValueType::Money(_), ValueType::Money(None)) => true,
            (a, b) => a == b,
        }
    }
}

/// A concrete value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// Money.
    Money(Money),
    /// A percentage.
    Percent(Rate),
    /// A date.
    Date(Date),
    /// A duration.
    Duration(Duration),
    /// A number.
    Number(Decimal),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(String),
    /// A defined value: (type, index of the value).
    Enum(TypeId, usize),
}

impl Value {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Money(m) => ValueType::Money(Some(m.currency)),
            Value::Percent(_) => ValueType::Percent,
            Value::Date(_) => ValueType::Date,
            Value::Duration(_) => ValueType::Duration,
            Value::Number(_) => ValueType::Number,
            Value::Bool(_) => ValueType::Bool,
            Value::Text(_) => ValueType::Text,
            Value::Enum(t, _) => ValueType::Enum(*t),
        }
    }
}

/// A slot's content: a literal value or a param, resolved when a scenario binds params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueRef {
    /// A literal.
    Lit(Value),
    /// A param.
    Param(ParamId),
}

/// A [`ValueRef`] with the span it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The content.
    pub value: ValueRef,
    /// Where it was written.
    pub span: Span,
}

/// An operand in a resolved expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ROperand {
    /// A literal, param or defined value.
    Value(ValueRef),
    /// The action argument at this index.
    Arg(usize),
    /// A condition's current value.
    Condition(ConditionId),
}

/// A resolved boolean expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RExpr {
    /// An operand used as a boolean.
    Atom(ROperand),
    /// A comparison.
    Compare(ROperand, CmpOp, ROperand),
    /// Membership in a list.
    In(ROperand, Vec<ROperand>),
    /// Negation.
    Not(Box<RExpr>),
    /// All of.
    And(Vec<RExpr>),
    /// Any of.
    Or(Vec<RExpr>),
}

/// A party.
#[derive(Debug, Clone)]
pub struct Party {
    /// Name.
    pub name: String,
    /// Display title.
    pub title: Option<String>,
    /// Declaration.
    pub span: Span,
}

/// A defined type (`define … as one of …`).
#[derive(Debug, Clone)]
pub struct EnumType {
    /// Name.
    pub name: String,
    /// Its values in order.
    pub values: Vec<String>,
    /// Declaration.
    pub span: Span,
}

/// An action and its typed arguments.
#[derive(Debug, Clone)]
pub struct Action {
    /// Name.
    pub name: String,
    /// (argument name, type).
    pub args: Vec<(String, ValueType)>,
    /// `needs licence to …`: permitted only to a party holding that licence.
    pub licence: Option<NeedsLicence>,
    /// Declaration.
    pub span: Span,
}

/// The licence an action needs (`action publish_game needs licence to "ICE AGE 2 Game"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsLicence {
    /// What the licence must be to.
    pub subject: NeededSubject,
    /// The `needs licence to …` words.
    pub span: Span,
}

/// The subject of a needed licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeededSubject {
    /// One fixed subject, compared exactly.
    Fixed(String),
    /// The value of the action's argument at this index (a text or a defined value).
    Arg(usize),
}

/// A metric reported by scenarios.
#[derive(Debug, Clone)]
pub struct Metric {
    /// Name.
    pub name: String,
    /// Currency of its figures.
    pub currency: Currency,
    /// How often a figure is given.
    pub unit: PeriodUnit,
    /// `by KEY`: the word naming the keys (`project`); figures are given per key.
    pub key: Option<String>,
    /// Declaration.
    pub span: Span,
}

/// A published index (`index cpi per year`): one number per period, which
/// amounts may be adjusted by (docs/language.md §4.7.7).
#[derive(Debug, Clone)]
pub struct Index {
    /// Name.
    pub name: String,
    /// How often a figure is published: a calendar year, quarter or month.
    pub unit: PeriodUnit,
    /// Declaration.
    pub span: Span,
}

/// `adjusted by INDEX …` on a fixed sum or a shortfall's commitment.
#[derive(Debug, Clone)]
pub struct IndexLink {
    /// The index (into `Model::indexes`).
    pub index: usize,
    /// `from base PERIOD`; otherwise the index period containing the effective date.
    pub base: Option<crate::calendar::Period>,
    /// The most a year's change may be.
    pub cap: Option<Slot>,
    /// The least a year's change may be (`never decreasing` is 0%).
    pub floor: Option<Slot>,
    /// `never decreasing` was written.
    pub never_decreasing: bool,
    /// The modifier line.
    pub span: Span,
}

/// A condition scenarios switch.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Name.
    pub name: String,
    /// Value until switched.
    pub default: bool,
    /// Declared without a default: its value is unknown until a scenario
    /// switches it, and scenarios are answered conditionally (`default` is
    /// then `false`, only for the single evaluations that keep a value).
    pub unknown: bool,
    /// Declaration.
    pub span: Span,
    /// Where its value comes from.
    pub source: ConditionSource,
}

/// Where a condition's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionSource {
    /// Switched by scenarios (`on DATE NAME becomes …`).
    Declared,
    /// Computed from a metric: from the day after each period with a figure
    /// ends, whether that figure compares with the threshold.
    Metric {
        /// The metric.
        metric: MetricId,
        /// The comparison.
        op: CmpOp,
        /// The threshold (an amount).
        threshold: Slot,
        /// `once false stays false` (Some(false)): the first period giving that
        /// value fixes it for the rest of the contract.
        settles: Option<bool>,
        /// `when FN of METRIC in the current UNIT …`: the aggregate (over
        /// `in this period`) and the UNIT it is taken over.
        over: Option<(RAggregate, PeriodUnit)>,
    },
    /// True in the windows that the occurrences of an event open (a clause's
    /// `within|for DURATION after EVENT`); not declared by name.
    EventWindow {
        /// The event.
        event: EventId,
        /// How long each window runs.
        length: Slot,
        /// `within`: the last day is the event's day + length; `for`: the day before.
        within: bool,
    },
    /// True from the first occurrence of an event on (a clause's `from EVENT`).
    EventFrom {
        /// The event.
        event: EventId,
    },
}

/// A param: an assumption or a required input.
#[derive(Debug, Clone)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Its type.
    pub ty: ValueType,
    /// The default, when it has one.
    pub default: Option<Value>,
    /// For a `let`: how the value is computed from params and earlier lets
    /// (scenarios cannot `set` it; it is computed when params are bound).
    pub formula: Option<RFormula>,
    /// A let computed per payment period (it reads a metric's figure for the
    /// period, a period-relative window, or another such let): usable only in
    /// payment amounts, floors and caps.
    pub periodic: bool,
    /// A let Covenant made for a payment's inline formula: not listed in reports.
    pub hidden: bool,
    /// A let that reads figures, events or payments (directly or through
    /// another let), so that its value within a payment period may differ
    /// from its value for the scenario.
    pub reads_scenario: bool,
    /// Declaration.
    pub span: Span,
}

/// A resolved, type-checked formula of a `let`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RFormula {
    /// A literal, param or earlier let.
    Value(ValueRef, Span),
    /// `A + B`, `A × B`, …
    Binary(ArithOp, Box<RFormula>, Box<RFormula>, Span),
    /// `RATE of A`
    ShareOf(ValueRef, Box<RFormula>, Span),
    /// `greater of (…)` (true) or `lesser of (…)` (false).
    Extremum(bool, Vec<RFormula>, Span),
    /// A declared event's name: the day of its first occurrence in the scenario
    /// (in a payment `on each EVENT`, the day of that occurrence).
    EventDate(EventId, Span),
    /// `EVENT.ARG`: an argument of the occurrence a payment `on each EVENT` is computed for.
    EventArg(EventId, usize, Span),
    /// `A rounded MODE to TARGET`
    Round(Box<RFormula>, RoundMode, RoundTarget, Span),
    /// `A >= B`
    Compare(Box<RFormula>, CmpOp, Box<RFormula>, Span),
    /// `FN of METRIC WINDOW`: computed from the scenario's figures.
    Aggregate(RAggregate),
    /// A metric's name outside an aggregate: its figure for the payment period.
    Figure(MetricId, Span),
    /// `this period` in a window: the payment period's first day.
    PeriodStart(Span),
    /// `termination` in a window: the day after the contract's last day, when
    /// a termination ends it (so `before termination` ends on the last day).
    Termination(Span),
}

/// What an aggregate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateSource {
    /// A metric's figures.
    Metric(MetricId),
    /// A declared event's occurrences (`count of claim`).
    Event(EventId),
    /// An argument of a declared event's occurrences (`minimum of deal.price`), by position.
    EventArg(EventId, usize),
    /// What a clause's payments owe per payment period (`payments under
    /// services`); the span names the clause, for the cycle diagnostic.
    Payments(ClauseId, Span),
    /// What the scenario records as paid by one party to another (`payments
    /// made by customer to provider`), by the day of each payment.
    Paid(PartyId, PartyId),
}

/// The window of a resolved aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RWindow {
    /// `over the DURATION before DAY`: the day is a date formula (a date, a
    /// param, a let, an event's name), computed through the same context.
    Before(ValueRef, Box<RFormula>),
    /// `since DAY` (`None`: `since effective`).
    Since(Option<Box<RFormula>>),
    /// `in this period` (`None`) or `in the current UNIT`: per period only.
    Current(Option<PeriodUnit>),
}

/// A resolved aggregate of a metric's figures over a window of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RAggregate {
    /// What is computed.
    pub function: AggregateFn,
    /// What it reads.
    pub source: AggregateSource,
    /// Over which days.
    pub window: RWindow,
    /// Whether periods the window cuts count pro rata by days.
    pub pro_rata: bool,
    /// The whole aggregate.
    pub span: Span,
}

impl RFormula {
    /// Where the formula was written.
    pub fn span(&self) -> Span {
        match self {
            RFormula::Value(_, s)
            | RFormula::Binary(.., s)
            | RFormula::ShareOf(.., s)
            | RFormula::Extremum(.., s)
            | RFormula::Round(.., s)
            | RFormula::Compare(.., s)
            | RFormula::EventDate(_, s)
            | RFormula::Figure(_, s)
            | RFormula::PeriodStart(s)
            | RFormula::Termination(s)
            | RFormula::EventArg(_, _, s) => *s,
            RFormula::Aggregate(a) => a.span,
        }
    }
}

/// Two parties whose payments to each other are also shown net, per period.
#[derive(Debug, Clone)]
pub struct Netting {
    /// The first party named.
    pub first: PartyId,
    /// The second.
    pub second: PartyId,
    /// The netting period.
    pub unit: PeriodUnit,
    /// The line.
    pub span: Span,
}

/// A party's right to terminate by notice.
#[derive(Debug, Clone)]
pub struct TerminationRight {
    /// Who holds it.
    pub party: PartyId,
    /// The notice period.
    pub notice: Slot,
    /// Written `for convenience`.
    pub convenience: bool,
    /// First day the right exists (the effective date of the document declaring it).
    pub from: Date,
    /// `within|for DURATION after EVENT`: the right exists only while this
    /// (computed) condition holds.
    pub window: Option<ConditionId>,
    /// The event whose window the right exists in: a termination under it is caused by that event.
    pub window_event: Option<EventId>,
    /// Declaration.
    pub span: Span,
}

/// Automatic renewal of the term.
#[derive(Debug, Clone)]
pub struct Renewal {
    /// Length of each renewal.
    pub every: Duration,
    /// How long before the term's last day a non-renewal notice must be given.
    pub notice: Duration,
}

/// The term.
#[derive(Debug, Clone)]
pub struct Term {
    /// The initial term's last day; `None` runs until terminated.
    pub last_day: Option<Date>,
    /// The initial term's length when written as a duration (`term 1 year`), which anchors renewals to the effective date.
    pub length: Option<Duration>,
    /// Renewal, if any.
    pub renewal: Option<Renewal>,
    /// Declaration.
    pub span: Span,
}

/// Where a clause version comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The contract's or amendment's name.
    pub document: String,
    /// How it got there: `original`, `added`, `replaced`, `amended`.
    pub how: &'static str,
}

/// A rule about an action: prohibition or permission.
#[derive(Debug, Clone)]
pub struct ActionRule {
    /// Who.
    pub party: PartyId,
    /// Which action.
    pub action: ActionId,
    /// When it applies to an occurrence.
    pub condition: Option<RExpr>,
    /// Permission (true) or prohibition (false).
    pub permits: bool,
    /// For permissions: the clauses whose prohibitions it overrides.
    pub notwithstanding: Vec<ClauseId>,
    /// Where each clause of `notwithstanding` is named, in the same order.
    pub notwithstanding_spans: Vec<Span>,
    /// The statement.
    pub span: Span,
}

/// An obligation to act by a deadline.
#[derive(Debug, Clone)]
pub struct Obligation {
    /// Who.
    pub party: PartyId,
    /// Which action.
    pub action: ActionId,
    /// Which occurrences count.
    pub condition: Option<RExpr>,
    /// `by DATE` (date slot) or `within DURATION` (duration slot).
    pub deadline: DeadlineSlot,
    /// The statement.
    pub span: Span,
}

/// An obligation's deadline before params are bound.
#[derive(Debug, Clone)]
pub enum DeadlineSlot {
    /// `by DATE`
    By(Slot),
    /// `within DURATION` of the clause's start.
    Within(Slot),
}

/// A licence grant.
#[derive(Debug, Clone)]
pub struct Licence {
    /// Grantor.
    pub grantor: PartyId,
    /// Licensee.
    pub licensee: PartyId,
    /// Exclusive or not.
    pub exclusive: bool,
    /// Subject, compared exactly; for a licence per item, the words `the ARG of each ACTION`.
    pub subject: String,
    /// `the ARG of each ACTION for DURATION`: one licence per occurrence of the action.
    pub per_item: Option<PerItemLicence>,
    /// The statement.
    pub span: Span,
}

/// A licence per item: each occurrence of `action` (by any party, on a day
/// the clause is active) licenses the value of its argument `arg` from that
/// day for `duration`, within the clause's active days.
#[derive(Debug, Clone)]
pub struct PerItemLicence {
    /// The action whose occurrences open licences.
    pub action: ActionId,
    /// The index of the argument whose value is the subject.
    pub arg: usize,
    /// How long each licence runs.
    pub duration: Slot,
}

/// A designation (`PARTY is "ROLE" of PARTY`).
#[derive(Debug, Clone)]
pub struct Designation {
    /// Who holds the role.
    pub holder: PartyId,
    /// The role.
    pub role: String,
    /// For whom.
    pub of: PartyId,
    /// The statement.
    pub span: Span,
}

/// What a payment charges.
#[derive(Debug, Clone)]
pub enum Charge {
    /// A share of a metric, with marginal tiers.
    Share {
        /// The metric.
        metric: MetricId,
        /// Rates, lowest tier first.
        rates: Vec<Slot>,
        /// Thresholds between tiers (one fewer than rates).
        thresholds: Vec<Slot>,
    },
    /// The shortfall of a metric below a commitment, per period.
    Shortfall {
        /// The metric.
        metric: MetricId,
        /// The commitment per payment period.
        commitment: Slot,
    },
    /// A fixed sum, once or per period.
    Fixed {
        /// The sum.
        amount: Slot,
        /// The date of a one-off payment.
        on: Option<Slot>,
        /// `on termination`: due on the last day of a contract ended by termination.
        on_termination: bool,
        /// `on termination caused by EVENT`: only when that event caused the termination.
        cause: Option<EventId>,
    },
    /// `FORMULA on each EVENT`: one sum per occurrence of a declared event,
    /// computed from the occurrence's data and due on its day.
    OnEach {
        /// The event.
        event: EventId,
        /// The amount, computed for each occurrence.
        amount: RFormula,
    },
}

/// A payment statement with its modifiers.
#[derive(Debug, Clone)]
pub struct Payment {
    /// Who pays.
    pub payer: PartyId,
    /// Who is paid.
    pub payee: PartyId,
    /// What is charged.
    pub charge: Charge,
    /// The payment period (`every`); for shares defaults to the metric's unit.
    pub every: Option<PeriodUnit>,
    /// `due DURATION after period end` (or `after each EVENT`).
    pub due: Option<Slot>,
    /// `due DURATION after each EVENT`: the event named, and where.
    pub due_each: Option<(EventId, Span)>,
    /// `capped at MONEY in total`.
    pub cap_total: Option<Slot>,
    /// `capped at MONEY per UNIT`.
    pub cap_per: Option<Slot>,
    /// `at least MONEY per UNIT`.
    pub floor: Option<Slot>,
    /// The unit written on the per-period cap, checked against `every` once the clause is read.
    pub cap_per_unit: Option<(PeriodUnit, Span)>,
    /// The unit written on the floor, checked likewise.
    pub floor_unit: Option<(PeriodUnit, Span)>,
    /// `tiers on the whole amount`: bracket tiers (the line's span).
    pub whole_amount: Option<Span>,
    /// `tiers cumulative`: thresholds on the running total (the line's span).
    pub cumulative: Option<Span>,
    /// `increasing RATE each contract year [from year N]`.
    pub escalator: Option<Escalator>,
    /// `recouping MONEY first`: the advance recouped before anything is owed.
    pub recoup: Option<Slot>,
    /// A credit or shortfall carried forward to later periods (§4.7.6).
    pub credit: Option<Credit>,
    /// `adjusted by INDEX …` (§4.7.7).
    pub index: Option<IndexLink>,
    /// `capped at MONEY per KEY in total`: a total cap for each key of a keyed metric (§3.7.1),
    /// with the key word as written and the line.
    pub cap_per_key: Option<(Slot, String, Span)>,
    /// The currency, when known before params are bound.
    pub currency: Option<Currency>,
    /// The statement.
    pub span: Span,
}

/// `excess credited against later shortfalls`, `shortfall credited against later
/// excess` or `shortfall carried forward to the next UNIT` (docs/language.md §4.7.6).
#[derive(Debug, Clone)]
pub struct Credit {
    /// Which kind.
    pub kind: crate::syntax::ast::CreditKind,
    /// `for DURATION`: a credit may be used only by periods ending within
    /// DURATION after the end of the period that earned it.
    pub within: Option<Slot>,
    /// The modifier line.
    pub span: Span,
}

/// `increasing RATE each contract year [from year N]` on a fixed sum or a shortfall's commitment.
#[derive(Debug, Clone)]
pub struct Escalator {
    /// The yearly increase.
    pub rate: Slot,
    /// The first contract year that is increased (year 2 when not written).
    pub from_year: u32,
    /// The modifier line.
    pub span: Span,
}

/// A clause's windows.
#[derive(Debug, Clone, Default)]
pub struct Windows {
    /// `from DATE`.
    pub from: Option<Slot>,
    /// `until DATE`.
    pub until: Option<Slot>,
    /// `for DURATION`.
    pub for_: Option<Slot>,
    /// `while EXPR`: all must hold.
    pub while_: Vec<(RExpr, Span)>,
    /// `unless EXPR`: none may hold.
    pub unless: Vec<(RExpr, Span)>,
}

/// One version of a clause.
#[derive(Debug, Clone)]
pub struct ClauseVersion {
    /// Display title.
    pub title: Option<String>,
    /// First day this version governs.
    pub in_force_from: Date,
    /// Last day this version governs (`None`: until the contract ends).
    pub in_force_until: Option<Date>,
    /// Where it comes from.
    pub origin: Origin,
    /// The clause block (or the `replace`/`amend` block) it was written in.
    pub span: Span,
    /// The clause's name as written in that block.
    pub name_span: Span,
    /// Windows.
    pub windows: Windows,
    /// Prohibitions and permissions.
    pub rules: Vec<ActionRule>,
    /// Obligations.
    pub obligations: Vec<Obligation>,
    /// Licences.
    pub licences: Vec<Licence>,
    /// Designations.
    pub designations: Vec<Designation>,
    /// Payments.
    pub payments: Vec<Payment>,
    /// `allow` lines written in this clause (carried into `amend`ed versions).
    pub allows: Vec<Allow>,
}

/// An `allow CODE [for NAME] because "REASON"` line, resolved.
#[derive(Debug, Clone)]
pub struct Allow {
    /// The code it silences.
    pub code: crate::diagnostic::Code,
    /// Only findings that involve this clause or declaration (by name).
    pub target: Option<String>,
    /// The written reason.
    pub reason: String,
    /// The clause block it was written in; `None` for a top-level allow, which covers the whole contract.
    pub scope: Option<Span>,
    /// The line.
    pub span: Span,
}

/// An amendment's `remove CLAUSE` line.
#[derive(Debug, Clone, Copy)]
pub struct Removal {
    /// The amendment's effective date: the first day the clause is gone.
    pub date: Date,
    /// The `remove` line.
    pub span: Span,
}

/// A clause's history under one name.
#[derive(Debug, Clone)]
pub struct Clause {
    /// Name.
    pub name: String,
    /// Versions in date order; a removal ends the last version.
    pub versions: Vec<ClauseVersion>,
    /// The removal that ended it, if an amendment removed it (and none brought it back).
    pub removed: Option<Removal>,
}

/// An amendment applied to the contract.
#[derive(Debug, Clone)]
pub struct AmendmentInfo {
    /// Its name.
    pub name: String,
    /// Its title.
    pub title: Option<String>,
    /// Its effective date.
    pub effective: Date,
    /// Its declaration.
    pub span: Span,
}

/// A word whose counting convention an `interpret` line can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// `until DATE` (windows and `term until`): inclusive by default.
    Until,
    /// `within DURATION` deadlines: counted from the day after the start by default.
    Within,
    /// `due DURATION after period end`: counted from the day after the period's end by default.
    After,
    /// `renews … unless notice DURATION`: the notice is in time when given on or
    /// before the day DURATION prior to the term's last day by default, the last
    /// day counting as one of the days.
    PriorTo,
}

impl Word {
    /// Every word that can be interpreted.
    pub const ALL: [Word; 4] = [Word::Until, Word::Within, Word::After, Word::PriorTo];

    /// The word as written.
    pub fn text(self) -> &'static str {
        match self {
            Word::Until => "until",
            Word::Within => "within",
            Word::After => "after",
            Word::PriorTo => "prior to",
        }
    }

    /// The word written between the quotes of an `interpret` line.
    pub fn from_text(text: &str) -> Option<Word> {
        Word::ALL.into_iter().find(|w| w.text() == text.trim())
    }

    /// Whether Covenant reads the word as exclusive when no interpretation is given.
    pub fn default_exclusive(self) -> bool {
        match self {
            Word::Until | Word::PriorTo => false,
            Word::Within | Word::After => true,
        }
    }
}

/// `interpret NAME: "WORD" as READING [for CLAUSE] [on DATE] because "REASON"`.
#[derive(Debug, Clone)]
pub struct Interpretation {
    /// Its name, which reports cite.
    pub name: String,
    /// The word read.
    pub word: Word,
    /// `true` for `exclusive`.
    pub exclusive: bool,
    /// The one clause it is limited to, if any.
    pub clause: Option<ClauseId>,
    /// The day it was recorded.
    pub date: Option<Date>,
    /// Why.
    pub reason: String,
    /// The document (contract or amendment) that states it.
    pub document: String,
    /// The line.
    pub span: Span,
}

impl Interpretation {
    /// `inclusive` or `exclusive`.
    pub fn reading(&self) -> &'static str {
        if self.exclusive {
            "exclusive"
        } else {
            "inclusive"
        }
    }

    /// `"until" read as exclusive`
    pub fn describe(&self) -> String {
        format!("\"{}\" read as {}", self.word.text(), self.reading())
    }

    /// Whether it reads the word otherwise than Covenant's default.
    pub fn departs_from_default(&self) -> bool {
        self.exclusive != self.word.default_exclusive()
    }
}

/// What a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    /// A party.
    Party(PartyId),
    /// An action.
    Action(ActionId),
    /// A metric.
    Metric(MetricId),
    /// A condition.
    Condition(ConditionId),
    /// A param.
    Param(ParamId),
    /// A defined type.
    Type(TypeId),
    /// A defined value: (type, value index).
    Value(TypeId, usize),
    /// A clause.
    Clause(ClauseId),
    /// A declared event.
    Event(EventId),
    /// A published index.
    Index(usize),
}

impl Symbol {
    /// The kind of thing with its article: `a metric`, `an index`, `an action`.
    pub fn a_kind(self) -> String {
        let kind = self.kind();
        if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            format!("an {kind}")
        } else {
            format!("a {kind}")
        }
    }

    /// The kind of thing, in words.
    pub fn kind(self) -> &'static str {
        match self {
            Symbol::Party(_) => "party",
            Symbol::Action(_) => "action",
            Symbol::Metric(_) => "metric",
            Symbol::Condition(_) => "condition",
            Symbol::Param(_) => "param",
            Symbol::Type(_) => "defined type",
            Symbol::Value(..) => "defined value",
            Symbol::Clause(_) => "clause",
            Symbol::Event(_) => "event",
            Symbol::Index(_) => "index",
        }
    }
}

/// A contract with its amendment chain applied.
#[derive(Debug, Clone)]
pub struct Model {
    /// The base contract's name.
    pub name: String,
    /// Its title.
    pub title: Option<String>,
    /// The name of the last document in the chain (the contract or its latest amendment).
    pub document: String,
    /// The base contract's declaration.
    pub span: Span,
    /// Parties.
    pub parties: Vec<Party>,
    /// Effective date.
    pub effective: Date,
    /// Term.
    pub term: Term,
    /// Defined types.
    pub types: Vec<EnumType>,
    /// Actions.
    pub actions: Vec<Action>,
    /// Metrics.
    pub metrics: Vec<Metric>,
    /// Published indexes (`index NAME per UNIT`).
    pub indexes: Vec<Index>,
    /// Declared events (`event NAME(…)`), with their data's names and types.
    pub events: Vec<Action>,
    /// Conditions.
    pub conditions: Vec<Condition>,
    /// Params.
    pub params: Vec<Param>,
    /// Termination rights.
    pub terminations: Vec<TerminationRight>,
    /// `net payments between … every …` lines.
    pub nettings: Vec<Netting>,
    /// Clause histories in declaration order.
    pub clauses: Vec<Clause>,
    /// Amendments in the order applied.
    pub amendments: Vec<AmendmentInfo>,
    /// Top-level `allow` lines of the contract and its amendments.
    pub allows: Vec<Allow>,
    /// The `interpret` lines of the contract and its amendments, in order; a
    /// restatement under the same name replaces the earlier one.
    pub interpretations: Vec<Interpretation>,
    /// Every declared name.
    pub symbols: HashMap<String, (Symbol, Span)>,
    /// `fiscal year starts MONTH DAY`, if declared.
    pub fiscal_start: Option<FiscalStart>,
    /// `holidays …`: weekdays that are not business days, in order.
    pub holidays: Vec<Date>,
    /// Declared quantity units (`unit shares …`), each with its rounding rule.
    pub units: Vec<(Currency, Span)>,
}

impl Model {
    /// What contract years, contract months and fiscal years count from.
    pub fn anchors(&self) -> Anchors {
        Anchors {
            effective: self.effective,
            fiscal: self.fiscal_start.unwrap_or(FiscalStart::JANUARY),
        }
    }

    /// A currency as it is, or a declared quantity unit with its rounding
    /// rule; `None` for a unit the contract does not declare.
    pub fn stamp(&self, c: Currency) -> Option<Currency> {
        if !c.is_quantity() {
            return Some(c);
        }
        self.units.iter().find(|(u, _)| *u == c).map(|(u, _)| *u)
    }

    /// Looks a name up.
    pub fn symbol(&self, name: &str) -> Option<Symbol> {
        self.symbols.get(name).map(|(s, _)| *s)
    }

    /// Names of every symbol of the same kind as `kind`, for suggestions.
    pub fn names_of_kind(&self, kind: &str) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .symbols
            .iter()
            .filter(|(_, (s, _))| s.kind() == kind)
            .map(|(n, _)| n.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// The interpretation that governs `word` in clause `clause` (`None`: the
    /// contract-wide one, for `term until`): one limited to the clause comes
    /// before a contract-wide one.
    pub fn interpretation(&self, word: Word, clause: Option<ClauseId>) -> Option<&Interpretation> {
        let scoped = clause.and_then(|c| {
            self.interpretations
                .iter()
                .rev()
                .find(|i| i.word == word && i.clause == Some(c))
        });
        scoped.or_else(|| {
            self.interpretations
                .iter()
                .rev()
                .find(|i| i.word == word && i.clause.is_none())
        })
    }

    /// Whether `word` is read as exclusive in `clause`, and the interpretation that says so.
    pub fn reads_exclusive(
        &self,
        word: Word,
        clause: Option<ClauseId>,
    ) -> (bool, Option<&Interpretation>) {
        match self.interpretation(word, clause) {
            Some(i) => (i.exclusive, Some(i)),
            None => (word.default_exclusive(), None),
        }
    }

    /// A clause by name.
    pub fn clause_id(&self, name: &str) -> Option<ClauseId> {
        match self.symbol(name) {
            Some(Symbol::Clause(id)) => Some(id),
            _ => None,
        }
    }

    /// Shows a value for people.
    pub fn show_value(&self, value: &Value) -> String {
        match value {
            Value::Money(m) => m.to_string(),
            Value::Percent(r) => r.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Duration(d) => d.to_string(),
            Value::Number(n) => n.normalize().to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Text(t) => format!("{t:?}"),
            Value::Enum(t, i) => self
                .types
                .get(*t)
                .and_then(|ty| ty.values.get(*i))
                .cloned()
                .unwrap_or_default(),
        }
    }
}
