//! The typed answers of an evaluation, before they are rendered.
//!
//! These are the evaluator's own types (exact money, real dates); the report
//! stage turns them into text or into the versioned JSON schema.

use crate::calendar::{Date, Period};
use crate::money::Money;
use crate::source::Span;

/// Everything one scenario's evaluation answers.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Scenario name.
    pub scenario: String,
    /// Scenario title.
    pub scenario_title: Option<String>,
    /// The contract's name.
    pub contract: String,
    /// The contract's title.
    pub contract_title: Option<String>,
    /// Effective date.
    pub effective: Date,
    /// Amendments applied: (name, effective).
    pub amendments: Vec<(String, Date)>,
    /// How the contract ends.
    pub end: ContractEnd,
    /// The last day the timeline covers.
    pub horizon: Date,
    /// The `--as-of` date, when given.
    pub as_of: Option<Date>,
    /// Params and their values.
    pub params: Vec<ParamValue>,
    /// Events in date order with their effects.
    pub events: Vec<EventOutcome>,
    /// Payment periods and one-off payments.
    pub accruals: Vec<Accrual>,
    /// Net positions of the `net payments` lines, by pair, period and currency.
    pub netting: Vec<NetPosition>,
    /// Status changes in date order.
    pub status_changes: Vec<StatusChange>,
    /// Breaches in date order.
    pub breaches: Vec<Breach>,
    /// Expectations in source order.
    pub expectations: Vec<ExpectationOutcome>,
    /// Each clause's state on the horizon (or `--as-of`) date.
    pub clause_states: Vec<ClauseState>,
    /// Remarks: missing figures, ineffective events.
    pub notes: Vec<String>,
    /// The contract's interpretations, each with the answers it governs.
    pub interpretations: Vec<InterpretationNote>,
}

/// An interpretation as the reports show it, with what it governs.
#[derive(Debug, Clone)]
pub struct InterpretationNote {
    /// Its name.
    pub name: String,
    /// The word read (`until`).
    pub word: String,
    /// `inclusive` or `exclusive`.
    pub reading: String,
    /// Whether the reading departs from Covenant's default for the word.
    pub departs_from_default: bool,
    /// The clause it is limited to, if any.
    pub clause: Option<String>,
    /// The day it was recorded.
    pub date: Option<Date>,
    /// Why.
    pub reason: String,
    /// The document that states it.
    pub document: String,
    /// The clauses whose answers it governs (statuses, payments, breaches, verdicts).
    pub clauses: Vec<String>,
    /// Whether it governs the contract's end (`term until`).
    pub contract_end: bool,
    /// The days on which the two readings give a clause different statuses:
    /// a verdict on such a day depends on it even when the clause is not in the verdict.
    pub days: Vec<(String, Date)>,
}

impl InterpretationNote {
    /// `"until" read as exclusive`
    pub fn describe(&self) -> String {
        format!("\"{}\" read as {}", self.word, self.reading)
    }
}

impl Evaluation {
    /// The interpretations an answer about `clause` depends on.
    pub fn readings_for_clause(&self, clause: &str) -> Vec<String> {
        self.interpretations
            .iter()
            .filter(|i| i.clauses.iter().any(|c| c == clause))
            .map(|i| i.name.clone())
            .collect()
    }

    /// The interpretations the contract's end depends on.
    pub fn readings_for_end(&self) -> Vec<String> {
        self.interpretations
            .iter()
            .filter(|i| i.contract_end)
            .map(|i| i.name.clone())
            .collect()
    }

    /// The interpretations a verdict on `date` depends on: those governing a
    /// clause the verdict names, or a clause whose status that day turns on the reading.
    pub fn readings_for_verdict(&self, verdict: &Verdict, date: Date) -> Vec<String> {
        let named = |c: &String| {
            verdict.forbidden_by.contains(c)
                || verdict.permitted_by.contains(c)
                || verdict.overridden.contains(c)
                || verdict.licence.as_ref().and_then(|l| l.clause.as_ref()) == Some(c)
        };
        self.interpretations
            .iter()
            .filter(|i| {
                i.clauses.iter().any(named)
                    || i.days.iter().any(|(_, d)| *d == date)
                    || (i.contract_end
                        && self
                            .end
                            .last_day
                            .is_some_and(|l| l.succ_opt() == Some(date) || l == date))
            })
            .map(|i| i.name.clone())
            .collect()
    }

