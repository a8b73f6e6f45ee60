//! Checking a scenario against its contract's model, producing a [`Plan`]:
//! events in date order, metric figures, bound params and resolved expectations.

use std::collections::BTreeMap;
use std::path::Path;

use crate::calendar::{Period, PeriodUnit};
use crate::diagnostic::{has_errors, suggest, Code, Diagnostic};
use crate::money::Money;
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Document, ExpectKind, ScenarioItem, StatusWord};
use crate::workspace::{relative_to, Workspace};

use super::model::*;
use super::resolve::Resolver;
use super::{build_model, load_chain, Checked, Depth};

/// The most events one scenario may hold.
pub const MAX_EVENTS: usize = 5_000_000;
/// The most metric figures one scenario may hold.
pub const MAX_FIGURES: usize = 5_000_000;

/// A scenario ready to evaluate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Scenario name.
    pub name: String,
    /// Scenario title.
    pub title: Option<String>,
    /// The scenario's file.
    pub file: FileId,
    /// The scenario block.
    pub span: Span,
    /// Param values, by param index.
    pub params: Vec<Value>,
    /// Whether each param was set by the scenario (rather than defaulted).
    pub params_set: Vec<bool>,
    /// Events in date order (source order within a day).
    pub events: Vec<PlanEvent>,
    /// Metric figures, by (metric, period start).
    pub figures: BTreeMap<(MetricId, Date), Figure>,
    /// Figures of metrics declared `by KEY`, by (metric, key's position in `keys`, period
    /// start). Each is also added into `figures`, which holds the total over the keys.
    pub keyed_figures: BTreeMap<(MetricId, usize, Date), Figure>,
    /// The keys of each keyed metric, in the order the scenario first gives them.
    pub keys: BTreeMap<MetricId, Vec<String>>,
    /// Index figures (`cpi for 2026 is 301.2`), by (index, period start): the number.
    pub index_figures: BTreeMap<(usize, Date), rust_decimal::Decimal>,
    /// Expectations in source order.
    pub expectations: Vec<PlanExpectation>,
    /// Remarks from checking (lines skipped in lenient mode).
    pub notes: Vec<String>,
}

/// An event of the scenario.
#[derive(Debug, Clone)]
pub struct PlanEvent {
    /// When.
    pub date: Date,
    /// What.
    pub kind: PlanEventKind,
    /// The line.
    pub span: Span,
}

/// What an event does.
#[derive(Debug, Clone)]
pub enum PlanEventKind {
    /// A party takes an action.
    Action(ActionCall),
    /// A party grants a licence.
    Grant {
        /// Grantor.
        grantor: PartyId,
        /// Licensee.
        licensee: PartyId,
        /// Subject.
        subject: String,
    },
    /// A condition switches.
    Becomes {
        /// Which.
        condition: ConditionId,
        /// New value, from that day.
        value: bool,
    },
    /// A condition's value is not known from this date on (until a later switch).
    Unknown {
        /// Which.
        condition: ConditionId,
    },
    /// A party exercises its termination right (`because EVENT`: the cause stated).
    Terminates(PartyId, Option<EventId>),
    /// A declared event occurs, with its data.
    Event {
        /// Which.
        event: EventId,
        /// Its data, in declaration order.
        args: Vec<Value>,
    },
    /// A party gives notice of non-renewal.
    NonRenewal(PartyId),
    /// A payment is made.
    Pays {
        /// Payer.
        payer: PartyId,
        /// Payee.
        payee: PartyId,
        /// Amount.
        amount: Money,
    },
}

/// A party taking an action with argument values (in declaration order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionCall {
    /// Who.
    pub party: PartyId,
    /// What.
    pub action: ActionId,
    /// Argument values in the action's declaration order.
    pub args: Vec<Value>,
}

/// A metric figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The period.
    pub period: Period,
    /// The amount.
    pub amount: Money,
    /// The line.
    pub span: Span,
}

/// A resolved expectation.
#[derive(Debug, Clone)]
pub struct PlanExpectation {
    /// What is expected.
    pub kind: Expect,
    /// The line.
    pub span: Span,
}

/// The forms of expectation, resolved.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Verdict of an action on a date.
    Verdict {
        /// The action.
        call: ActionCall,
        /// The date.
        date: Date,
        /// Expected permitted?
        permitted: bool,
        /// A clause expected among the forbidding ones.
        by: Option<ClauseId>,
        /// `is forbidden without a licence`: the verdict must name a missing licence.
        unlicensed: bool,
    },
    /// Amount accrued for a period.
    Owes {
        /// Payer.
        payer: PartyId,
        /// Payee.
        payee: PartyId,
        /// Amount.
        amount: Money,
        /// Period.
        period: Period,
        /// Clause.
        clause: ClauseId,
        /// Only what accrues on this key of a keyed metric.
        key: Option<String>,
    },
    /// Amount owed for one occurrence of an event (`for the delivery on DATE`).
    OwesOccurrence {
        /// Payer.
        payer: PartyId,
        /// Payee.
        payee: PartyId,
        /// Amount.
        amount: Money,
        /// The event.
        event: EventId,
        /// The occurrence's day.
        date: Date,
        /// Clause.
        clause: ClauseId,
    },
    /// Net amount between two parties for a period, under every clause.
    OwesNet {
        /// Who owes, net.
        payer: PartyId,
        /// To whom.
        payee: PartyId,
        /// Amount.
        amount: Money,
        /// Period.
        period: Period,
    },
    /// Amount overdue on a date.
    Overdue {
        /// Payer.
        payer: PartyId,
        /// Payee.
        payee: PartyId,
        /// Amount.
        amount: Money,
        /// Date.
        date: Date,
    },
    /// Clause status on a date.
    Status {
        /// Clause.
        clause: ClauseId,
        /// Status.
        status: StatusWord,
        /// Date.
        date: Date,
    },
    /// Total cap first reached in a period.
    CapReached {
        /// Clause.
        clause: ClauseId,
        /// Period.
        period: Period,
    },
    /// The contract's last day in force.
    Ends(Date),
    /// A breach of the clause occurs.
    Breach(ClauseId),
    /// No breach (of the clause, or at all).
    NoBreach(Option<ClauseId>),
    /// Due date of a period's payment.
    Due {
        /// Clause.
        clause: ClauseId,
        /// Period.
        period: Period,
        /// Date.
        date: Date,
    },
}

/// Loads a scenario file, its contract chain, and checks them together, as far as evaluation needs.
pub fn check_scenario(ws: &mut Workspace, path: &Path) -> Checked<(Model, Plan)> {
    check_scenario_at(ws, path, Depth::Evaluate)
}

