//! What-if sweeps: one scenario evaluated for every value of one or more params.
//!
//! `--sweep PARAM=FROM..TO step STEP` gives an [`Axis`]; several axes make a
//! grid, walked in row-major order (the last axis changes fastest). Points are
//! independent, so they are shared among worker threads with
//! `std::thread::scope` and an atomic counter; each worker clones the model
//! and plans the scenario afresh, so nothing mutable is shared. Results are put
//! back in point order, which keeps the output deterministic whatever the
//! number of threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rust_decimal::Decimal;

use super::answers::{key_answers, KeyAnswer};
use super::{evaluate_variant, with_sets, Prepared};
use crate::calendar::Duration;
use crate::check::model::{Model, ValueType};
use crate::diagnostic::suggest;
use crate::eval::Options;
use crate::money::{Money, Rate};
use crate::source::SourceMap;
use crate::syntax::ast::{Literal, Operand};
use crate::syntax::parse_value;
use crate::workspace::Workspace;

/// The most points one sweep (all axes multiplied) may have.
pub const MAX_SWEEP_POINTS: usize = 100_000;

/// One swept param and the values it takes, in order.
#[derive(Debug, Clone)]
pub struct Axis {
    /// The param's name.
    pub param: String,
    /// The spec as written after `=`, for the report header.
    pub range: String,
    /// The values, as literals the scenario could have written.
    pub values: Vec<Literal>,
    /// Each value for people (`USD 20,000,000,000`).
    pub shown: Vec<String>,
    /// Each value as a plain number for charts: the amount, the percentage,
    /// the number, or for dates the days since the first value.
    pub numeric: Vec<Decimal>,
    /// The unit of [`Axis::numeric`] (`USD`, `%`, `days from 2027-01-01`, or empty).
    pub unit: String,
}

