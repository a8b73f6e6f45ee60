//! Property tests for the formatter: documents generated from the grammar's
//! shapes (every statement, window, modifier, event and expectation kind),
//! laid out with random whitespace and comments, format idempotently, keep
//! their comments in order, and parse to the same AST as before.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use covenant::format::format_source;
use covenant::source::FileId;
use covenant::syntax::parse_document;
use proptest::prelude::*;
use proptest::sample::select;

type Toks = Vec<String>;

/// Words split on single spaces; literals with inner spaces are built apart.
fn t(words: &str) -> Toks {
    words.split(' ').map(str::to_owned).collect()
}

fn one(s: String) -> Toks {
    vec![s]
}

fn name() -> impl Strategy<Value = String> + Clone {
    select(vec![
        "acme",
        "beta",
        "orbit",
        "net_sales",
        "share",
        "x1",
        "via",
        "aws",
        "kind_a",
    ])
    .prop_map(str::to_owned)
}

fn inline_space() -> impl Strategy<Value = &'static str> + Clone {
    select(vec![" ", "  ", "\t", " \t "])
}

fn money() -> impl Strategy<Value = String> + Clone {
    (
        select(vec!["USD", "EUR"]),
        inline_space(),
        select(vec!["1", "1_000", "2.5", "38", "0"]),
        prop::option::of((
            inline_space(),
            select(vec!["thousand", "million", "billion"]),
        )),
    )
        .prop_map(|(c, s, d, m)| match m {
            Some((s2, m)) => format!("{c}{s}{d}{s2}{m}"),
            None => format!("{c}{s}{d}"),
        })
}

fn number() -> impl Strategy<Value = String> + Clone {
    (
        select(vec!["1", "1_000_000", "2.5", "38"]),
        prop::option::of((
            inline_space(),
            select(vec!["thousand", "million", "billion"]),
        )),
    )
        .prop_map(|(d, m)| match m {
            Some((s, m)) => format!("{d}{s}{m}"),
            None => d.to_owned(),
        })
}

fn duration() -> impl Strategy<Value = String> + Clone {
    (
        select(vec!["1", "90", "2", "1_0"]),
        inline_space(),
        select(vec![
            "day", "days", "week", "weeks", "month", "months", "year", "years",
        ]),
    )
        .prop_map(|(n, s, u)| format!("{n}{s}{u}"))
}

fn date() -> impl Strategy<Value = String> + Clone {
    select(vec!["2025-01-01", "2026-04-27", "2024-02-29"]).prop_map(str::to_owned)
}

fn percent() -> impl Strategy<Value = String> + Clone {
    select(vec!["20%", "2.5%", "100%", "0%"]).prop_map(str::to_owned)
}

fn string() -> impl Strategy<Value = String> + Clone {
    select(vec![
        r#""Title""#,
        r#""a \"quoted\" word""#,
        r#""x // not a comment""#,
        r#""""#,
        r#""Ünïcode – dash \\ slash""#,
    ])
    .prop_map(str::to_owned)
}

fn period() -> impl Strategy<Value = String> + Clone {
    select(vec!["2027", "2027-Q1", "2027-03"]).prop_map(str::to_owned)
}

fn boolean() -> impl Strategy<Value = String> + Clone {
    select(vec!["true", "false"]).prop_map(str::to_owned)
}

fn value() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        money(),
        percent(),
        date(),
        duration(),
        number(),
        boolean(),
        string(),
        name()
    ]
}

fn unit() -> impl Strategy<Value = Toks> + Clone {
    select(vec!["year", "quarter", "month", "contract year"]).prop_map(t)
}

fn or_name(s: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = String> + Clone {
    prop_oneof![s, name()]
}

fn title() -> impl Strategy<Value = Toks> + Clone {
    prop::option::of(string()).prop_map(|s| s.into_iter().collect())
}

/// `a, b, c`
fn comma_list(items: Vec<String>) -> Toks {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(",".to_owned());
        }
        out.push(item);
    }
    out
}