/// Loads a scenario file, its contract chain, and checks them together to `depth`.
pub fn check_scenario_at(ws: &mut Workspace, path: &Path, depth: Depth) -> Checked<(Model, Plan)> {
    check_scenario_with(ws, path, None, false, depth)
}

/// Checks a scenario against `contract` instead of the one its `contract` line
/// names (for `covenant diff`). When `lenient`, lines that do not apply to that
/// contract (a `set` of a param it lacks, an expectation about a clause it does
/// not have) are skipped with a note instead of reported as errors.
pub fn check_scenario_with(
    ws: &mut Workspace,
    path: &Path,
    contract: Option<&Model>,
    lenient: bool,
    depth: Depth,
) -> Checked<(Model, Plan)> {
    let (file, parsed) = ws.load(path, None);
    let document = match parsed {
        Ok(d) => d,
        Err(diagnostics) => {
            return Checked {
                value: None,
                diagnostics,
            }
        }
    };
    let file = file.unwrap_or_default();
    // The syntax tree is needed only until the plan is built; a long scenario's
    // tree is large, so it is not kept in the workspace's cache.
    ws.forget_document(path);
    let Document::Scenario(scenario) = document.as_ref() else {
        return Checked {
            value: None,
            diagnostics: vec![Diagnostic::whole_file(Code::WrongDocument, file, format!("{} is not a scenario", path.display()))
                .with_help("`covenant eval` and `covenant test` run scenarios; use `covenant check` for contracts and amendments")],
        };
    };
    let contract_ref = scenario.items.iter().find_map(|i| match i {
        ScenarioItem::Contract(text, _) => Some(text.clone()),
        _ => None,
    });
    let Some(contract_ref) = contract_ref else {
        return Checked {
            value: None,
            diagnostics: vec![Diagnostic::error(
                Code::MissingDeclaration,
                scenario.name.span,
                format!(
                    "scenario `{}` does not name its contract",
                    scenario.name.text
                ),
            )
            .with_label("no `contract` line")
            .with_help("add `contract \"path/to/contract.cov\"`, relative to this file")],
        };
    };
    if let Some(model) = contract {
        let mut model = model.clone();
        let mut diagnostics = Vec::new();
        let plan = plan_scenario_with(&mut model, scenario, file, &mut diagnostics, lenient);
        return if has_errors(&diagnostics) {
            Checked {
                value: None,
                diagnostics,
            }
        } else {
            Checked {
                value: plan.map(|p| (model, p)),
                diagnostics,
            }
        };
    }
    let scenario_path = ws
        .sources
        .get(file)
        .map(|f| f.path.clone())
        .unwrap_or_else(|| path.to_path_buf());
    let contract_path = relative_to(&scenario_path, &contract_ref.text);
    let chain = match load_chain(ws, &contract_path, Some(contract_ref.span)) {
        Ok(chain) => chain,
        Err(diagnostics) => {
            return Checked {
                value: None,
                diagnostics,
            }
        }
    };
    let checked = build_model(&chain);
    let Some(mut model) = checked.value else {
        return Checked {
            value: None,
            diagnostics: checked.diagnostics,
        };
    };
    let mut diagnostics = checked.diagnostics;
    let plan = plan_scenario(&mut model, scenario, file, &mut diagnostics);
    let diagnostics = super::finish(&model, diagnostics, depth);
    if has_errors(&diagnostics) {
        Checked {
            value: None,
            diagnostics,
        }
    } else {
        Checked {
            value: plan.map(|p| (model, p)),
            diagnostics,
        }
    }
}

