//! The versioned JSON schema of evaluation reports (`covenant.report/1`).
//!
//! These types are the contract with tools: fields are only ever added within
//! a schema version. Money is an object `{ "currency": "USD", "amount":
//! "6000000000.00" }` with the amount rounded to the currency's minor unit and
//! written as a decimal string, so that no consumer meets a binary float.
//! docs/json-schema.md describes every field.

use serde::Serialize;

use crate::diagnostic::JsonDiagnostic;
use crate::eval::{Accrual, Evaluation};
use crate::money::Money;
use crate::source::{SourceMap, Span};

/// The schema identifier written in every report.
pub const SCHEMA: &str = "covenant.report/1";

/// A whole report: scenarios and diagnostics.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// One entry per evaluated scenario.
    pub scenarios: Vec<ScenarioReport>,
    /// Every diagnostic met.
    pub diagnostics: Vec<JsonDiagnostic>,
}

/// Money as JSON.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct JsonMoney {
    /// ISO 4217 code.
    pub currency: String,
    /// Rounded to the minor unit, as a decimal string.
    pub amount: String,
}

impl From<Money> for JsonMoney {
    fn from(m: Money) -> Self {
        JsonMoney {
            currency: m.currency.to_string(),
            amount: m.plain(),
        }
    }
}

