//! Shared pieces of the fuzz targets: structured generators that render
//! contracts and scenarios as `.cov` text, and the checks every run makes.

use arbitrary::Arbitrary;
use covenant::diagnostic::{render, Diagnostic};
use covenant::source::SourceMap;

/// Fails the run when a diagnostic reveals a gap between grammar and reader
/// ("could not read … here"), the fuzzers' "internal error".
pub fn assert_no_internal_error(diagnostics: &[Diagnostic], sources: &SourceMap) {
    for d in diagnostics {
        assert!(
            !d.message.starts_with("could not read"),
            "internal error: {}",
            d.message
        );
    }
    // Rendering must never panic either (it once did on very long lines).
    let _ = render(diagnostics, sources, false);
}

/// A date that may or may not exist.
#[derive(Debug, Arbitrary)]
pub struct FDate {
    year: u8,
    month: u8,
    day: u8,
}

impl FDate {
    /// `20YY-MM-DD`, sometimes invalid on purpose.
    pub fn text(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            2000 + u32::from(self.year % 60),
            self.month % 14,
            self.day % 33
        )
    }
}

/// A money amount.
#[derive(Debug, Arbitrary)]
pub struct FMoney {
    cents: u32,
    euros: bool,
    magnitude: u8,
}

impl FMoney {
    /// `USD 12.34`, `EUR 5 million`, …
    pub fn text(&self) -> String {
        let currency = if self.euros { "EUR" } else { "USD" };
        match self.magnitude % 4 {
            0 => format!("{currency} {}.{:02}", self.cents / 100, self.cents % 100),
            1 => format!("{currency} {} thousand", self.cents % 1000),
            2 => format!("{currency} {} million", self.cents % 1000),
            _ => format!("{currency} {}", self.cents),
        }
    }
}