/// Reads `PARAM=FROM..TO step STEP` against the contract's params.
///
/// Money may give its currency once (`revenue_cap=USD 10 billion..40 billion
/// step 5 billion`); dates step by a duration (`step 6 months`), counted from
/// FROM so that month ends do not drift.
pub fn parse_axis(spec: &str, model: &Model, ws: &mut Workspace) -> Result<Axis, String> {
    let usage = "write --sweep PARAM=FROM..TO step STEP, like --sweep 'revenue_cap=USD 10 billion..USD 40 billion step USD 5 billion'";
    let (param, range) = spec
        .split_once('=')
        .ok_or_else(|| format!("`{spec}` names no param: {usage}"))?;
    let param = param.trim();
    let range = range.trim();
    let (span, step) = range
        .rsplit_once(" step ")
        .ok_or_else(|| format!("`{range}` has no step: {usage}"))?;
    let (from, to) = span
        .split_once("..")
        .ok_or_else(|| format!("`{span}` is not a range FROM..TO: {usage}"))?;
    let Some(declared) = model.params.iter().find(|p| p.name == param) else {
        let names = model.params.iter().map(|p| p.name.as_str());
        return Err(match suggest(param, names) {
            Some(s) => format!("the contract has no param `{param}`; did you mean `{s}`?"),
            None if model.params.is_empty() => {
                format!("the contract has no param `{param}` (it declares no params)")
            }
            None => format!(
                "the contract has no param `{param}`; its params are {}",
                model
                    .params
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    let mut literal = |text: &str, what: &str| -> Result<Literal, String> {
        let text = text.trim();
        let file = ws.add_text("<--sweep>", text);
        match parse_value(text, file) {
            Ok(Operand::Literal(l, _)) => Ok(l),
            _ => Err(format!(
                "`{text}` is not a value for {what} (an amount like USD 20 billion, a percentage like 20%, a date like 2029-01-01, a number, or for a date's step a duration like 6 months)"
            )),
        }
    };
    let from = literal(from, "FROM")?;
    let mut to = literal(to, "TO")?;
    let mut step = literal(step, "STEP")?;
    // `USD 10 billion..40 billion step 5 billion`: the currency is written once.
    if let Literal::Money(m) = &from {
        for l in [&mut to, &mut step] {
            if let Literal::Number(n) = l {
                *l = Literal::Money(Money::new(m.currency, *n));
            }
        }
    }
    let kind = |l: &Literal| match l {
        Literal::Money(m) => ValueType::Money(Some(m.currency)),
        Literal::Percent(_) => ValueType::Percent,
        Literal::Date(_) => ValueType::Date,
        Literal::Number(_) => ValueType::Number,
        Literal::Duration(_) => ValueType::Duration,
        Literal::Bool(_) => ValueType::Bool,
        Literal::Text(_) => ValueType::Text,
    };
    let wanted = crate::check::describe_type(model, declared.ty);
    if !declared.ty.accepts(kind(&from)) || !declared.ty.accepts(kind(&to)) {
        return Err(format!(
            "param `{param}` holds {wanted}, so sweep it over {wanted}"
        ));
    }
    let mut values = Vec::new();
    let too_many = || {
        format!("the sweep of `{param}` has more than {MAX_SWEEP_POINTS} values; use a larger step")
    };
    match (&from, &to, &step) {
        (Literal::Money(a), Literal::Money(b), Literal::Money(s))
            if a.currency == b.currency && a.currency == s.currency =>
        {
            let mut v = a.amount;
            positive(s.amount, param)?;
            while v <= b.amount {
                values.push(Literal::Money(Money::new(a.currency, v)));
                if values.len() > MAX_SWEEP_POINTS {
                    return Err(too_many());
                }
                v = v.checked_add(s.amount).ok_or_else(too_many)?;
            }
        }
        (Literal::Percent(a), Literal::Percent(b), Literal::Percent(s)) => {
            positive(s.0, param)?;
            let mut v = a.0;
            while v <= b.0 {
                values.push(Literal::Percent(Rate(v)));
                if values.len() > MAX_SWEEP_POINTS {
                    return Err(too_many());
                }
                v = v.checked_add(s.0).ok_or_else(too_many)?;
            }
        }
        (Literal::Number(a), Literal::Number(b), Literal::Number(s)) => {
            positive(*s, param)?;
            let mut v = *a;
            while v <= *b {
                values.push(Literal::Number(v));
                if values.len() > MAX_SWEEP_POINTS {
                    return Err(too_many());
                }
                v = v.checked_add(*s).ok_or_else(too_many)?;
            }
        }
        (Literal::Date(a), Literal::Date(b), Literal::Duration(s)) => {
            if s.count == 0 {
                return Err(format!("the step of `{param}` must be longer than zero"));
            }
            let mut n: u32 = 0;
            loop {
                let shift = Duration {
                    count: s.count.checked_mul(n).ok_or_else(too_many)?,
                    unit: s.unit,
                };
                let Some(d) = shift.after(*a) else { break };
                if d > *b {
                    break;
                }
                values.push(Literal::Date(d));
                if values.len() > MAX_SWEEP_POINTS {
                    return Err(too_many());
                }
                n = n.checked_add(1).ok_or_else(too_many)?;
            }
        }
        (Literal::Money(_), Literal::Money(_), Literal::Money(_)) => {
            return Err(format!(
                "the sweep of `{param}` mixes currencies; write FROM, TO and STEP in one currency"
            ))
        }
        (Literal::Date(_), _, _) => {
            return Err(format!(
                "a date param steps by a duration: --sweep '{param}=2027-01-01..2030-01-01 step 6 months'"
            ))
        }
        _ => {
            return Err(format!(
                "FROM, TO and STEP of `{param}` must be {wanted}, of one kind"
            ))
        }
    }
    if values.is_empty() {
        return Err(format!(
            "the sweep of `{param}` has no values: FROM must not be after TO"
        ));
    }
    let first_date = match values.first() {
        Some(Literal::Date(d)) => Some(*d),
        _ => None,
    };
    let unit = match (&from, first_date) {
        (Literal::Money(m), _) => m.currency.to_string(),
        (Literal::Percent(_), _) => "%".to_owned(),
        (_, Some(d)) => format!("days from {d}"),
        _ => String::new(),
    };
    let shown = values.iter().map(show_literal).collect();
    let numeric = values
        .iter()
        .map(|v| match v {
            Literal::Money(m) => m.amount,
            Literal::Percent(r) => r.0,
            Literal::Number(n) => *n,
            Literal::Date(d) => Decimal::from(first_date.map_or(0, |f| (*d - f).num_days())),
            _ => Decimal::ZERO,
        })
        .collect();
    Ok(Axis {
        param: param.to_owned(),
        range: range.to_owned(),
        values,
        shown,
        numeric,
        unit,
    })
}

fn positive(step: Decimal, param: &str) -> Result<(), String> {
    if step > Decimal::ZERO {
        Ok(())
    } else {
        Err(format!("the step of `{param}` must be greater than zero"))
    }
}

/// A literal for people.
pub fn show_literal(l: &Literal) -> String {
    match l {
        Literal::Money(m) => m.to_string(),
        Literal::Percent(r) => r.to_string(),
        Literal::Date(d) => d.to_string(),
        Literal::Duration(d) => d.to_string(),
        Literal::Number(n) => n.normalize().to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Text(t) => format!("{t:?}"),
    }
}

/// One evaluated point of a sweep.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// The index of this point's value on each axis.
    pub at: Vec<usize>,
    /// The answers (empty when the point could not be evaluated).
    pub answers: Vec<KeyAnswer>,
    /// How many of the scenario's expectations failed.
    pub failures: usize,
    /// Why the point could not be evaluated (a param value the contract rejects).
    pub error: Option<String>,
}

/// A whole sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The scenario's name.
    pub scenario: String,
    /// Its title.
    pub title: Option<String>,
    /// The axes, in the order given.
    pub axes: Vec<Axis>,
    /// Every point, in row-major order (the last axis fastest).
    pub points: Vec<SweepPoint>,
}

impl Sweep {
    /// The number of points the axes make.
    pub fn size(axes: &[Axis]) -> usize {
        axes.iter()
            .map(|a| a.values.len())
            .try_fold(1usize, |n, k| n.checked_mul(k))
            .unwrap_or(usize::MAX)
    }

    /// A point's value on each axis, shown.
    pub fn shown(&self, point: &SweepPoint) -> Vec<String> {
        self.axes
            .iter()
            .zip(&point.at)
            .map(|(a, i)| a.shown.get(*i).cloned().unwrap_or_default())
            .collect()
    }
}

/// The axis indices of point `n` in row-major order.
fn coordinates(axes: &[Axis], mut n: usize) -> Vec<usize> {
    let mut at = vec![0; axes.len()];
    for (slot, axis) in at.iter_mut().zip(axes).rev() {
        let len = axis.values.len().max(1);
        *slot = n % len;
        n /= len;
    }
    at
}

/// Evaluates every point of the grid on `jobs` threads, calling `progress`
/// with (points done, points in all) from the calling thread about ten times a second.
pub fn run_sweep(
    prepared: &Prepared,
    sources: &SourceMap,
    axes: Vec<Axis>,
    options: Options,
    jobs: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Sweep {
    let total = Sweep::size(&axes);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<SweepPoint>>> = Mutex::new(vec![None; total]);
    let jobs = jobs.clamp(1, total.max(1));
    let work = || {
        let mut local: Vec<(usize, SweepPoint)> = Vec::new();
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if n >= total {
                break;
            }
            let at = coordinates(&axes, n);
            let sets: Vec<(&str, &Literal)> = axes
                .iter()
                .zip(&at)
                .filter_map(|(a, i)| Some((a.param.as_str(), a.values.get(*i)?)))
                .collect();
            let scenario = with_sets(&prepared.scenario, &sets);
            let point = match evaluate_variant(prepared, &scenario, sources, options) {
                Ok(ev) => SweepPoint {
                    at,
                    answers: key_answers(&ev),
                    failures: ev.failures(),
                    error: None,
                },
                Err(diagnostics) => SweepPoint {
                    at,
                    answers: Vec::new(),
                    failures: 0,
                    error: Some(
                        diagnostics
                            .iter()
                            .find(|d| d.is_error())
                            .map(|d| d.message.clone())
                            .unwrap_or_else(|| "the point could not be evaluated".to_owned()),
                    ),
                },
            };
            local.push((n, point));
            done.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut all) = results.lock() {
            for (n, p) in local {
                if let Some(slot) = all.get_mut(n) {
                    *slot = Some(p);
                }
            }
        }
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(work)).collect();
        loop {
            let finished = handles.iter().all(|h| h.is_finished());
            progress(done.load(Ordering::Relaxed).min(total), total);
            if finished {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    let points = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            p.unwrap_or_else(|| SweepPoint {
                at: coordinates(&axes, n),
                answers: Vec::new(),
                failures: 0,
                error: Some("the point was not evaluated".to_owned()),
            })
        })
        .collect();
    Sweep {
        scenario: prepared.plan.name.clone(),
        title: prepared.plan.title.clone(),
        axes,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(n: usize) -> Axis {
        Axis {
            param: "p".to_owned(),
            range: String::new(),
            values: (0..n).map(|i| Literal::Number(Decimal::from(i))).collect(),
            shown: Vec::new(),
            numeric: Vec::new(),
            unit: String::new(),
        }
    }

    #[test]
    fn walks_the_grid_last_axis_fastest() {
        let axes = [axis(2), axis(3)];
        let all: Vec<Vec<usize>> = (0..6).map(|n| coordinates(&axes, n)).collect();
        assert_eq!(
            all,
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert_eq!(Sweep::size(&axes), 6);
    }
}