    /// Number of failed expectations.
    pub fn failures(&self) -> usize {
        self.expectations.iter().filter(|e| !e.passed).count()
    }
}

/// What two parties owe each other in one netting period, and the net.
#[derive(Debug, Clone)]
pub struct NetPosition {
    /// The first party of the `net payments` line.
    pub first: String,
    /// The second.
    pub second: String,
    /// The netting period.
    pub period: Period,
    /// Its label.
    pub label: String,
    /// What the first owes the second.
    pub first_owes: Money,
    /// What the second owes the first.
    pub second_owes: Money,
}

impl NetPosition {
    /// Who pays whom how much, net: `(payer, payee, amount)`; the amount is zero when they are even.
    pub fn net(&self) -> (&str, &str, Money) {
        let difference = self.first_owes.amount - self.second_owes.amount;
        if difference.is_sign_negative() {
            (
                &self.second,
                &self.first,
                Money::new(self.first_owes.currency, -difference),
            )
        } else {
            (
                &self.first,
                &self.second,
                Money::new(self.first_owes.currency, difference),
            )
        }
    }
}

/// A param's value in this scenario.
#[derive(Debug, Clone)]
pub struct ParamValue {
    /// Name.
    pub name: String,
    /// Value, shown.
    pub value: String,
    /// Whether the scenario set it (rather than the contract's default).
    pub set_by_scenario: bool,
    /// Whether the contract computes it (a `let`).
    pub computed: bool,
}

/// How and when the contract ends.
#[derive(Debug, Clone)]
pub struct ContractEnd {
    /// The last day in force; `None` when it is still in force at the horizon.
    pub last_day: Option<Date>,
    /// Why it ends (or why it does not).
    pub reason: String,
    /// Renewals: each new last day of the term, with the date it renewed.
    pub renewals: Vec<(Date, Date)>,
}

/// The verdict on an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Permitted or forbidden.
    pub permitted: bool,
    /// Prohibitions that forbid it (clause names).
    pub forbidden_by: Vec<String>,
    /// Permissions that apply (clause names).
    pub permitted_by: Vec<String>,
    /// Prohibitions that applied but were overridden by `notwithstanding`.
    pub overridden: Vec<String>,
    /// For an action that needs a licence: whether the party held it.
    pub licence: Option<LicenceCheck>,
}

/// The check of the licence an action needs (`needs licence to …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceCheck {
    /// The acting party.
    pub party: String,
    /// The subject the licence must be to.
    pub subject: String,
    /// The day asked about.
    pub date: Date,
    /// Where the licence held comes from, in words (`under game_rights`,
    /// `granted by studio on 2027-03-01`); `None` when the party holds none.
    pub held: Option<String>,
    /// The clause granting it, when a clause does.
    pub clause: Option<String>,
}

impl LicenceCheck {
    /// "publisher holds a licence to \"X\" under game_rights" or "publisher holds no licence to \"X\" on 2031-01-01".
    pub fn explain(&self) -> String {
        match &self.held {
            Some(held) => format!(
                "{} holds a licence to {:?} {held}",
                self.party, self.subject
            ),
            None => format!(
                "{} holds no licence to {:?} on {}",
                self.party, self.subject, self.date
            ),
        }
    }

    /// Whether the party lacks the licence.
    pub fn missing(&self) -> bool {
        self.held.is_none()
    }
}

impl Verdict {
    /// A sentence: "permitted (no active clause forbids it)", "forbidden by azure_exclusivity".
    pub fn explain(&self) -> String {
        let base = self.explain_rules();
        match &self.licence {
            None => base,
            Some(l) if l.missing() => {
                if self.forbidden_by.is_empty() {
                    format!("forbidden: {}", l.explain())
                } else {
                    format!("forbidden: {}; also {base}", l.explain())
                }
            }
            Some(l) if self.permitted && self.permitted_by.is_empty() => {
                format!("permitted: {}", l.explain())
            }
            Some(l) if self.permitted => format!("{base}; {}", l.explain()),
            Some(_) => base,
        }
    }