fn expr() -> impl Strategy<Value = Toks> + Clone {
    let operand = prop_oneof![
        name(),
        money(),
        percent(),
        date(),
        number(),
        boolean(),
        string()
    ];
    let leaf = prop_oneof![
        name().prop_map(one),
        (
            name(),
            select(vec!["is", "is not", "<", "<=", ">", ">="]),
            operand.clone()
        )
            .prop_map(|(a, op, b)| [one(a), t(op), one(b)].concat()),
        (name(), prop::collection::vec(operand, 0..3)).prop_map(|(a, items)| [
            one(a),
            t("in ["),
            comma_list(items),
            t("]")
        ]
        .concat()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| [t("not"), e].concat()),
            inner.clone().prop_map(|e| [t("("), e, t(")")].concat()),
            (inner.clone(), select(vec!["and", "or"]), inner)
                .prop_map(|(a, op, b)| [a, t(op), b].concat()),
        ]
    })
}

fn where_clause() -> impl Strategy<Value = Toks> + Clone {
    prop::option::of(expr()).prop_map(|e| e.map(|e| [t("where"), e].concat()).unwrap_or_default())
}

fn clause_item() -> impl Strategy<Value = Toks> {
    prop_oneof![
        or_name(date()).prop_map(|d| [t("from"), one(d)].concat()),
        or_name(date()).prop_map(|d| [t("until"), one(d)].concat()),
        or_name(duration()).prop_map(|d| [t("for"), one(d)].concat()),
        (select(vec!["within", "for"]), or_name(duration()), name()).prop_map(|(w, d, e)| [
            t(w),
            one(d),
            t("after"),
            one(e)
        ]
        .concat()),
        (name(), name(), or_name(money())).prop_map(|(p, q, m)| [
            one(p),
            t("must pay"),
            one(q),
            one(m),
            t("on termination")
        ]
        .concat()),
        expr().prop_map(|e| [t("while"), e].concat()),
        expr().prop_map(|e| [t("unless"), e].concat()),
        unit().prop_map(|u| [t("every"), u].concat()),
        or_name(duration()).prop_map(|d| [t("due"), one(d), t("after period end")].concat()),
        or_name(money()).prop_map(|m| [t("capped at"), one(m), t("in total")].concat()),
        (or_name(money()), unit())
            .prop_map(|(m, u)| [t("capped at"), one(m), t("per"), u].concat()),
        (or_name(money()), unit()).prop_map(|(m, u)| [t("at least"), one(m), t("per"), u].concat()),
        Just(t("tiers on the whole amount")),
        Just(t("tiers cumulative")),
        (or_name(percent()), prop::option::of(2u32..40)).prop_map(|(r, from)| {
            let from = from
                .map(|y| t(&format!("from year {y}")))
                .unwrap_or_default();
            [t("increasing"), one(r), t("each contract year"), from].concat()
        }),
        (name(), name(), name(), or_name(money())).prop_map(|(p, q, m, c)| [
            one(p),
            t("must pay"),
            one(q),
            t("the shortfall of"),
            one(m),
            t("below"),
            one(c)
        ]
        .concat()),
        (name(), name(), where_clause())
            .prop_map(|(p, a, w)| [one(p), t("must not"), one(a), w].concat()),
        (
            name(),
            name(),
            or_name(percent()),
            name(),
            prop::collection::vec((or_name(money()), or_name(percent())), 0..3)
        )
            .prop_map(|(p, q, r, m, tiers)| {
                let mut out = [one(p), t("must pay"), one(q), one(r), t("of"), one(m)].concat();
                for (cap, rate) in tiers {
                    out.extend([t("up to"), one(cap), t(", then"), one(rate)].concat());
                }
                out
            }),
        (
            name(),
            name(),
            or_name(money()),
            prop::option::of(or_name(date()))
        )
            .prop_map(|(p, q, m, d)| {
                let on = d.map(|d| [t("on"), one(d)].concat()).unwrap_or_default();
                [one(p), t("must pay"), one(q), one(m), on].concat()
            }),
        (
            name(),
            name(),
            where_clause(),
            prop_oneof![
                or_name(date()).prop_map(|d| [t("by"), one(d)].concat()),
                or_name(duration()).prop_map(|d| [t("within"), one(d)].concat()),
            ]
        )
            .prop_map(|(p, a, w, deadline)| [one(p), t("must"), one(a), w, deadline].concat()),
        (
            name(),
            name(),
            where_clause(),
            prop::option::of(prop::collection::vec(name(), 1..3))
        )
            .prop_map(|(p, a, w, n)| {
                let n = n
                    .map(|n| [t("notwithstanding"), comma_list(n)].concat())
                    .unwrap_or_default();
                [one(p), t("may"), one(a), w, n].concat()
            }),
        (
            name(),
            name(),
            select(vec!["a", "an"]),
            select(vec!["exclusive", "non-exclusive"]),
            select(vec!["licence", "license"]),
            string()
        )
            .prop_map(|(p, q, a, e, l, s)| [
                one(p),
                t("grants"),
                one(q),
                t(a),
                t(e),
                t(l),
                t("to"),
                one(s)
            ]
            .concat()),
        (name(), string(), name())
            .prop_map(|(p, r, q)| [one(p), t("is"), one(r), t("of"), one(q)].concat()),
        (name(), name(), name(), name(), or_name(duration())).prop_map(|(p, q, arg, a, d)| [
            one(p),
            t("grants"),
            one(q),
            t("a non-exclusive licence to the"),
            one(arg),
            t("of each"),
            one(a),
            t("for"),
            one(d)
        ]
        .concat()),
    ]
}

