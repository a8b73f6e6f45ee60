//! The command line: argument parsing and exit codes, nothing else.
//!
//! Each subcommand lives in its own file and calls the library's
//! [`crate::pipeline`]; output formatting comes from [`crate::report`].

mod check;
mod consolidate;
mod diff;
mod eval;
mod explain;
mod explain_code;
mod fmt;
mod report;
mod test;
mod timeline;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::calendar::Date;
use crate::diagnostic::{render, Diagnostic};
use crate::source::SourceMap;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything passed (warnings allowed).
    Success,
    /// Errors in the input or failed expectations.
    Failure,
    /// The command line itself was wrong (a missing file, a bad flag).
    Usage,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        match e {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failure => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
        }
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For tools (versioned schemas, see docs/json-schema.md).
    Json,
}

/// Findings that `covenant check --deny` turns into failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Warnings (and errors) fail the check: for CI.
    Warnings,
    /// Advice, warnings and errors all fail the check.
    Advice,
}

/// When to colour diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Covenant: check contracts, evaluate scenarios, and regression-test deals.
#[derive(Debug, Parser)]
#[command(name = "covenant", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour diagnostics: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and check contracts, amendments and scenarios; print diagnostics.
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Fail (exit 1) on warnings too, or on advice too: `--deny warnings` for CI.
        #[arg(long, value_enum)]
        deny: Option<Deny>,
    },
    /// Describe a diagnostic code, with a bad and a fixed example; without a code, list them all.
    ExplainCode {
        /// The code, like `rule_conflict` or `covenant::rule_conflict`.
        code: Option<String>,
    },
    /// Evaluate scenarios against their contracts and report the answers.
    Eval {
        /// Scenario files.
        #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
        scenarios: Vec<PathBuf>,
        /// Read scenarios as JSON Lines from FILE (or `-` for stdin) and write one JSON result per line.
        #[arg(long, value_name = "FILE")]
        jsonl: Option<PathBuf>,

        /// Stop the timeline at this date and report every clause's state on it.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Output format: text, json, or csv (csv for sweeps only).
        #[arg(long, value_enum, default_value_t = eval::EvalFormat::Text)]
        format: eval::EvalFormat,
        /// Evaluate the scenario for each value of a param: PARAM=FROM..TO step STEP (repeat for a grid).
        #[arg(long, value_name = "PARAM=FROM..TO step STEP")]
        sweep: Vec<String>,
        /// Threads for a sweep or --jsonl (default: the number of cores).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
    },
    /// Run every scenario under the paths (default: the current folder) like a test suite.
    Test {
        /// Files or folders.
        paths: Vec<PathBuf>,
        /// Output format: text, json, or junit (JUnit XML for CI systems).
        #[arg(long, value_enum, default_value_t = test::TestFormat::Text)]
        format: test::TestFormat,
        /// Record every scenario's full outcome to NAME.outcome beside it.
        #[arg(long, conflicts_with_all = ["review", "accept"])]
        record: bool,
        /// Walk through each changed outcome and ask whether to accept it.
        #[arg(long, conflicts_with = "accept")]
        review: bool,
        /// Accept every changed outcome.
        #[arg(long)]
        accept: bool,
        /// Fail scenarios that have no recorded outcome (for CI).
        #[arg(long)]
        require_recorded: bool,
    },
    /// Compare two versions of a contract (or an amendment with its base) and the answers of scenarios.
    Diff {
        /// OLD.cov NEW.cov, or one amendment (compared with the contract it amends).
        #[arg(required = true, num_args = 1..=2)]
        files: Vec<PathBuf>,
        /// Scenario files or folders to evaluate against both versions.
        #[arg(long, num_args = 1..)]
        scenarios: Vec<PathBuf>,
        /// Compare one contract with itself: as written, against the same
        /// contract with this interpretation's word read the other way (repeatable).
        #[arg(long = "interpretation", value_name = "NAME")]
        interpretations: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Explain which clauses are active on a date and why; optionally decide an action.
    Explain {
        /// The scenario file.
        scenario: PathBuf,
        /// The date to explain.
        #[arg(long, value_parser = parse_date)]
        on: Date,
        /// An action, written as in a scenario: PARTY ACTION [ARG VALUE]…
        action: Vec<String>,
    },
    /// Print a contract and its amendments as one contract as it stands on a date.
    Consolidate {
        /// The contract, or the latest amendment of its chain.
        file: PathBuf,
        /// The date: amendments in effect by then are applied, later ones left out.
        #[arg(long, value_parser = parse_date)]
        as_of: Date,
        /// Write the consolidated contract to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Write one self-contained HTML report: timeline, payments against caps, verdicts, expectations, sweeps.
    Report {
        /// Scenario files (a contract or amendment alone is drawn with no events).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// The HTML file to write (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Add a sweep of the (single) scenario: PARAM=FROM..TO step STEP (repeat for a grid).
        #[arg(long, value_name = "PARAM=FROM..TO step STEP")]
        sweep: Vec<String>,
        /// Threads for a sweep (default: the number of cores).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Stop the timeline at this date.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
    },
    /// Draw the timeline of a contract (or of a scenario's contract under its events) in the terminal.
    Timeline {
        /// A contract, an amendment (its chain is drawn) or a scenario.
        file: PathBuf,
        /// Columns for the bars.
        #[arg(long, default_value_t = 60)]
        width: usize,
    },
    /// Rewrite files (folders: every .cov inside) into the canonical layout, keeping comments.
    Fmt {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Rewrite nothing; name the files that would change and exit 1 if any.
        #[arg(long)]
        check: bool,
    },
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2026-04-27"))
}

/// Whether diagnostics on stderr should be coloured.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// Writes to stdout; when the reader has gone (`covenant eval … | head`), stops quietly.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// `print!` through [`emit`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::emit(&format!($($arg)*)) };
}
/// `println!` through [`emit`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::emit(&format!("{}\n", format!($($arg)*))) };
}
pub(crate) use {out, outln};