/// Checks a parsed scenario against a model.
pub fn plan_scenario(
    model: &mut Model,
    scenario: &ast::Scenario,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Plan> {
    plan_scenario_with(model, scenario, file, diagnostics, false)
}

/// [`plan_scenario`], optionally skipping (with a note) lines that do not apply to the model.
pub fn plan_scenario_with(
    model: &mut Model,
    scenario: &ast::Scenario,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
    lenient: bool,
) -> Option<Plan> {
    let mut notes: Vec<String> = Vec::new();
    let mut r = Resolver::new(model);
    let mut set: Vec<Option<(Value, Span)>> = vec![None; r.model.params.len()];
    let mut events = Vec::new();
    let mut figures: BTreeMap<(MetricId, Date), Figure> = BTreeMap::new();
    let mut index_figures: BTreeMap<(usize, Date), (rust_decimal::Decimal, Span)> = BTreeMap::new();
    let mut keyed_figures: BTreeMap<(MetricId, usize, Date), Figure> = BTreeMap::new();
    let mut keys: BTreeMap<MetricId, Vec<String>> = BTreeMap::new();
    let mut expectations = Vec::new();
    let mut seen_contract: Option<Span> = None;

    // In lenient mode each line's errors are dropped (with a note) before the next
    // line is read; `continue` in the arms below makes a check at the loop's end unreliable.
    let mut errors_before = r.diagnostics.len();
    for item in &scenario.items {
        if lenient {
            skip_inapplicable(&mut r.diagnostics, errors_before, &mut notes);
        }
        errors_before = r.diagnostics.len();
        match item {
            ScenarioItem::Contract(_, span) => {
                if let Some(first) = seen_contract {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::DuplicateName,
                            *span,
                            "the scenario names its contract twice",
                        )
                        .with_label("second contract line")
                        .with_secondary(first, "first one")
                        .with_help("a scenario evaluates one contract; keep one `contract` line"),
                    );
                }
                seen_contract = Some(*span);
            }
            ScenarioItem::Set(name, value, span) => {
                let Some(Symbol::Param(p)) = r.lookup(name, "param") else {
                    continue;
                };
                let Some(param) = r.model.params.get(p).cloned() else {
                    continue;
                };
                if param.formula.is_some() {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::SetComputed,
                            *span,
                            format!(
                                "`{}` is computed by the contract, so it cannot be set",
                                name.text
                            ),
                        )
                        .with_label("computed with `let`")
                        .with_secondary(param.span, "computed here")
                        .with_help("set the params its formula uses instead"),
                    );
                    continue;
                }
                let Some(v) = r.plain_value(value, None) else {
                    continue;
                };
                if !param.ty.accepts(v.value_type()) {
                    let code = match (param.ty, v.value_type()) {
                        (ValueType::Money(Some(_)), ValueType::Money(Some(_))) => {
                            Code::CurrencyMismatch
                        }
                        _ => Code::TypeMismatch,
                    };
                    let expected = super::describe_type(r.model, param.ty);
                    let actual = super::describe_type(r.model, v.value_type());
                    r.diagnostics.push(
                        Diagnostic::error(
                            code,
                            value.span(),
                            format!(
                                "param `{}` holds {expected}, but this is {actual}",
                                name.text
                            ),
                        )
                        .with_label(format!("this is {actual}"))
                        .with_secondary(param.span, "declared here")
                        .with_help(format!("set `{}` to {expected}", name.text)),
                    );
                    continue;
                }
                {
                    if let Some(Some((_, prev))) = set.get(p) {
                        r.diagnostics.push(
                            Diagnostic::error(Code::DuplicateName, *span, format!("param `{}` is set twice", name.text))
                                .with_label("set again")
                                .with_secondary(*prev, "first set here")
                                .with_help("set each param once per scenario; write a second scenario for another value"),
                        );
                    }
                    if let Some(slot) = set.get_mut(p) {
                        *slot = Some((v, *span));
                    }
                }
            }
            ScenarioItem::Event(e) => {
                if events.len() >= MAX_EVENTS {
                    r.diagnostics.push(limit(e.span, "events", MAX_EVENTS));
                    break;
                }
                if let Some(kind) = event(&mut r, e) {
                    events.push(PlanEvent {
                        date: e.date,
                        kind,
                        span: e.span,
                    });
                }
            }
            ScenarioItem::Figure {
                metric,
                period,
                period_span,
                amount,
                key,
                span,
            } => {
                let period = &place(&mut r, *period, *period_span);
                if figures.len() >= MAX_FIGURES {
                    r.diagnostics
                        .push(limit(*span, "metric figures", MAX_FIGURES));
                    break;
                }
                if let Some(Symbol::Index(i)) = r.model.symbol(&metric.text) {
                    index_figure(
                        &mut r,
                        i,
                        *period,
                        *period_span,
                        amount,
                        *span,
                        &set,
                        &mut index_figures,
                    );
                    continue;
                }
                let Some(m) = r.metric(metric) else { continue };
                let Some(info) = r.model.metrics.get(m).cloned() else {
                    continue;
                };
                if period.unit != info.unit {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::PeriodMismatch,
                            *period_span,
                            format!(
                                "`{}` is reported per {}, but this figure is for a {}",
                                info.name, info.unit, period.unit
                            ),
                        )
                        .with_label(format!("a {}", period.unit))
                        .with_secondary(info.span, "declared here")
                        .with_help(match info.unit {
                            crate::calendar::PeriodUnit::Year => {
                                "give one figure per calendar year, like `for 2027`"
                            }
                            crate::calendar::PeriodUnit::Quarter => {
                                "give one figure per quarter, like `for 2027-Q1`"
                            }
                            crate::calendar::PeriodUnit::Month => {
                                "give one figure per month, like `for 2027-03`"
                            }
                            crate::calendar::PeriodUnit::FiscalYear => {
                                "give one figure per fiscal year, like `for FY2027` (the fiscal year that ends in 2027)"
                            }
                            crate::calendar::PeriodUnit::ContractYear
                            | crate::calendar::PeriodUnit::ContractMonth => {
                                "metrics are reported per calendar year, quarter or month, or per fiscal year"
                            }
                        }),
                    );
                    continue;
                }
                let money = match amount {
                    ast::Operand::Literal(ast::Literal::Money(m), _) => Some(*m),
                    // A param as a figure: its value as set so far in the scenario, else its default.
                    ast::Operand::Name(n)
                        if matches!(r.model.symbol(&n.text), Some(Symbol::Param(_))) =>
                    {
                        let Some(Symbol::Param(p)) = r.model.symbol(&n.text) else {
                            continue;
                        };
                        let value = set
                            .get(p)
                            .cloned()
                            .flatten()
                            .map(|(v, _)| v)
                            .or_else(|| r.model.params.get(p).and_then(|p| p.default.clone()));
                        match value {
                            Some(Value::Money(m)) => Some(m),
                            _ => {
                                r.diagnostics.push(
                                    Diagnostic::error(Code::TypeMismatch, n.span, format!("param `{}` has no amount of money to use as a figure here", n.text))
                                        .with_label("not an amount")
                                        .with_help("set the param to an amount before this line, or write the amount"),
                                );
                                None
                            }
                        }
                    }
                    other => {
                        match r.plain_value(other, Some(ValueType::Money(Some(info.currency)))) {
                            Some(Value::Money(m)) => Some(m),
                            _ => None,
                        }
                    }
                };
                let Some(money) = money else { continue };
                if money.currency != info.currency {
                    r.diagnostics.push(figure_currency_mismatch(
                        &info,
                        money.currency,
                        amount.span(),
                    ));
                    continue;
                }
                // A metric declared `by KEY` takes one figure per key; the
                // figures of all keys also add up to the metric's total.
                match (&info.key, key) {
                    (Some(word), None) => {
                        r.diagnostics.push(
                            Diagnostic::error(Code::MissingArgument, *span, format!("`{}` is reported by {word}: say which {word} this figure is for", info.name))
                                .with_label(format!("which {word}?"))
                                .with_secondary(info.span, "declared here")
                                .with_help(format!("write `{} for {} for {word} \"NAME\" is …`", info.name, period)),
                        );
                        continue;
                    }
                    (None, Some((word, _))) => {
                        r.diagnostics.push(
                            Diagnostic::error(
                                Code::UnknownArgument,
                                word.span,
                                format!(
                                    "`{}` is not reported by {}: it has one figure per period",
                                    info.name, word.text
                                ),
                            )
                            .with_label("no keys")
                            .with_secondary(info.span, "declared here")
                            .with_help(format!(
                                "remove `for {} \"…\"`, or declare the metric `by {}`",
                                word.text, word.text
                            )),
                        );
                        continue;
                    }
                    (Some(expected), Some((word, _))) if *expected != word.text => {
                        r.diagnostics.push(
                            Diagnostic::error(
                                Code::UnknownArgument,
                                word.span,
                                format!(
                                    "`{}` is reported by {expected}, not by {}",
                                    info.name, word.text
                                ),
                            )
                            .with_label(format!("not a {expected}"))
                            .with_secondary(info.span, "declared here")
                            .with_help(format!("write `for {expected} \"NAME\"`")),
                        );
                        continue;
                    }
                    (Some(_), Some((_, value))) => {
                        let list = keys.entry(m).or_default();
                        let k = match list.iter().position(|x| *x == value.text) {
                            Some(k) => k,
                            None => {
                                list.push(value.text.clone());
                                list.len() - 1
                            }
                        };
                        if let Some(prev) = keyed_figures.get(&(m, k, period.start)) {
                            r.diagnostics.push(
                                Diagnostic::error(
                                    Code::DuplicateFigure,
                                    *span,
                                    format!(
                                        "`{}` already has a figure for {} for {:?}",
                                        info.name, period, value.text
                                    ),
                                )
                                .with_label("second figure")
                                .with_secondary(prev.span, "first figure")
                                .with_help("give one figure per metric, key and period"),
                            );
                            continue;
                        }
                        let figure = Figure {
                            period: *period,
                            amount: money,
                            span: *span,
                        };
                        keyed_figures.insert((m, k, period.start), figure.clone());
                        let total = figures.entry((m, period.start)).or_insert(Figure {
                            amount: crate::money::Money::zero(money.currency),
                            ..figure
                        });
                        total.amount.amount += money.amount;
                        continue;
                    }
                    (None, None) => {}
                }
                let key = (m, period.start);
                if let Some(prev) = figures.get(&key) {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::DuplicateFigure,
                            *span,
                            format!("`{}` already has a figure for {}", info.name, period),
                        )
                        .with_label("second figure")
                        .with_secondary(prev.span, "first figure")
                        .with_help("give one figure per metric and period"),
                    );
                    continue;
                }
                figures.insert(
                    key,
                    Figure {
                        period: *period,
                        // The metric's own currency, which carries a quantity's rounding rule.
                        amount: Money::new(info.currency, money.amount),
                        span: *span,
                    },
                );
            }
            ScenarioItem::Growth(g) => {
                growth_figures(&mut r, g, &set, &mut figures);
            }
            ScenarioItem::Expect(x) => {
                if let Some(kind) = expectation(&mut r, &x.kind, x.span) {
                    expectations.push(PlanExpectation { kind, span: x.span });
                }
            }
        }
    }

    if lenient {
        skip_inapplicable(&mut r.diagnostics, errors_before, &mut notes);
    }
    let mut params = Vec::new();
    let mut params_set = Vec::new();
    for (i, p) in r.model.params.clone().iter().enumerate() {
        match (set.get(i).cloned().flatten(), &p.default) {
            // A let's value is computed when the program is compiled.
            _ if p.formula.is_some() => {
                params.push(Value::Bool(false));
                params_set.push(false);
            }
            (Some((v, _)), _) => {
                params.push(v);
                params_set.push(true);
            }
            (None, Some(d)) => {
                params.push(d.clone());
                params_set.push(false);
            }
            (None, None) => {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::MissingParam,
                        scenario.name.span,
                        format!(
                            "the contract requires param `{}`, which this scenario does not set",
                            p.name
                        ),
                    )
                    .with_label("missing `set`")
                    .with_secondary(p.span, "required here")
                    .with_help(format!(
                        "add `set {} = …` with {}",
                        p.name,
                        super::describe_type(r.model, p.ty)
                    )),
                );
                params.push(Value::Bool(false));
                params_set.push(false);
            }
        }
    }
    timing(r.model, &events, &figures, &mut r.diagnostics);
    // Stable: source order within a day.
    events.sort_by_key(|e: &PlanEvent| e.date);
    diagnostics.append(&mut r.diagnostics);
    Some(Plan {
        name: scenario.name.text.clone(),
        title: scenario.title.as_ref().map(|t| t.text.clone()),
        file,
        span: scenario.span,
        params,
        params_set,
        events,
        figures,
        keyed_figures,
        keys,
        index_figures: index_figures
            .into_iter()
            .map(|(k, (v, _))| (k, v))
            .collect(),
        expectations,
        notes,
    })
}