fn clause_body() -> impl Strategy<Value = Toks> {
    prop::collection::vec(clause_item(), 0..6)
        .prop_map(|items| [t("{"), items.concat(), t("}")].concat())
}

fn renewal() -> impl Strategy<Value = Toks> + Clone {
    prop::option::of((duration(), duration())).prop_map(|r| {
        r.map(|(a, b)| [t("renews every"), one(a), t("unless notice"), one(b)].concat())
            .unwrap_or_default()
    })
}

/// Declarations that contracts and amendments share.
fn shared_decl() -> impl Strategy<Value = Toks> {
    prop_oneof![
        prop::collection::vec((name(), title()), 0..4).prop_map(|ps| {
            let parties: Vec<Toks> = ps.into_iter().map(|(n, s)| [one(n), s].concat()).collect();
            [t("parties {"), parties.concat(), t("}")].concat()
        }),
        date().prop_map(|d| [t("effective"), one(d)].concat()),
        (
            prop_oneof![
                date().prop_map(|d| [t("until"), one(d)].concat()),
                duration().prop_map(one)
            ],
            renewal()
        )
            .prop_map(|(len, r)| [t("term"), len, r].concat()),
        (name(), prop::collection::vec(name(), 1..4)).prop_map(|(n, vs)| [
            t("define"),
            one(n),
            t("as one of"),
            comma_list(vs)
        ]
        .concat()),
        (
            name(),
            prop::option::of(prop::collection::vec((name(), name()), 0..3)),
            prop::option::of(prop_oneof![string(), name()])
        )
            .prop_map(|(n, args, needs)| {
                let args = args
                    .map(|args| {
                        let args = args
                            .into_iter()
                            .map(|(a, ty)| format!("{a} : {ty}"))
                            .collect();
                        let list: Toks = comma_list(args).iter().flat_map(|s| t(s)).collect();
                        [t("("), list, t(")")].concat()
                    })
                    .unwrap_or_default();
                let needs = needs
                    .map(|subject| [t("needs licence to"), one(subject)].concat())
                    .unwrap_or_default();
                [t("action"), one(n), args, needs].concat()
            }),
        (name(), select(vec!["USD", "EUR"]), unit()).prop_map(|(n, c, u)| [
            t("metric"),
            one(n),
            t("in"),
            t(c),
            t("per"),
            u
        ]
        .concat()),
        (name(), prop::option::of(boolean())).prop_map(|(n, d)| {
            let d = d
                .map(|d| [t("default"), one(d)].concat())
                .unwrap_or_default();
            [t("condition"), one(n), d].concat()
        }),
        (
            name(),
            prop::option::of(boolean()),
            name(),
            select(vec![">=", "<", "is not"]),
            or_name(money())
        )
            .prop_map(|(n, d, m, op, v)| {
                let d = d
                    .map(|d| [t("default"), one(d)].concat())
                    .unwrap_or_default();
                [t("condition"), one(n), d, t("when"), one(m), t(op), one(v)].concat()
            }),
        (
            name(),
            prop::option::of(prop::collection::vec((name(), name()), 0..3))
        )
            .prop_map(|(n, args)| {
                let args = args
                    .map(|args| {
                        let args = args
                            .into_iter()
                            .map(|(a, ty)| format!("{a} : {ty}"))
                            .collect();
                        let list: Toks = comma_list(args).iter().flat_map(|s| t(s)).collect();
                        [t("("), list, t(")")].concat()
                    })
                    .unwrap_or_default();
                [t("event"), one(n), args].concat()
            }),
        (name(), or_name(duration()), or_name(duration()), name()).prop_map(|(p, d, w, e)| {
            [
                one(p),
                t("may terminate with"),
                one(d),
                t("notice within"),
                one(w),
                t("after"),
                one(e),
            ]
            .concat()
        }),
        (
            name(),
            prop_oneof![
                value().prop_map(|v| [t("="), one(v)].concat()),
                select(vec!["money", "percent", "date", "number"])
                    .prop_map(|ty| [t(":"), t(ty)].concat())
            ]
        )
            .prop_map(|(n, v)| [t("param"), one(n), v].concat()),
        (name(), any::<bool>(), or_name(duration())).prop_map(|(p, conv, d)| {
            let conv = if conv {
                t("for convenience")
            } else {
                Vec::new()
            };
            [
                one(p),
                t("may terminate"),
                conv,
                t("with"),
                one(d),
                t("notice"),
            ]
            .concat()
        }),
        (
            name(),
            select(vec!["\"until\"", "\"within\""]),
            select(vec!["inclusive", "exclusive"]),
            proptest::option::of(name()),
            proptest::option::of(date()),
            string(),
        )
            .prop_map(|(n, word, reading, clause, d, reason)| {
                let scope = clause
                    .map(|c| [t("for"), one(c)].concat())
                    .unwrap_or_default();
                let on = d.map(|d| [t("on"), one(d)].concat()).unwrap_or_default();
                [
                    t("interpret"),
                    one(n),
                    t(":"),
                    t(word),
                    t("as"),
                    t(reading),
                    scope,
                    on,
                    t("because"),
                    one(reason),
                ]
                .concat()
            }),
    ]
}