    /// The sentence from the permissions and prohibitions alone.
    fn explain_rules(&self) -> String {
        if self.permitted {
            if !self.overridden.is_empty() {
                format!(
                    "permitted by {} notwithstanding {}",
                    self.permitted_by.join(", "),
                    self.overridden.join(", ")
                )
            } else if !self.permitted_by.is_empty() {
                format!("permitted by {}", self.permitted_by.join(", "))
            } else {
                "permitted (no active clause forbids it)".to_owned()
            }
        } else {
            format!("forbidden by {}", self.forbidden_by.join(", "))
        }
    }
}

/// An event with its effect.
#[derive(Debug, Clone)]
pub struct EventOutcome {
    /// When.
    pub date: Date,
    /// The event as written (normalised whitespace).
    pub text: String,
    /// For actions, the verdict.
    pub verdict: Option<Verdict>,
    /// What it did, in words.
    pub effect: String,
    /// The line.
    pub span: Span,
}

/// What limited a period's amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Raised to the floor.
    Floor,
    /// Cut to the per-period cap.
    PeriodCap,
    /// Cut to the headroom under the total cap.
    TotalCap,
    /// Nothing owed: the total cap was reached earlier.
    CapExhausted,
    /// Reduced (possibly to nothing) by recouping an advance.
    Recouped,
    /// Reduced by a credit carried from earlier periods (§4.7.6).
    Credited,
    /// The period's shortfall is carried forward to the next period instead of being paid.
    CarriedForward,
    /// Cut to what is left under the cap for its key (`capped at … per KEY in total`).
    KeyCap,
}

impl Limit {
    /// Words for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Limit::Floor => "raised to the floor",
            Limit::PeriodCap => "cut to the per-period cap",
            Limit::TotalCap => "cut to the headroom under the total cap",
            Limit::CapExhausted => "nothing owed: the total cap was already reached",
            Limit::Recouped => "reduced by recouping the advance",
            Limit::Credited => "reduced by the credit carried from earlier periods",
            Limit::CarriedForward => "shortfall carried forward to the next period",
            Limit::KeyCap => "cut to what is left under the cap for its key",
        }
    }

    /// A stable key for machine formats.
    pub fn key(self) -> &'static str {
        match self {
            Limit::Floor => "floor",
            Limit::PeriodCap => "period_cap",
            Limit::TotalCap => "total_cap",
            Limit::CapExhausted => "cap_exhausted",
            Limit::Recouped => "recouped",
            Limit::Credited => "credited",
            Limit::CarriedForward => "carried_forward",
            Limit::KeyCap => "key_cap",
        }
    }
}

/// What a payment carries from one period to the next (docs/language.md §4.7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarryKind {
    /// Excess over the floor (or the commitment), credited against later shortfalls.
    ExcessCredit,
    /// Shortfall paid, credited against later purchases above the commitment.
    MakeUpCredit,
    /// Shortfall not paid but added to the next period's commitment.
    Shortfall,
}

impl CarryKind {
    /// Words for the report.
    pub fn describe(self) -> &'static str {
        match self {
            CarryKind::ExcessCredit => "excess credit",
            CarryKind::MakeUpCredit => "make-up credit",
            CarryKind::Shortfall => "shortfall",
        }
    }

    /// A stable key for machine formats.
    pub fn key(self) -> &'static str {
        match self {
            CarryKind::ExcessCredit => "excess_credit",
            CarryKind::MakeUpCredit => "make_up_credit",
            CarryKind::Shortfall => "shortfall",
        }
    }
}

/// A running balance carried forward, as it stands after one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carry {
    /// What is carried.
    pub kind: CarryKind,
    /// Taken from the balance in this period (a credit used; a carried shortfall made up or paid).
    pub used: Money,
    /// Added to the balance by this period.
    pub added: Money,
    /// Dropped from the balance because its `for DURATION` ran out.
    pub expired: Money,
    /// The balance carried to the next period.
    pub balance: Money,
}