/// `INDEX for PERIOD is NUMBER`: one published figure of an index (§4.7.7).
#[allow(clippy::too_many_arguments)]
fn index_figure(
    r: &mut Resolver<'_>,
    index: usize,
    period: Period,
    period_span: Span,
    amount: &ast::Operand,
    span: Span,
    set: &[Option<(Value, Span)>],
    figures: &mut BTreeMap<(usize, Date), (rust_decimal::Decimal, Span)>,
) {
    let Some(info) = r.model.indexes.get(index).cloned() else {
        return;
    };
    if period.unit != info.unit {
        r.diagnostics.push(
            Diagnostic::error(
                Code::PeriodMismatch,
                period_span,
                format!(
                    "`{}` is published per {}, but this figure is for a {}",
                    info.name, info.unit, period.unit
                ),
            )
            .with_label(format!("a {}", period.unit))
            .with_secondary(info.span, "declared here")
            .with_help(
                "give one figure per period of the index, like `for 2027` for a yearly index",
            ),
        );
        return;
    }
    let value = match amount {
        ast::Operand::Literal(ast::Literal::Number(n), _) => Some(*n),
        ast::Operand::Name(n) => match r.model.symbol(&n.text) {
            Some(Symbol::Param(p)) => match set
                .get(p)
                .cloned()
                .flatten()
                .map(|(v, _)| v)
                .or_else(|| r.model.params.get(p).and_then(|p| p.default.clone()))
            {
                Some(Value::Number(x)) => Some(x),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    let Some(value) = value.filter(|v| *v > rust_decimal::Decimal::ZERO) else {
        r.diagnostics.push(
            Diagnostic::error(
                Code::TypeMismatch,
                amount.span(),
                format!(
                    "`{}` is an index: its figures are positive numbers, like `301.2`",
                    info.name
                ),
            )
            .with_label("not a positive number")
            .with_secondary(info.span, "declared here")
            .with_help("write the index's published figure as a number, without a currency"),
        );
        return;
    };
    let key = (index, period.start);
    if let Some((_, prev)) = figures.get(&key) {
        r.diagnostics.push(
            Diagnostic::error(
                Code::DuplicateFigure,
                span,
                format!("`{}` already has a figure for {}", info.name, period),
            )
            .with_label("second figure")
            .with_secondary(*prev, "first figure")
            .with_help("give one figure per index and period"),
        );
        return;
    }
    figures.insert(key, (value, span));
}

/// A money or percentage operand of a growth path: a literal, or a param's
/// value as set so far in the scenario (else its default), like a figure's.
fn growth_operand(
    r: &mut Resolver<'_>,
    operand: &ast::Operand,
    set: &[Option<(Value, Span)>],
    want: ValueType,
) -> Option<Value> {
    let value = match operand {
        ast::Operand::Name(n) => match r.model.symbol(&n.text) {
            Some(Symbol::Param(p)) => set
                .get(p)
                .cloned()
                .flatten()
                .map(|(v, _)| v)
                .or_else(|| r.model.params.get(p).and_then(|p| p.default.clone())),
            _ => r.plain_value(operand, Some(want)),
        },
        // A growth rate may pass 100% (a figure may more than double), so a
        // percentage is taken as written rather than checked as a share.
        ast::Operand::Literal(ast::Literal::Percent(rate), _) => Some(Value::Percent(*rate)),
        ast::Operand::Literal(ast::Literal::Money(money), _) => Some(Value::Money(*money)),
        other => r.plain_value(other, Some(want)),
    }?;
    if want.accepts(value.value_type()) {
        return Some(value);
    }
    let expected = super::describe_type(r.model, want);
    let actual = super::describe_type(r.model, value.value_type());
    r.diagnostics.push(
        Diagnostic::error(
            Code::TypeMismatch,
            operand.span(),
            format!("a growth path needs {expected} here, but this is {actual}"),
        )
        .with_label(format!("this is {actual}"))
        .with_help("write `METRIC from 2027 is USD 30 billion growing 25% per year until 2032`"),
    );
    None
}

/// A period as written in the scenario, on the contract's calendar: `FY2027`
/// moves to the contract's fiscal start, and is an error when it has none.
fn place(r: &mut Resolver<'_>, period: Period, span: Span) -> Period {
    if period.unit == PeriodUnit::FiscalYear && r.model.fiscal_start.is_none() {
        r.diagnostics.push(
            Diagnostic::error(Code::NoFiscalYear, span, format!("{period} is a fiscal year, but the contract does not say when its fiscal year starts"))
                .with_label("fiscal year")
                .with_help("add a line such as `fiscal year starts July 1` to the contract, or write the calendar year (`2027`)"),
        );
    }
    period.placed(r.model.anchors())
}

/// Months in a period unit, to count how often a growth rate compounds.
fn unit_months(unit: crate::calendar::PeriodUnit) -> Option<usize> {
    use crate::calendar::PeriodUnit;
    match unit {
        PeriodUnit::Month => Some(1),
        PeriodUnit::Quarter => Some(3),
        PeriodUnit::Year | PeriodUnit::FiscalYear => Some(12),
        PeriodUnit::ContractYear | PeriodUnit::ContractMonth => None,
    }
}

/// Expands `METRIC from P is MONEY growing RATE per UNIT until Q` into one
/// figure per period of the metric from P to Q. The figure for a period is the
/// first figure times `(1 ± RATE)^n`, `n` being the whole UNITs since P; the
/// products are exact decimals (rounded only when reported).
fn growth_figures(
    r: &mut Resolver<'_>,
    g: &ast::GrowthPath,
    set: &[Option<(Value, Span)>],
    figures: &mut BTreeMap<(MetricId, Date), Figure>,
) {
    use rust_decimal::Decimal;
    let Some(m) = r.metric(&g.metric) else { return };
    let Some(info) = r.model.metrics.get(m).cloned() else {
        return;
    };
    if let Some(word) = &info.key {
        r.diagnostics.push(
            Diagnostic::error(Code::MissingArgument, g.span, format!("`{}` is reported by {word}, and a growth path gives no {word}", info.name))
                .with_label(format!("which {word}?"))
                .with_secondary(info.span, "declared here")
                .with_help(format!("give each {word}'s figures on lines of their own: `{} for PERIOD for {word} \"NAME\" is …`", info.name)),
        );
        return;
    }
    let from = place(r, g.from, g.from_span);
    let until = place(r, g.until, g.until_span);
    for (period, span) in [(from, g.from_span), (until, g.until_span)] {
        if period.unit != info.unit {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::PeriodMismatch,
                    span,
                    format!(
                        "`{}` is reported per {}, but this is a {}",
                        info.name, info.unit, period.unit
                    ),
                )
                .with_label(format!("a {}", period.unit))
                .with_secondary(info.span, "declared here")
                .with_help(format!(
                    "start and end the growth path on periods of one {} each",
                    info.unit
                )),
            );
            return;
        }
    }
    if until.start < from.start {
        r.diagnostics.push(
            Diagnostic::error(
                Code::EndBeforeStart,
                g.until_span,
                format!("the growth path ends in {} but starts in {}", until, from),
            )
            .with_label("before the first period")
            .with_secondary(g.from_span, "first period")
            .with_help("write the first period after `from` and the last after `until`"),
        );
        return;
    }
    let (Some(metric_months), Some(per_months)) = (unit_months(info.unit), unit_months(g.per))
    else {
        r.diagnostics.push(
            Diagnostic::error(
                Code::PeriodMismatch,
                g.per_span,
                "a growth rate compounds per year, quarter or month",
            )
            .with_label("not a calendar unit")
            .with_help("write `per year`, `per quarter` or `per month`"),
        );
        return;
    };
    if per_months < metric_months {
        r.diagnostics.push(
            Diagnostic::error(
                Code::PeriodMismatch,
                g.per_span,
                format!(
                    "`{}` is reported per {}, so its growth cannot compound per {}",
                    info.name, info.unit, g.per
                ),
            )
            .with_label(format!("shorter than a {}", info.unit))
            .with_secondary(info.span, "declared here")
            .with_help(format!(
                "give the growth per {} or longer; an exact rate per shorter unit would not be exact per {}",
                info.unit, info.unit
            )),
        );
        return;
    }
    let start = growth_operand(r, &g.start, set, ValueType::Money(None));
    let rate = growth_operand(r, &g.rate, set, ValueType::Percent);
    let (Some(Value::Money(start)), Some(Value::Percent(rate))) = (start, rate) else {
        return;
    };
    if start.currency != info.currency {
        r.diagnostics.push(figure_currency_mismatch(
            &info,
            start.currency,
            g.start.span(),
        ));
        return;
    }
    let fraction = rate.0 / Decimal::ONE_HUNDRED;
    let factor = if g.shrinking {
        if fraction > Decimal::ONE {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::RateOver100,
                    g.rate.span(),
                    format!("a figure cannot shrink by {rate} a {}", g.per),
                )
                .with_label("more than 100%")
                .with_help("a shrinking rate lies between 0% and 100%"),
            );
            return;
        }
        Decimal::ONE - fraction
    } else {
        Decimal::ONE + fraction
    };
    let mut period = from;
    let mut index = 0usize;
    let mut steps = 0usize;
    let mut amount = start.amount;
    loop {
        if figures.len() >= MAX_FIGURES {
            r.diagnostics
                .push(limit(g.span, "metric figures", MAX_FIGURES));
            return;
        }
        let due_steps = index.saturating_mul(metric_months) / per_months;
        while steps < due_steps {
            let Some(next) = amount.checked_mul(factor) else {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::LimitExceeded,
                        g.span,
                        format!(
                            "the growth path outgrows what Covenant can represent exactly by {period}"
                        ),
                    )
                    .with_label("grows too large")
                    .with_help("amounts are exact decimals of up to 28 digits; check the rate and the periods"),
                );
                return;
            };
            amount = next;
            steps += 1;
        }
        let key = (m, period.start);
        if let Some(prev) = figures.get(&key) {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateFigure,
                    g.span,
                    format!("`{}` already has a figure for {}", info.name, period),
                )
                .with_label(format!("this growth path also gives {period}"))
                .with_secondary(prev.span, "first figure")
                .with_help("give one figure per metric and period: end the growth path earlier or drop the figure"),
            );
            return;
        }
        figures.insert(
            key,
            Figure {
                period,
                amount: Money::new(info.currency, amount),
                span: g.span,
            },
        );
        if period.start >= until.start {
            return;
        }
        let Some(next) = period.next(r.model.anchors()) else {
            return;
        };
        period = next;
        index += 1;
    }
}