/// A file position.
#[derive(Debug, Serialize)]
pub struct JsonLocation {
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

fn location(sources: &SourceMap, span: Span) -> Option<JsonLocation> {
    let f = sources.get(span.file)?;
    Some(JsonLocation {
        file: f.name.clone(),
        line: f.line_col(span.start).0,
    })
}

/// One scenario's answers.
#[derive(Debug, Serialize)]
pub struct ScenarioReport {
    /// The scenario file.
    pub file: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario title.
    pub title: Option<String>,
    /// The contract.
    pub contract: JsonContract,
    /// `--as-of`, if given.
    pub as_of: Option<String>,
    /// Last day covered.
    pub horizon: String,
    /// Params.
    pub params: Vec<JsonParam>,
    /// Events.
    pub events: Vec<JsonEvent>,
    /// Payment periods.
    pub payments: Vec<JsonPayment>,
    /// Net positions of `net payments` lines (absent when the contract has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub netting: Vec<JsonNetting>,
    /// Status changes.
    pub status_changes: Vec<JsonStatus>,
    /// Breaches.
    pub breaches: Vec<JsonBreach>,
    /// Expectations.
    pub expectations: Vec<JsonExpectation>,
    /// Clause states on the horizon (or as-of) day.
    pub clause_states: Vec<JsonClauseState>,
    /// Notes.
    pub notes: Vec<String>,
    /// Counts.
    pub summary: JsonSummary,
    /// Conditional answers, when the scenario leaves facts unknown (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditional: Option<serde_json::Value>,
    /// The contract's interpretations (left out when it records none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretations: Vec<JsonInterpretation>,
}

/// The contract's identity and end.
#[derive(Debug, Serialize)]
pub struct JsonContract {
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Effective date.
    pub effective: String,
    /// Amendments applied.
    pub amendments: Vec<JsonAmendment>,
    /// Last day in force, or null when still in force at the horizon.
    pub ends_on: Option<String>,
    /// Why.
    pub end_reason: String,
    /// Renewals.
    pub renewals: Vec<JsonRenewal>,
    /// The interpretations the end date depends on, by name (left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub end_interpretations: Vec<String>,
}

/// An amendment.
#[derive(Debug, Serialize)]
pub struct JsonAmendment {
    /// Name.
    pub name: String,
    /// Effective date.
    pub effective: String,
}

/// A renewal of the term.
#[derive(Debug, Serialize)]
pub struct JsonRenewal {
    /// First day of the renewed term.
    pub renewed_on: String,
    /// Its last day.
    pub until: String,
}

/// A param.
#[derive(Debug, Serialize)]
pub struct JsonParam {
    /// Name.
    pub name: String,
    /// Value as written in reports.
    pub value: String,
    /// Set by the scenario (true) or defaulted (false).
    pub set_by_scenario: bool,
    /// Computed by the contract with `let` (then never set by the scenario).
    pub computed: bool,
}

/// What two parties owe each other in one netting period.
#[derive(Debug, Serialize)]
pub struct JsonNetting {
    /// The first party of the `net payments` line.
    pub first: String,
    /// The second.
    pub second: String,
    /// The netting period's label.
    pub period: String,
    /// What the first owes the second (a decimal string).
    pub first_owes: String,
    /// What the second owes the first.
    pub second_owes: String,
    /// Who pays, net.
    pub net_payer: String,
    /// Who is paid, net.
    pub net_payee: String,
    /// The net amount (zero when even).
    pub net: String,
    /// The currency.
    pub currency: String,
}

/// An event.
#[derive(Debug, Serialize)]
pub struct JsonEvent {
    /// Date.
    pub date: String,
    /// The event as written.
    pub text: String,
    /// For actions: the verdict.
    pub verdict: Option<JsonVerdict>,
    /// The effect in words.
    pub effect: String,
    /// Where it is written.
    pub location: Option<JsonLocation>,
}

/// A verdict.
#[derive(Debug, Serialize)]
pub struct JsonVerdict {
    /// Permitted?
    pub permitted: bool,
    /// Forbidding clauses.
    pub forbidden_by: Vec<String>,
    /// Permitting clauses.
    pub permitted_by: Vec<String>,
    /// Prohibitions overridden by `notwithstanding`.
    pub overridden: Vec<String>,
    /// For an action that needs a licence: the licence check (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<JsonLicenceCheck>,
    /// The interpretations this answer depends on, by name (left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretations: Vec<String>,
}

/// The check of the licence an action needs.
#[derive(Debug, Serialize)]
pub struct JsonLicenceCheck {
    /// The subject the licence must be to.
    pub subject: String,
    /// Whether the acting party holds it on the day.
    pub held: bool,
    /// Where it comes from, in words (`under game_rights`), when held.
    pub source: Option<String>,
    /// The clause granting it, when a clause does.
    pub clause: Option<String>,
}

/// A payment period.
#[derive(Debug, Serialize)]
pub struct JsonPayment {
    /// Clause.
    pub clause: String,
    /// Index of the payment statement in the clause.
    pub payment: usize,
    /// Payer.
    pub payer: String,
    /// Payee.
    pub payee: String,
    /// Period label.
    pub period: String,
    /// First day.
    pub period_start: String,
    /// Last day.
    pub period_end: String,
    /// Metric, for shares.
    pub metric: Option<String>,
    /// Metric figure used.
    pub base: Option<JsonMoney>,
    /// No figure given.
    pub figure_missing: bool,
    /// Rate, tiers or fixed sum in words.
    pub terms: String,
    /// For an amount computed per period: what it read for the period.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Days in force in the period.
    pub days_in_force: i64,
    /// Days in the period.
    pub days_in_period: i64,
    /// Before floor and caps.
    pub computed: JsonMoney,
    /// Floor and caps that changed the amount.
    pub limits: Vec<&'static str>,
    /// Owed for the period.
    pub owed: JsonMoney,
    /// Accrued under the clause so far.
    pub total: JsonMoney,
    /// Total cap.
    pub cap: Option<JsonMoney>,
    /// Headroom after this period.
    pub headroom: Option<JsonMoney>,
    /// The total cap was first reached in this period.
    pub cap_reached: bool,
    /// Due date.
    pub due: String,
    /// The version that governed.
    pub version: String,
    /// The balance carried forward after this period (left out when the payment carries none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried: Option<JsonCarry>,
    /// The key of a metric declared `by KEY` (left out for other payments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A make-up credit owed back by the payment's payee (left out when false).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub make_up: bool,
    /// For a payment `on each EVENT`: the occurrence paid for (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<JsonOccurrence>,
    /// The interpretations this answer depends on, by name (left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretations: Vec<String>,
}

/// A credit or shortfall carried forward (docs/language.md §4.7.6).
#[derive(Debug, Serialize)]
pub struct JsonCarry {
    /// `excess_credit`, `make_up_credit` or `shortfall`.
    pub kind: &'static str,
    /// Taken from the balance in this period.
    pub used: JsonMoney,
    /// Added to the balance by this period.
    pub added: JsonMoney,
    /// Dropped because its time ran out.
    pub expired: JsonMoney,
    /// Carried to the next period.
    pub balance: JsonMoney,
}

/// The occurrence of an event that a payment `on each EVENT` was computed for.
#[derive(Debug, Serialize)]
pub struct JsonOccurrence {
    /// The event's name.
    pub event: String,
    /// The occurrence's day.
    pub date: String,
    /// Its data as shown in reports, by argument name.
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// A status change.
#[derive(Debug, Serialize)]
pub struct JsonStatus {
    /// Date.
    pub date: String,
    /// Clause, if any.
    pub clause: Option<String>,
    /// What happened.
    pub text: String,
    /// The interpretations this answer depends on, by name (left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretations: Vec<String>,
}

/// A breach.
#[derive(Debug, Serialize)]
pub struct JsonBreach {
    /// Date.
    pub date: String,
    /// Clause.
    pub clause: String,
    /// What happened.
    pub text: String,
    /// The breached statement.
    pub location: Option<JsonLocation>,
    /// The interpretations this answer depends on, by name (left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretations: Vec<String>,
}

/// An expectation's result.
#[derive(Debug, Serialize)]
pub struct JsonExpectation {
    /// As written.
    pub text: String,
    /// Held?
    pub passed: bool,
    /// What was found.
    pub actual: String,
    /// Where it is written.
    pub location: Option<JsonLocation>,
    /// The interpretations this answer depends on, by name (left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretations: Vec<String>,
}

/// A clause's state.
#[derive(Debug, Serialize)]
pub struct JsonClauseState {
    /// Clause.
    pub clause: String,
    /// Title.
    pub title: Option<String>,
    /// Active?
    pub active: bool,
    /// Version in force.
    pub version: Option<String>,
    /// Detail.
    pub detail: String,
}

/// Counts of expectations.
#[derive(Debug, Serialize)]
pub struct JsonSummary {
    /// Total expectations.
    pub expectations: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
}

fn payment(a: &Accrual, interpretations: Vec<String>) -> JsonPayment {
    JsonPayment {
        clause: a.clause.clone(),
        payment: a.payment,
        payer: a.payer.clone(),
        payee: a.payee.clone(),
        period: a.label.clone(),
        period_start: a.period.start.to_string(),
        period_end: a.period.end.to_string(),
        metric: a.metric.clone(),
        base: a.base.map(JsonMoney::from),
        figure_missing: a.figure_missing,
        terms: a.terms.clone(),
        values: a.values.clone(),
        days_in_force: a.days_in_force,
        days_in_period: a.days_in_period,
        computed: a.computed.into(),
        limits: a.limits.iter().map(|l| l.key()).collect(),
        owed: a.owed.into(),
        total: a.total.into(),
        cap: a.cap.map(JsonMoney::from),
        headroom: a.headroom.map(JsonMoney::from),
        cap_reached: a.cap_reached,
        due: a.due.to_string(),
        version: a.version.clone(),
        carried: a.carry.map(|c| JsonCarry {
            kind: c.kind.key(),
            used: c.used.into(),
            added: c.added.into(),
            expired: c.expired.into(),
            balance: c.balance.into(),
        }),
        key: a.key.clone(),
        make_up: a.make_up,
        occurrence: a.occurrence.as_ref().map(|o| JsonOccurrence {
            event: o.event.clone(),
            date: o.date.to_string(),
            data: o
                .data
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        }),
        interpretations,
    }
}

/// An `interpret` line, with what it governs.
#[derive(Debug, Clone, Serialize)]
pub struct JsonInterpretation {
    /// Its name, which the answers' `interpretations` arrays cite.
    pub name: String,
    /// The word read (`until`, `within`).
    pub word: String,
    /// `inclusive` or `exclusive`.
    pub reading: String,
    /// Whether the reading departs from Covenant's default for the word.
    pub departs_from_default: bool,
    /// The clause it is limited to (`null`: the whole contract).
    pub clause: Option<String>,
    /// The day it was recorded.
    pub date: Option<String>,
    /// Why.
    pub reason: String,
    /// The contract or amendment that states it.
    pub document: String,
    /// The clauses whose answers it governs.
    pub governs: Vec<String>,
    /// Whether it governs the contract's end date.
    pub contract_end: bool,
}

/// Converts an evaluation to its JSON form.
pub fn scenario_report(ev: &Evaluation, file: &str, sources: &SourceMap) -> ScenarioReport {
    let failed = ev.failures();
    ScenarioReport {
        file: file.to_owned(),
        scenario: ev.scenario.clone(),
        title: ev.scenario_title.clone(),
        contract: JsonContract {
            name: ev.contract.clone(),
            title: ev.contract_title.clone(),
            effective: ev.effective.to_string(),
            amendments: ev
                .amendments
                .iter()
                .map(|(n, d)| JsonAmendment {
                    name: n.clone(),
                    effective: d.to_string(),
                })
                .collect(),
            ends_on: ev.end.last_day.map(|d| d.to_string()),
            end_reason: ev.end.reason.clone(),
            end_interpretations: ev.readings_for_end(),
            renewals: ev
                .end
                .renewals
                .iter()
                .map(|(a, b)| JsonRenewal {
                    renewed_on: a.to_string(),
                    until: b.to_string(),
                })
                .collect(),
        },
        as_of: ev.as_of.map(|d| d.to_string()),
        horizon: ev.horizon.to_string(),
        params: ev
            .params
            .iter()
            .map(|p| JsonParam {
                name: p.name.clone(),
                value: p.value.clone(),
                set_by_scenario: p.set_by_scenario,
                computed: p.computed,
            })
            .collect(),
        events: ev
            .events
            .iter()
            .map(|e| JsonEvent {
                date: e.date.to_string(),
                text: e.text.clone(),
                verdict: e.verdict.as_ref().map(|v| JsonVerdict {
                    interpretations: ev.readings_for_verdict(v, e.date),
                    permitted: v.permitted,
                    forbidden_by: v.forbidden_by.clone(),
                    permitted_by: v.permitted_by.clone(),
                    overridden: v.overridden.clone(),
                    licence: v.licence.as_ref().map(|l| JsonLicenceCheck {
                        subject: l.subject.clone(),
                        held: !l.missing(),
                        source: l.held.clone(),
                        clause: l.clause.clone(),
                    }),
                }),
                effect: e.effect.clone(),
                location: location(sources, e.span),
            })
            .collect(),
        payments: ev
            .accruals
            .iter()
            .map(|a| payment(a, ev.readings_for_clause(&a.clause)))
            .collect(),
        netting: ev
            .netting
            .iter()
            .map(|n| {
                let (payer, payee, net) = n.net();
                JsonNetting {
                    first: n.first.clone(),
                    second: n.second.clone(),
                    period: n.label.clone(),
                    first_owes: n.first_owes.plain(),
                    second_owes: n.second_owes.plain(),
                    net_payer: payer.to_owned(),
                    net_payee: payee.to_owned(),
                    net: net.plain(),
                    currency: net.currency.to_string(),
                }
            })
            .collect(),
        status_changes: ev
            .status_changes
            .iter()
            .map(|s| JsonStatus {
                interpretations: s
                    .clause
                    .as_deref()
                    .map(|c| ev.readings_for_clause(c))
                    .unwrap_or_default(),
                date: s.date.to_string(),
                clause: s.clause.clone(),
                text: s.text.clone(),
            })
            .collect(),
        breaches: ev
            .breaches
            .iter()
            .map(|b| JsonBreach {
                interpretations: ev.readings_for_clause(&b.clause),
                date: b.date.to_string(),
                clause: b.clause.clone(),
                text: b.text.clone(),
                location: location(sources, b.span),
            })
            .collect(),
        expectations: ev
            .expectations
            .iter()
            .map(|x| JsonExpectation {
                interpretations: x.interpretations.clone(),
                text: x.text.clone(),
                passed: x.passed,
                actual: x.actual.clone(),
                location: location(sources, x.span),
            })
            .collect(),
        clause_states: ev
            .clause_states
            .iter()
            .map(|c| JsonClauseState {
                clause: c.clause.clone(),
                title: c.title.clone(),
                active: c.active,
                version: c.version.clone(),
                detail: c.detail.clone(),
            })
            .collect(),
        notes: ev.notes.clone(),
        summary: JsonSummary {
            expectations: ev.expectations.len(),
            passed: ev.expectations.len() - failed,
            failed,
        },
        conditional: None,
        interpretations: ev
            .interpretations
            .iter()
            .map(|i| JsonInterpretation {
                name: i.name.clone(),
                word: i.word.clone(),
                reading: i.reading.clone(),
                departs_from_default: i.departs_from_default,
                clause: i.clause.clone(),
                date: i.date.map(|d| d.to_string()),
                reason: i.reason.clone(),
                document: i.document.clone(),
                governs: i.clauses.clone(),
                contract_end: i.contract_end,
            })
            .collect(),
    }
}

/// The conditional answers of a scenario with unknown facts, as JSON.
pub fn conditional_json(c: &crate::strategy::unknown::Conditional) -> serde_json::Value {
    use crate::strategy::unknown::Holds;
    let answers: Vec<serde_json::Value> = c
        .answers
        .iter()
        .map(|a| {
            let mut v = serde_json::json!({
                "key": a.key,
                "kind": a.kind.key(),
                "settled": a.settled.is_some(),
                "answer": a.describe(&c.facts),
            });
            if a.settled.is_none() {
                v["depends_on"] = a
                    .depends_on
                    .iter()
                    .filter_map(|f| c.facts.get(*f).map(|f| f.name()))
                    .collect();
                v["cases"] = a
                    .cases
                    .iter()
                    .map(|(value, terms)| {
                        serde_json::json!({
                            "value": value,
                            "when": terms.iter().map(|t| {
                                a.depends_on.iter().zip(t).filter_map(|(f, b)| {
                                    let f = c.facts.get(*f)?;
                                    Some(serde_json::json!({"fact": f.name(), "value": (*b)?}))
                                }).collect::<Vec<_>>()
                            }).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
            }
            if let Some(h) = a.holds {
                v["holds"] = serde_json::Value::String(
                    match h {
                        Holds::Always => "always",
                        Holds::Sometimes => "sometimes",
                        Holds::Never => "never",
                    }
                    .to_owned(),
                );
            }
            v
        })
        .collect();
    serde_json::json!({
        "facts": c.facts.iter().map(|f| serde_json::json!({
            "condition": f.condition,
            "from": f.from.to_string(),
            "until": f.until.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
        "cases": c.cases,
        "answers": answers,
        "settle": c.settle.iter().filter_map(|f| c.facts.get(*f).map(|f| f.name())).collect::<Vec<_>>(),
        "baseline": "the other fields of this scenario assume each unknown condition keeps the value it had before it became unknown",
    })
}