impl Carry {
    /// `excess credit carried forward: USD 50,000 (added USD 50,000)`
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let used = match self.kind {
            CarryKind::Shortfall => "made up or paid",
            _ => "used",
        };
        for (word, m) in [
            ("added", self.added),
            (used, self.used),
            ("expired", self.expired),
        ] {
            if !m.amount.is_zero() {
                parts.push(format!("{word} {m}"));
            }
        }
        let detail = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        format!(
            "{} carried forward: {}{detail}",
            self.kind.describe(),
            self.balance
        )
    }
}

/// One period's (or one date's) accrual under a payment clause.
#[derive(Debug, Clone)]
pub struct Accrual {
    /// Clause name.
    pub clause: String,
    /// Index of the payment statement within the clause.
    pub payment: usize,
    /// Payer name.
    pub payer: String,
    /// Payee name.
    pub payee: String,
    /// The period (for a one-off payment, the day it falls on).
    pub period: Period,
    /// A label for the period (`2027`, `2027-Q1`, `on 2027-06-30`).
    pub label: String,
    /// The metric figure the share applied to, if any.
    pub base: Option<Money>,
    /// The metric's name, for shares.
    pub metric: Option<String>,
    /// The share has no figure for this period.
    pub figure_missing: bool,
    /// The rate or tiers, in words (`20%`, `8% up to USD 5,000,000, then 5%`), or the fixed sum.
    pub terms: String,
    /// For an amount computed per period: the figures and lets it read for
    /// the period, in words (`royalty USD 24,000`); empty otherwise.
    pub values: Vec<String>,
    /// Days the clause was in force in the period.
    pub days_in_force: i64,
    /// Days in the period.
    pub days_in_period: i64,
    /// Amount before floor and caps (after pro-rating).
    pub computed: Money,
    /// What changed the amount, in order.
    pub limits: Vec<Limit>,
    /// Amount owed for the period.
    pub owed: Money,
    /// Accrued under the clause so far, this period included.
    pub total: Money,
    /// The total cap, if any.
    pub cap: Option<Money>,
    /// Headroom left under the total cap after this period.
    pub headroom: Option<Money>,
    /// Whether the total cap was first reached in this period.
    pub cap_reached: bool,
    /// The due date.
    pub due: Date,
    /// Which clause version governed (document name and how).
    pub version: String,
    /// The balance carried forward after this period, for a payment with a credit or carried shortfall.
    pub carry: Option<Carry>,
    /// The key of a metric declared `by KEY` the share was computed on (§3.7.1).
    pub key: Option<String>,
    /// The word naming the keys (`project`).
    pub key_word: Option<String>,
    /// A make-up credit: owed back by the payment's payee to its payer for
    /// purchases above the commitment that earlier shortfall payments covered.
    pub make_up: bool,
    /// For a payment `on each EVENT`: the occurrence it is for, with its data.
    pub occurrence: Option<OccurrenceData>,
}

/// The occurrence of an event a payment `on each EVENT` was computed for.
#[derive(Debug, Clone)]
pub struct OccurrenceData {
    /// The event's name.
    pub event: String,
    /// Its day.
    pub date: Date,
    /// Its data as shown: (argument, value), in declaration order.
    pub data: Vec<(String, String)>,
}

/// A change in the state of the contract or a clause.
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// When.
    pub date: Date,
    /// Which clause, if it is about one.
    pub clause: Option<String>,
    /// What happened.
    pub text: String,
}

/// A breach of a clause.
#[derive(Debug, Clone)]
pub struct Breach {
    /// When.
    pub date: Date,
    /// Which clause.
    pub clause: String,
    /// What happened.
    pub text: String,
    /// The clause statement breached.
    pub span: Span,
}

/// An expectation's result.
#[derive(Debug, Clone)]
pub struct ExpectationOutcome {
    /// The interpretations the answer depends on, by name.
    pub interpretations: Vec<String>,
    /// The expectation as written.
    pub text: String,
    /// Whether it held.
    pub passed: bool,
    /// What the evaluation found.
    pub actual: String,
    /// The line.
    pub span: Span,
}

/// A clause's state on one day.
#[derive(Debug, Clone)]
pub struct ClauseState {
    /// Clause name.
    pub clause: String,
    /// Title of the version in force.
    pub title: Option<String>,
    /// Active on the day?
    pub active: bool,
    /// Which version governs (document and how), if any.
    pub version: Option<String>,
    /// Why it is inactive, or what it does.
    pub detail: String,
}