/// A figure (or a growth path's start) in another currency than its metric.
fn figure_currency_mismatch(
    metric: &Metric,
    currency: crate::money::Currency,
    span: Span,
) -> Diagnostic {
    Diagnostic::error(
        Code::CurrencyMismatch,
        span,
        format!(
            "`{}` is reported in {}, but this figure is in {currency}",
            metric.name, metric.currency
        ),
    )
    .with_label(format!("{currency} figure"))
    .with_secondary(metric.span, "declared here")
    .with_help(format!("give the figure in {}", metric.currency))
}

/// Drops the errors reported since `mark` and notes the skipped line.
fn skip_inapplicable(diagnostics: &mut Vec<Diagnostic>, mark: usize, notes: &mut Vec<String>) {
    if diagnostics.len() > mark {
        let skipped: Vec<String> = diagnostics.drain(mark..).map(|d| d.message).collect();
        notes.push(format!(
            "skipped a line that does not apply to this contract: {}",
            skipped.join("; ")
        ));
    }
}

/// Events and figures that fall outside the longest the contract can run
/// (from its effective date to the written term's end; open-ended when it
/// renews), and terminations before the party's right takes effect.
fn timing(
    model: &Model,
    events: &[PlanEvent],
    figures: &BTreeMap<(MetricId, Date), Figure>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let term = super::lint::time::contract_range(model);
    let term_text = term.describe();
    for e in events {
        let (before_counts, after_counts) = match &e.kind {
            // A switch before the term sets the value the term starts with;
            // a payment after it settles what is still owed.
            PlanEventKind::Becomes { .. } | PlanEventKind::Unknown { .. } => (false, true),
            PlanEventKind::Pays { .. } => (false, false),
            // A notice given early still counts against the first renewal.
            PlanEventKind::NonRenewal(_) => (false, true),
            PlanEventKind::Action(_)
            | PlanEventKind::Event { .. }
            | PlanEventKind::Grant { .. }
            | PlanEventKind::Terminates(..) => (true, true),
        };
        let message = if before_counts && e.date < term.from {
            Some(format!("this event on {} comes before the contract takes effect on {}: no clause is in force yet, so it changes nothing", e.date, term.from))
        } else if after_counts && term.until.is_some_and(|u| e.date > u) {
            Some(format!("this event on {} comes after the contract's term ({term_text}): no clause is in force any more, so it changes nothing", e.date))
        } else {
            None
        };
        if let Some(message) = message {
            diagnostics.push(
                Diagnostic::warning(Code::OutsideTerm, e.span, message)
                    .with_label("outside the term")
                    .with_secondary(model.term.span, "the contract's term")
                    .with_help("check the event's date; a scenario can only test what happens while the contract is in force"),
            );
            continue;
        }
        if let PlanEventKind::Terminates(p, _) = e.kind {
            let rights: Vec<&TerminationRight> =
                model.terminations.iter().filter(|t| t.party == p).collect();
            if let Some(first) = rights.iter().map(|t| t.from).min() {
                if e.date < first {
                    let mut d = Diagnostic::warning(
                        Code::IneffectiveEvent,
                        e.span,
                        format!(
                            "`{}` terminates on {}, but its termination right takes effect only on {first}: the termination has no effect",
                            model.parties.get(p).map_or("?", |x| x.name.as_str()),
                            e.date
                        ),
                    )
                    .with_label("before the right exists");
                    if let Some(right) = rights.iter().find(|t| t.from == first) {
                        d = d.with_secondary(
                            right.span,
                            "the right, from the amendment's effective date",
                        );
                    }
                    diagnostics.push(d.with_help(format!("terminate on or after {first}")));
                }
            }
        }
    }
    for ((metric, _), f) in figures {
        let outside = f.period.end < term.from || term.until.is_some_and(|u| f.period.start > u);
        if !outside {
            continue;
        }
        let name = model.metrics.get(*metric).map_or("?", |m| m.name.as_str());
        diagnostics.push(
            Diagnostic::warning(
                Code::OutsideTerm,
                f.span,
                format!("the figure of `{name}` for {} lies wholly outside the contract's term ({term_text}): no payment can use it", f.period),
            )
            .with_label("outside the term")
            .with_secondary(model.term.span, "the contract's term")
            .with_help("check the period; figures count only for periods the contract is in force"),
        );
    }
}