fn clause_decl() -> impl Strategy<Value = Toks> {
    (name(), title(), clause_body()).prop_map(|(n, s, b)| [t("clause"), one(n), s, b].concat())
}

fn contract() -> impl Strategy<Value = Toks> {
    (
        name(),
        title(),
        prop::collection::vec(prop_oneof![shared_decl(), clause_decl()], 0..7),
    )
        .prop_map(|(n, s, items)| {
            [t("contract"), one(n), s, t("{"), items.concat(), t("}")].concat()
        })
}

fn amendment() -> impl Strategy<Value = Toks> {
    let item = prop_oneof![
        shared_decl(),
        name().prop_map(|n| [t("remove"), one(n)].concat()),
        (name(), title(), clause_body())
            .prop_map(|(n, s, b)| [t("replace"), one(n), s, b].concat()),
        (name(), clause_body()).prop_map(|(n, b)| [t("amend"), one(n), b].concat()),
        (name(), title(), clause_body())
            .prop_map(|(n, s, b)| [t("add clause"), one(n), s, b].concat()),
    ];
    (name(), title(), name(), prop::collection::vec(item, 0..7)).prop_map(|(n, s, base, items)| {
        [
            t("amendment"),
            one(n),
            s,
            t("{ amends"),
            one(base),
            t("from"),
            one(r#""../base.cov""#.to_owned()),
            items.concat(),
            t("}"),
        ]
        .concat()
    })
}

fn args() -> impl Strategy<Value = Toks> + Clone {
    prop::collection::vec((name(), value()), 0..3)
        .prop_map(|args| args.into_iter().flat_map(|(a, v)| [a, v]).collect())
}

fn scenario_item() -> impl Strategy<Value = Toks> {
    let on = |ev: Toks, d: String| [t("on"), one(d), ev].concat();
    prop_oneof![
        Just(t(r#"contract "../c.cov""#)),
        (name(), value()).prop_map(|(n, v)| [t("set"), one(n), t("="), one(v)].concat()),
        (
            date(),
            name(),
            name(),
            select(vec!["a", "an"]),
            prop::option::of(select(vec!["exclusive", "non-exclusive"])),
            string()
        )
            .prop_map(move |(d, p, q, a, e, s)| on(
                [
                    one(p),
                    t("grants"),
                    one(q),
                    t(a),
                    e.map(t).unwrap_or_default(),
                    t("licence to"),
                    one(s)
                ]
                .concat(),
                d
            )),
        (date(), name(), boolean())
            .prop_map(move |(d, c, b)| on([one(c), t("becomes"), one(b)].concat(), d)),
        (date(), name()).prop_map(move |(d, p)| on([one(p), t("terminates")].concat(), d)),
        (date(), name())
            .prop_map(move |(d, p)| on([one(p), t("gives notice of non-renewal")].concat(), d)),
        (date(), name(), name(), money())
            .prop_map(move |(d, p, q, m)| on([one(p), t("pays"), one(q), one(m)].concat(), d)),
        (date(), name(), name(), args())
            .prop_map(move |(d, p, a, args)| on([one(p), one(a), args].concat(), d)),
        (date(), name(), args()).prop_map(move |(d, e, args)| on([one(e), args].concat(), d)),
        (name(), period(), or_name(money())).prop_map(|(m, p, v)| [
            one(m),
            t("for"),
            one(p),
            t("is"),
            one(v)
        ]
        .concat()),
        prop::option::of(name()).prop_map(|c| {
            let of = c.map(|c| [t("of"), one(c)].concat()).unwrap_or_default();
            [t("expect no breach"), of].concat()
        }),
        name().prop_map(|c| [t("expect breach of"), one(c)].concat()),
        date().prop_map(|d| [t("expect contract ends on"), one(d)].concat()),
        (name(), name(), money(), date()).prop_map(|(p, q, m, d)| [
            t("expect"),
            one(p),
            t("owes"),
            one(q),
            one(m),
            t("overdue on"),
            one(d)
        ]
        .concat()),
        (name(), name(), money(), period(), name()).prop_map(|(p, q, m, per, c)| [
            t("expect"),
            one(p),
            t("owes"),
            one(q),
            one(m),
            t("for"),
            one(per),
            t("under"),
            one(c)
        ]
        .concat()),
        (name(), period())
            .prop_map(|(c, p)| [t("expect"), one(c), t("cap reached in"), one(p)].concat()),
        (name(), period(), date()).prop_map(|(c, p, d)| [
            t("expect"),
            one(c),
            t("payment for"),
            one(p),
            t("is due on"),
            one(d)
        ]
        .concat()),
        (
            name(),
            select(vec!["active", "inactive", "exclusive", "non-exclusive"]),
            date()
        )
            .prop_map(|(c, s, d)| [t("expect"), one(c), t("is"), t(s), t("on"), one(d)].concat()),
        (
            name(),
            name(),
            args(),
            date(),
            select(vec![
                "permitted",
                "forbidden",
                "forbidden without a licence"
            ]),
            prop::option::of(name())
        )
            .prop_map(|(p, a, args, d, v, by)| {
                let by = by
                    .filter(|_| !v.contains("without"))
                    .map(|c| [t("by"), one(c)].concat())
                    .unwrap_or_default();
                [
                    t("expect"),
                    one(p),
                    one(a),
                    args,
                    t("on"),
                    one(d),
                    t("is"),
                    t(v),
                    by,
                ]
                .concat()
            }),
    ]
}

fn scenario() -> impl Strategy<Value = Toks> {
    (
        name(),
        title(),
        prop::collection::vec(scenario_item(), 0..10),
    )
        .prop_map(|(n, s, items)| {
            [t("scenario"), one(n), s, t("{"), items.concat(), t("}")].concat()
        })
}

/// Gaps between tokens: spaces, line breaks, blank lines, and comments of
/// both kinds (a comment always ends its line).
const SEPARATORS: [&str; 12] = [
    " ",
    " ",
    " ",
    "\n",
    "\n  ",
    "\n\n\n",
    "  \t",
    " // note\n",
    "\n// own \"line\"\n",
    "\n\n  // after a blank\n\n",
    "\r\n\t",
    "//x  \n",
];

fn layout() -> impl Strategy<Value = (Vec<usize>, usize, usize)> {
    (
        prop::collection::vec(0..SEPARATORS.len(), 1..40),
        0..3usize,
        0..3usize,
    )
}

/// Joins the tokens with separators taken in turn from the plan.
fn lay_out(tokens: &[String], (plan, lead, tail): &(Vec<usize>, usize, usize)) -> String {
    let mut out = ["", "// header\n", "\n\n// header\n\n"][*lead].to_owned();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            let pick = plan[i % plan.len()];
            out.push_str(SEPARATORS[pick]);
        }
        out.push_str(token);
    }
    out.push_str(["", "\n", " // the end\n\n// after\n"][*tail]);
    out
}

/// Removes every `Span { … }` from an AST's debug text.
fn erase_spans(debug: &str) -> String {
    let mut out = String::new();
    let mut rest = debug;
    while let Some(at) = rest.find("Span { file: ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let close = tail.find('}').map_or(tail.len(), |i| i + 1);
        out.push_str("Span");
        rest = &tail[close..];
    }
    out.push_str(rest);
    out
}

fn ast(text: &str) -> String {
    let doc =
        parse_document(text, FileId(0)).unwrap_or_else(|d| panic!("does not parse: {d:?}\n{text}"));
    erase_spans(&format!("{doc:?}"))
}

/// The comments of a text in order, trailing blanks removed (strings skipped).
fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                chars.next();
            }
            '/' if !in_string && text[i..].starts_with("//") => {
                let end = text[i..].find('\n').map_or(text.len(), |j| i + j);
                out.push(text[i..end].trim_end().to_owned());
                while chars.next_if(|&(j, _)| j < end).is_some() {}
            }
            _ => {}
        }
    }
    out
}

fn check(tokens: &[String], plan: &(Vec<usize>, usize, usize)) -> Result<(), TestCaseError> {
    let text = lay_out(tokens, plan);
    let before = ast(&text);
    let once = format_source(&text, FileId(0))
        .unwrap_or_else(|d| panic!("does not format: {d:?}\n{text}"));
    let twice = format_source(&once, FileId(0))
        .unwrap_or_else(|d| panic!("output does not format: {d:?}\n{once}"));
    prop_assert_eq!(&twice, &once, "not idempotent; input:\n{}", text);
    prop_assert_eq!(ast(&once), before, "AST changed; input:\n{}", text);
    prop_assert_eq!(
        comments(&once),
        comments(&text),
        "comments changed; input:\n{}",
        text
    );
    prop_assert!(!once.contains(" \n"), "trailing blanks:\n{}", once);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn contracts_format_idempotently(doc in contract(), plan in layout()) {
        check(&doc, &plan)?;
    }

    #[test]
    fn amendments_format_idempotently(doc in amendment(), plan in layout()) {
        check(&doc, &plan)?;
    }

    #[test]
    fn scenarios_format_idempotently(doc in scenario(), plan in layout()) {
        check(&doc, &plan)?;
    }
}