/// Prints diagnostics to stderr.
fn eprint_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) {
    if !diagnostics.is_empty() {
        eprint!("{}", render(diagnostics, sources, color));
    }
}

/// The number of threads to use when none is asked for: every core.
pub(crate) fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Draws a progress line on stderr, redrawn in place; only on a terminal.
pub(crate) struct Progress {
    enabled: bool,
    what: &'static str,
}

impl Progress {
    /// A progress line for counting `what`, drawn only when stderr is a terminal.
    pub(crate) fn new(what: &'static str) -> Self {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            what,
        }
    }

    /// Redraws the line: a bar and `done/total`.
    pub(crate) fn draw(&self, done: usize, total: usize) {
        if !self.enabled || total == 0 {
            return;
        }
        const WIDTH: usize = 30;
        let filled = done.saturating_mul(WIDTH) / total;
        eprint!(
            "\r[{}{}] {done}/{total} {}",
            "#".repeat(filled),
            ".".repeat(WIDTH - filled.min(WIDTH)),
            self.what
        );
    }

    /// Clears the line.
    pub(crate) fn finish(&self) {
        if self.enabled {
            eprint!("\r{}\r", " ".repeat(60));
        }
    }
}

/// Reports a path given on the command line that does not exist (a usage error).
fn missing_paths(paths: &[PathBuf]) -> Option<Exit> {
    let missing: Vec<&PathBuf> = paths.iter().filter(|p| !p.exists()).collect();
    if missing.is_empty() {
        return None;
    }
    for p in missing {
        eprintln!("error: no such file or folder: {}", p.display());
    }
    Some(Exit::Usage)
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            let _ = e.print();
            return code.into();
        }
    };
    let color = use_color(cli.color);
    let exit = match cli.command {
        Command::Check {
            files,
            format,
            deny,
        } => missing_paths(&files).unwrap_or_else(|| check::run(&files, format, deny, color)),
        Command::ExplainCode { code } => explain_code::run(code.as_deref()),
        Command::Eval {
            jsonl: Some(input),
            jobs,
            ..
        } => eval::run_jsonl(&input, jobs),
        Command::Eval {
            scenarios,
            as_of,
            format,
            sweep,
            jobs,
            jsonl: None,
        } => missing_paths(&scenarios).unwrap_or_else(|| {
            if sweep.is_empty() {
                eval::run(&scenarios, as_of, format, color)
            } else {
                eval::run_sweep(&scenarios, as_of, format, &sweep, jobs, color)
            }
        }),
        Command::Test {
            paths,
            format,
            record,
            review,
            accept,
            require_recorded,
        } => {
            let paths = if paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                paths
            };
            let recording = test::Recording {
                record,
                review,
                accept,
                require_recorded,
            };
            missing_paths(&paths).unwrap_or_else(|| test::run(&paths, format, recording, color))
        }
        Command::Diff {
            files,
            scenarios,
            interpretations,
            format,
        } => {
            let all: Vec<PathBuf> = files.iter().chain(scenarios.iter()).cloned().collect();
            missing_paths(&all)
                .unwrap_or_else(|| diff::run(&files, &scenarios, &interpretations, format, color))
        }
        Command::Explain {
            scenario,
            on,
            action,
        } => {
            let scenario_list = [scenario];
            missing_paths(&scenario_list).unwrap_or_else(|| {
                let [scenario] = scenario_list;
                explain::run(&scenario, on, &action, color)
            })
        }
        Command::Consolidate {
            file,
            as_of,
            output,
        } => {
            let files = [file];
            missing_paths(&files).unwrap_or_else(|| {
                let [file] = files;
                consolidate::run(&file, as_of, output.as_ref(), color)
            })
        }
        Command::Report {
            scenarios,
            output,
            sweep,
            jobs,
            as_of,
        } => missing_paths(&scenarios).unwrap_or_else(|| {
            report::run(
                &report::ReportArgs {
                    scenarios,
                    output,
                    sweep,
                    jobs,
                    as_of,
                },
                color,
            )
        }),
        Command::Timeline { file, width } => {
            let files = [file];
            missing_paths(&files).unwrap_or_else(|| {
                let [file] = files;
                timeline::run(&file, width, color)
            })
        }
        Command::Fmt { paths, check } => {
            missing_paths(&paths).unwrap_or_else(|| fmt::run(&paths, check, color))
        }
    };
    exit.into()
}