fn limit(span: Span, what: &str, max: usize) -> Diagnostic {
    Diagnostic::error(
        Code::LimitExceeded,
        span,
        format!("the scenario has more than {max} {what}"),
    )
    .with_label("limit reached here")
    .with_help("split the scenario into several files")
}

/// Resolves `PARTY ACTION [ARG VALUE]…` against the action's declaration.
pub(crate) fn action_call(r: &mut Resolver<'_>, u: &ast::ActionUse) -> Option<ActionCall> {
    let party = r.party(&u.party);
    let action = r.action(&u.action)?;
    let decl = r.model.actions.get(action)?.clone();
    let args = call_args(r, &decl, &u.args, u.action.span, "action")?;
    Some(ActionCall {
        party: party?,
        action,
        args,
    })
}

/// The values of an action's or event's arguments, in declaration order:
/// every declared argument given once, by name, with a value of its type.
fn call_args(
    r: &mut Resolver<'_>,
    decl: &Action,
    given: &[(ast::Name, ast::Operand)],
    at: Span,
    noun: &str,
) -> Option<Vec<Value>> {
    let mut values: Vec<Option<Value>> = vec![None; decl.args.len()];
    let mut ok = true;
    for (name, operand) in given {
        match decl.args.iter().position(|(a, _)| *a == name.text) {
            Some(i) => {
                let ty = decl.args.get(i).map(|(_, t)| *t);
                if values.get(i).is_some_and(Option::is_some) {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::DuplicateName,
                            name.span,
                            format!("argument `{}` is given twice", name.text),
                        )
                        .with_label("again")
                        .with_help("give each argument once"),
                    );
                    ok = false;
                    continue;
                }
                match r.plain_value(operand, ty) {
                    Some(v) => {
                        if let Some(slot) = values.get_mut(i) {
                            *slot = Some(v);
                        }
                    }
                    None => ok = false,
                }
            }
            None => {
                let help = match suggest(&name.text, decl.args.iter().map(|(a, _)| a.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if decl.args.is_empty() => format!("`{}` takes no arguments", decl.name),
                    None => format!(
                        "`{}` takes: {}",
                        decl.name,
                        decl.args
                            .iter()
                            .map(|(a, _)| a.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::UnknownArgument,
                        name.span,
                        format!("{noun} `{}` has no argument `{}`", decl.name, name.text),
                    )
                    .with_label("unknown argument")
                    .with_secondary(decl.span, "declared here")
                    .with_help(help),
                );
                ok = false;
            }
        }
    }
    let mut args = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        match v {
            Some(v) => args.push(v),
            None if ok => {
                let (arg, ty) = decl.args.get(i)?.clone();
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::MissingArgument,
                        at,
                        format!("`{}` needs its argument `{arg}`", decl.name),
                    )
                    .with_label(format!("no `{arg}` given"))
                    .with_secondary(decl.span, "declared here")
                    .with_help(format!(
                        "add `{arg} VALUE` after the {noun}, with {}",
                        super::describe_type(r.model, ty)
                    )),
                );
                ok = false;
            }
            None => {}
        }
    }
    if !ok {
        return None;
    }
    Some(args)
}