fn pick<'a>(names: &'a [&'a str], i: u8) -> &'a str {
    names
        .get(usize::from(i) % names.len())
        .copied()
        .unwrap_or("x")
}

const PARTIES: &[&str] = &["alpha", "beta", "gamma", "ghost"];
const ACTIONS: &[&str] = &["sell", "ship", "publish", "nothing"];
const CLAUSES: &[&str] = &["c0", "c1", "c2", "c3", "c4", "missing"];
const VALUES: &[&str] = &["web", "shop", "oem", "nowhere"];

/// A boolean expression over the `via` argument and the `live` condition.
#[derive(Debug, Arbitrary)]
pub enum FExpr {
    /// `via is V`
    Is(u8),
    /// `via is not V`
    IsNot(u8),
    /// `via in [..]`
    In(Vec<u8>),
    /// `live`
    Live,
    /// `not (e)`
    Not(Box<FExpr>),
    /// `(a and b)`
    And(Box<FExpr>, Box<FExpr>),
    /// `(a or b)`
    Or(Box<FExpr>, Box<FExpr>),
}

impl FExpr {
    fn text(&self, depth: u32) -> String {
        if depth > 8 {
            return "live".to_owned();
        }
        match self {
            FExpr::Is(v) => format!("via is {}", pick(VALUES, *v)),
            FExpr::IsNot(v) => format!("via is not {}", pick(VALUES, *v)),
            FExpr::In(vs) => format!(
                "via in [{}]",
                vs.iter()
                    .take(4)
                    .map(|v| pick(VALUES, *v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            FExpr::Live => "live".to_owned(),
            FExpr::Not(e) => format!("not ({})", e.text(depth + 1)),
            FExpr::And(a, b) => format!("({} and {})", a.text(depth + 1), b.text(depth + 1)),
            FExpr::Or(a, b) => format!("({} or {})", a.text(depth + 1), b.text(depth + 1)),
        }
    }
}

/// One line of a clause.
#[derive(Debug, Arbitrary)]
pub enum FItem {
    /// A prohibition.
    Prohibit(u8, u8, Option<FExpr>),
    /// A permission with carve-outs.
    Permit(u8, u8, Option<FExpr>, Vec<u8>),
    /// An obligation.
    Must(u8, u8, Option<FDate>, u8),
    /// A licence.
    Licence(u8, u8, bool, u8),
    /// A designation.
    Role(u8, u8),
    /// A share with tiers.
    Share(u8, u8, u16, Vec<(FMoney, u16)>),
    /// A fixed sum.
    Fixed(u8, u8, FMoney, Option<FDate>),
    /// A window.
    Window(u8, FDate, u8, Option<FExpr>),
    /// A payment modifier.
    Modifier(u8, FMoney, u8),
}

impl FItem {
    fn text(&self) -> String {
        let p = |i: &u8| pick(PARTIES, *i);
        let a = |i: &u8| pick(ACTIONS, *i);
        let w = |e: &Option<FExpr>| {
            e.as_ref()
                .map(|e| format!(" where {}", e.text(0)))
                .unwrap_or_default()
        };
        let units = ["year", "quarter", "month", "contract year"];
        match self {
            FItem::Prohibit(x, y, e) => format!("{} must not {}{}", p(x), a(y), w(e)),
            FItem::Permit(x, y, e, n) => {
                let nw = if n.is_empty() {
                    String::new()
                } else {
                    format!(
                        " notwithstanding {}",
                        n.iter()
                            .take(3)
                            .map(|c| pick(CLAUSES, *c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!("{} may {}{}{nw}", p(x), a(y), w(e))
            }
            FItem::Must(x, y, d, n) => match d {
                Some(d) => format!("{} must {} by {}", p(x), a(y), d.text()),
                None => format!("{} must {} within {} days", p(x), a(y), n),
            },
            FItem::Licence(x, y, ex, s) => format!(
                "{} grants {} {} licence to \"subject {}\"",
                p(x),
                p(y),
                if *ex {
                    "an exclusive"
                } else {
                    "a non-exclusive"
                },
                s % 3
            ),
            FItem::Role(x, y) => format!("{} is \"partner\" of {}", p(x), p(y)),
            FItem::Share(x, y, r, tiers) => {
                let mut s = format!(
                    "{} must pay {} {}.{}% of sales",
                    p(x),
                    p(y),
                    r % 120,
                    r % 10
                );
                for (t, r) in tiers.iter().take(3) {
                    s.push_str(&format!(" up to {}, then {}%", t.text(), r % 101));
                }
                s
            }
            FItem::Fixed(x, y, m, d) => match d {
                Some(d) => format!("{} must pay {} {} on {}", p(x), p(y), m.text(), d.text()),
                None => format!(
                    "{} must pay {} {}\n      every {}",
                    p(x),
                    p(y),
                    m.text(),
                    units[usize::from(*x) % 4]
                ),
            },
            FItem::Window(k, d, n, e) => match k % 5 {
                0 => format!("from {}", d.text()),
                1 => format!("until {}", d.text()),
                2 => format!("for {} months", n),
                3 => format!(
                    "while {}",
                    e.as_ref().map_or_else(|| "live".to_owned(), |e| e.text(0))
                ),
                _ => format!(
                    "unless {}",
                    e.as_ref().map_or_else(|| "live".to_owned(), |e| e.text(0))
                ),
            },
            FItem::Modifier(k, m, u) => {
                let unit = units[usize::from(*u) % 4];
                match k % 5 {
                    0 => format!("  every {unit}"),
                    1 => format!("  due {} days after period end", u),
                    2 => format!("  capped at {} in total", m.text()),
                    3 => format!("  capped at {} per {unit}", m.text()),
                    _ => format!("  at least {} per {unit}", m.text()),
                }
            }
        }
    }
}

/// A whole contract.
#[derive(Debug, Arbitrary)]
pub struct FContract {
    effective: FDate,
    term: Option<(FDate, bool, u8)>,
    renewal: Option<(u8, u8)>,
    metric_unit: u8,
    termination: Option<(u8, u8)>,
    clauses: Vec<Vec<FItem>>,
}

impl FContract {
    /// The contract as `.cov` text.
    pub fn text(&self) -> String {
        let mut s =
            String::from("contract fuzzed {\n  parties {\n    alpha\n    beta\n    gamma\n  }\n");
        s.push_str(&format!("  effective {}\n", self.effective.text()));
        if let Some((d, until, years)) = &self.term {
            let renewal = self
                .renewal
                .map(|(e, n)| format!(" renews every {} months unless notice {} days", e % 30, n))
                .unwrap_or_default();
            if *until {
                s.push_str(&format!("  term until {}{renewal}\n", d.text()));
            } else {
                s.push_str(&format!("  term {} years{renewal}\n", years % 40));
            }
        }
        let unit = ["year", "quarter", "month"][usize::from(self.metric_unit) % 3];
        s.push_str(&format!("  define channel as one of web, shop, oem\n  action sell(via: channel)\n  action ship(via: channel)\n  action publish(via: channel)\n  metric sales in USD per {unit}\n  condition live default true\n"));
        if let Some((p, n)) = self.termination {
            s.push_str(&format!(
                "  {} may terminate for convenience with {} days notice\n",
                pick(PARTIES, p),
                n
            ));
        }
        for (i, items) in self.clauses.iter().take(6).enumerate() {
            s.push_str(&format!("  clause c{i} {{\n"));
            for item in items.iter().take(8) {
                s.push_str(&format!("    {}\n", item.text()));
            }
            s.push_str("  }\n");
        }
        s.push_str("}\n");
        s
    }
}

/// A line of a scenario against [`FContract`] or the bundled contracts.
#[derive(Debug, Arbitrary)]
pub enum FLine {
    /// An action event.
    Act(FDate, u8, u8, u8),
    /// A condition switch.
    Live(FDate, bool),
    /// A termination.
    Terminate(FDate, u8),
    /// A non-renewal notice.
    NonRenewal(FDate, u8),
    /// A payment.
    Pays(FDate, u8, u8, FMoney),
    /// A grant event.
    Grant(FDate, u8, u8, u8),
    /// A metric figure.
    Figure(u8, u8, FMoney),
    /// An expectation.
    Expect(u8, FDate, u8, u8, FMoney),
}

/// Vocabulary a scenario may use for one contract.
pub struct Vocabulary {
    /// Parties.
    pub parties: &'static [&'static str],
    /// `(action, argument, values)`.
    pub actions: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// Clauses.
    pub clauses: &'static [&'static str],
    /// Metric name and unit (0 year, 1 quarter, 2 month).
    pub metric: (&'static str, u8),
    /// Condition.
    pub condition: &'static str,
}

impl FLine {
    /// The line as `.cov` text.
    pub fn text(&self, v: &Vocabulary) -> String {
        let p = |i: &u8| pick(v.parties, *i);
        let c = |i: &u8| pick(v.clauses, *i);
        let act = |i: &u8, val: &u8| {
            let (name, arg, values) = v
                .actions
                .get(usize::from(*i) % v.actions.len().max(1))
                .copied()
                .unwrap_or(("act", "x", &["y"]));
            format!("{name} {arg} {}", pick(values, *val))
        };
        let period = |y: &u8, k: &u8| match v.metric.1 {
            0 => format!("{}", 2019 + u32::from(y % 16)),
            1 => format!("{}-Q{}", 2019 + u32::from(y % 16), k % 4 + 1),
            _ => format!("{}-{:02}", 2019 + u32::from(y % 16), k % 12 + 1),
        };
        match self {
            FLine::Act(d, x, a, val) => format!("on {} {} {}", d.text(), p(x), act(a, val)),
            FLine::Live(d, b) => format!("on {} {} becomes {b}", d.text(), v.condition),
            FLine::Terminate(d, x) => format!("on {} {} terminates", d.text(), p(x)),
            FLine::NonRenewal(d, x) => {
                format!("on {} {} gives notice of non-renewal", d.text(), p(x))
            }
            FLine::Pays(d, x, y, m) => {
                format!("on {} {} pays {} {}", d.text(), p(x), p(y), m.text())
            }
            FLine::Grant(d, x, y, s) => format!(
                "on {} {} grants {} a licence to \"subject {}\"",
                d.text(),
                p(x),
                p(y),
                s % 3
            ),
            FLine::Figure(y, k, m) => {
                format!("{} for {} is {}", v.metric.0, period(y, k), m.text())
            }
            FLine::Expect(kind, d, x, y, m) => match kind % 9 {
                0 => format!("expect {} {} on {} is permitted", p(x), act(y, x), d.text()),
                1 => format!(
                    "expect {} {} on {} is forbidden by {}",
                    p(x),
                    act(y, x),
                    d.text(),
                    c(y)
                ),
                2 => format!(
                    "expect {} owes {} {} for {} under {}",
                    p(x),
                    p(y),
                    m.text(),
                    period(x, y),
                    c(x)
                ),
                3 => format!(
                    "expect {} owes {} {} overdue on {}",
                    p(x),
                    p(y),
                    m.text(),
                    d.text()
                ),
                4 => format!("expect {} is active on {}", c(x), d.text()),
                5 => format!("expect {} cap reached in {}", c(x), period(y, x)),
                6 => format!("expect contract ends on {}", d.text()),
                7 => format!("expect breach of {}", c(x)),
                _ => format!(
                    "expect {} payment for {} is due on {}",
                    c(x),
                    period(y, x),
                    d.text()
                ),
            },
        }
    }
}

/// The vocabulary of [`FContract`]'s output.
pub const FUZZED: Vocabulary = Vocabulary {
    parties: &["alpha", "beta", "gamma", "ghost"],
    actions: &[
        ("sell", "via", &["web", "shop", "oem"]),
        ("ship", "via", &["web", "shop"]),
        ("publish", "via", &["oem", "moon"]),
    ],
    clauses: &["c0", "c1", "c2", "c3", "c4", "c5"],
    metric: ("sales", 0),
    condition: "live",
};

/// The vocabulary of the OpenAI–Microsoft fixtures.
pub const OPENAI_MICROSOFT: Vocabulary = Vocabulary {
    parties: &["openai", "microsoft"],
    actions: &[(
        "distribute",
        "via",
        &["azure", "aws", "google_cloud", "oracle"],
    )],
    clauses: &[
        "azure_exclusivity",
        "ip_licence",
        "revenue_share",
        "azure_primary",
    ],
    metric: ("openai_revenue", 0),
    condition: "microsoft_can_honor",
};

/// Renders a scenario from lines.
pub fn scenario_text(lines: &[FLine], v: &Vocabulary, set: Option<&FMoney>) -> String {
    let mut s = String::from("scenario fuzzed {\n  contract \"x.cov\"\n");
    if let Some(m) = set {
        s.push_str(&format!("  set revenue_cap = {}\n", m.text()));
    }
    for line in lines.iter().take(64) {
        s.push_str(&format!("  {}\n", line.text(v)));
    }
    s.push_str("}\n");
    s
}