fn event(r: &mut Resolver<'_>, e: &ast::Event) -> Option<PlanEventKind> {
    Some(match &e.kind {
        ast::EventKind::Action(u) => PlanEventKind::Action(action_call(r, u)?),
        ast::EventKind::Grant {
            grantor,
            licensee,
            subject,
            ..
        } => {
            let g = r.party(grantor);
            let l = r.party(licensee);
            PlanEventKind::Grant {
                grantor: g?,
                licensee: l?,
                subject: subject.text.clone(),
            }
        }
        ast::EventKind::Declared { event, args } => match match r.symbol(&event.text) {
            Some(s) => s,
            None => r.lookup(event, "event")?,
        } {
            Symbol::Event(id) => {
                let decl = r.model.events.get(id)?.clone();
                let args = call_args(r, &decl, args, event.span, "event")?;
                PlanEventKind::Event { event: id, args }
            }
            other => {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::NotAnEvent,
                        event.span,
                        format!("`{}` is {} {}, not a declared event", event.text, if other.kind().starts_with('a') { "an" } else { "a" }, other.kind()),
                    )
                    .with_label("not an event")
                    .with_help(if matches!(other, Symbol::Party(_)) {
                        "a party's action is written `on DATE PARTY ACTION [ARG VALUE]…`, and here the words after the action do not pair up as ARG VALUE: check for a missing or extra word"
                    } else {
                        "an event with data is declared `event NAME(ARG: TYPE, …)` in the contract"
                    }),
                );
                return None;
            }
        },
        ast::EventKind::Becomes(name, _) | ast::EventKind::BecomesUnknown(name) if matches!(r.symbol(&name.text), Some(Symbol::Condition(c)) if r.model.conditions.get(c).is_some_and(|x| x.source != ConditionSource::Declared)) =>
        {
            r.diagnostics.push(
                Diagnostic::error(
                    Code::ComputedCondition,
                    name.span,
                    format!(
                        "`{}` is computed from a metric's figures, so a scenario cannot switch it",
                        name.text
                    ),
                )
                .with_label("computed by the contract")
                .with_help("give the metric's figures instead: the condition follows them"),
            );
            return None;
        }
        ast::EventKind::Becomes(name, value) => match r.lookup(name, "condition")? {
            Symbol::Condition(c) => PlanEventKind::Becomes {
                condition: c,
                value: *value,
            },
            _ => return None,
        },
        ast::EventKind::BecomesUnknown(name) => match r.lookup(name, "condition")? {
            Symbol::Condition(c) => PlanEventKind::Unknown { condition: c },
            _ => return None,
        },
        ast::EventKind::Terminates(party, cause) => {
            let cause = match cause {
                Some(n) => Some(match r.symbol(&n.text) {
                    Some(Symbol::Event(id)) => id,
                    Some(other) => {
                        r.diagnostics.push(
                            Diagnostic::error(
                                Code::NotAnEvent,
                                n.span,
                                format!("`{}` is {} {}, not a declared event", n.text, if other.kind().starts_with('a') { "an" } else { "a" }, other.kind()),
                            )
                            .with_label("not an event")
                            .with_help("a termination's cause is an event declared with `event NAME(…)`: `on DATE PARTY terminates because change_of_control`"),
                        );
                        return None;
                    }
                    None => match r.lookup(n, "event")? {
                        Symbol::Event(id) => id,
                        _ => return None,
                    },
                }),
                None => None,
            };
            let p = r.party(party)?;
            if !r.model.terminations.iter().any(|t| t.party == p) {
                let others: Vec<String> = r
                    .model
                    .terminations
                    .iter()
                    .filter_map(|t| r.model.parties.get(t.party).map(|p| p.name.clone()))
                    .collect();
                let help = if others.is_empty() {
                    "the contract gives no party a right to terminate; add `PARTY may terminate with 90 days notice` to the contract".to_owned()
                } else {
                    format!(
                        "only {} may terminate under this contract",
                        others.join(" and ")
                    )
                };
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::NoTerminationRight,
                        party.span,
                        format!("`{}` has no right to terminate this contract", party.text),
                    )
                    .with_label("no termination right")
                    .with_help(help),
                );
                return None;
            }
            PlanEventKind::Terminates(p, cause)
        }
        ast::EventKind::NonRenewal(party) => {
            let p = r.party(party)?;
            if r.model.term.renewal.is_none() {
                r.diagnostics.push(
                    Diagnostic::warning(Code::IneffectiveEvent, e.span, "the contract does not renew, so a notice of non-renewal has no effect")
                        .with_label("no renewal to stop")
                        .with_help("remove the event, or give the term a renewal (`renews every 1 year unless notice 60 days`)"),
                );
            }
            PlanEventKind::NonRenewal(p)
        }
        ast::EventKind::Pays {
            payer,
            payee,
            amount,
        } => {
            let a = r.party(payer);
            let b = r.party(payee);
            PlanEventKind::Pays {
                payer: a?,
                payee: b?,
                amount: r.amount(*amount, e.span),
            }
        }
    })
}

fn expectation(r: &mut Resolver<'_>, x: &ExpectKind, span: Span) -> Option<Expect> {
    Some(match x {
        ExpectKind::Verdict {
            query,
            date,
            permitted,
            by,
            unlicensed,
        } => {
            let call = action_call(r, query);
            let by = match by {
                Some(n) => Some(r.clause(n)?),
                None => None,
            };
            let call = call?;
            if *unlicensed {
                let action = r.model.actions.get(call.action)?;
                if action.licence.is_none() {
                    let d = Diagnostic::error(
                        Code::NoLicenceNeeded,
                        query.action.span,
                        format!("`{}` needs no licence, so it is never forbidden for want of one", action.name),
                    )
                    .with_label("declared without `needs licence to …`")
                    .with_secondary(action.span, "declared here")
                    .with_help("write `is forbidden` or `is forbidden by CLAUSE`, or declare the action with `needs licence to \"SUBJECT\"`");
                    r.diagnostics.push(d);
                    return None;
                }
            }
            Expect::Verdict {
                call,
                date: *date,
                permitted: *permitted,
                by,
                unlicensed: *unlicensed,
            }
        }
        ExpectKind::Owes {
            payer,
            payee,
            amount,
            period,
            clause,
            key,
        } => {
            let a = r.party(payer);
            let b = r.party(payee);
            let c = paying_clause(r, clause)?;
            Expect::Owes {
                payer: a?,
                payee: b?,
                amount: r.amount(*amount, span),
                period: place(r, *period, span),
                clause: c,
                key: key.as_ref().map(|(_, v)| v.text.clone()),
            }
        }
        ExpectKind::OwesOccurrence {
            payer,
            payee,
            amount,
            event,
            date,
            clause,
        } => {
            let a = r.party(payer);
            let b = r.party(payee);
            let e = super::resolve::event_id(
                r,
                event,
                "ask about one occurrence of a declared event: `… for the delivery on 2026-03-15 under CLAUSE`",
            );
            let c = paying_clause(r, clause)?;
            if let Some(e) = e {
                let pays_on_each = r.model.clauses.get(c).is_some_and(|cl| {
                    cl.versions.iter().any(|v| {
                        v.payments
                            .iter()
                            .any(|p| matches!(p.charge, Charge::OnEach { event, .. } if event == e))
                    })
                });
                if !pays_on_each {
                    r.diagnostics.push(
                        Diagnostic::error(
                            Code::NotAPayment,
                            clause.span,
                            format!(
                                "clause `{}` makes no payment on each {}",
                                clause.text, event.text
                            ),
                        )
                        .with_label(format!("not paid on each {}", event.text))
                        .with_help(format!("name the clause that pays `… on each {}`, or ask `… for PERIOD under {}`", event.text, clause.text)),
                    );
                    return None;
                }
            }
            Expect::OwesOccurrence {
                payer: a?,
                payee: b?,
                amount: *amount,
                event: e?,
                date: *date,
                clause: c,
            }
        }
        ExpectKind::OwesNet {
            payer,
            payee,
            amount,
            period,
        } => {
            let a = r.party(payer);
            let b = r.party(payee);
            Expect::OwesNet {
                payer: a?,
                payee: b?,
                amount: r.amount(*amount, span),
                period: *period,
            }
        }
        ExpectKind::Overdue {
            payer,
            payee,
            amount,
            date,
        } => {
            let a = r.party(payer);
            let b = r.party(payee);
            Expect::Overdue {
                payer: a?,
                payee: b?,
                amount: r.amount(*amount, span),
                date: *date,
            }
        }
        ExpectKind::Status {
            clause,
            status,
            date,
        } => Expect::Status {
            clause: r.clause(clause)?,
            status: *status,
            date: *date,
        },
        ExpectKind::CapReached { clause, period } => {
            let c = r.clause(clause)?;
            if !has_payment(r.model, c) {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::NotAPayment,
                        clause.span,
                        format!("clause `{}` has no payment, so it has no cap", clause.text),
                    )
                    .with_label("no payment here")
                    .with_help("name the clause that holds the capped `must pay` statement"),
                );
                return None;
            }
            Expect::CapReached {
                clause: c,
                period: place(r, *period, span),
            }
        }
        ExpectKind::Ends(d) => Expect::Ends(*d),
        ExpectKind::Breach(c) => Expect::Breach(r.clause(c)?),
        ExpectKind::NoBreach(c) => Expect::NoBreach(match c {
            Some(c) => Some(r.clause(c)?),
            None => None,
        }),
        ExpectKind::Due {
            clause,
            period,
            date,
        } => {
            let c = r.clause(clause)?;
            if !has_payment(r.model, c) {
                r.diagnostics.push(
                    Diagnostic::error(
                        Code::NotAPayment,
                        clause.span,
                        format!(
                            "clause `{}` has no payment, so nothing falls due",
                            clause.text
                        ),
                    )
                    .with_label("no payment here")
                    .with_help("name the clause that holds the `must pay` statement"),
                );
                return None;
            }
            Expect::Due {
                clause: c,
                period: place(r, *period, span),
                date: *date,
            }
        }
    })
}

/// The clause an `owes … under CLAUSE` expectation names, which must hold a payment.
fn paying_clause(r: &mut Resolver<'_>, clause: &ast::Name) -> Option<ClauseId> {
    let c = r.clause(clause)?;
    if !has_payment(r.model, c) {
        r.diagnostics.push(
            Diagnostic::error(
                Code::NotAPayment,
                clause.span,
                format!("clause `{}` has no payment", clause.text),
            )
            .with_label("nothing is owed under this clause")
            .with_help("name the clause that holds the `must pay` statement"),
        );
        return None;
    }
    Some(c)
}

fn has_payment(model: &Model, clause: ClauseId) -> bool {
    model
        .clauses
        .get(clause)
        .is_some_and(|c| c.versions.iter().any(|v| !v.payments.is_empty()))
}

/// Resolves an action query against a model (for `covenant explain`), collecting diagnostics.
pub fn action_call_public(
    model: &mut Model,
    query: &ast::ActionUse,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ActionCall> {
    let mut r = Resolver::new(model);
    let call = action_call(&mut r, query);
    diagnostics.append(&mut r.diagnostics);
    call
}
