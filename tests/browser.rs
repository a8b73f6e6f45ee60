//! The visual report in a real headless browser (Debian's `chromium`).
//!
//! The page is loaded with `--dump-dom`: its first script records every
//! script error and `console.error` into `#console-errors`, which must stay
//! empty, and its last script marks `<body data-ready="yes">`, which proves
//! the scripts ran. The dump is then searched for the elements and exact
//! numbers the report must show, and a screenshot is taken.
//!
//! Without chromium the test cannot run: it says so on the terminal (written
//! past the test harness's capture, so that it is seen) — and it fails instead
//! when `COVENANT_REQUIRE_BROWSER=1`, as `.ci/run` sets after installing
//! chromium, so that CI never passes without the browser. The browser is
//! found as `$COVENANT_CHROMIUM`, `chromium`, `chromium-browser`, or
//! `google-chrome`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly by design"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("COVENANT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Says something on the terminal even while the harness captures test output.
fn tell(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

fn covenant(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run covenant");
    assert_eq!(
        out.status.code(),
        Some(0),
        "covenant {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs chromium headless on a page, killing it after two minutes; returns (stdout, stderr).
fn chromium(browser: &Path, profile: &Path, extra: &[&str], page: &Path) -> (String, String) {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (out_reader.join().unwrap(), err_reader.join().unwrap())
}

/// The text between `<pre id="console-errors">` and `</pre>`.
fn console_errors(dom: &str) -> String {
    let start = dom
        .find("<pre id=\"console-errors\">")
        .expect("the page has its error recorder")
        + "<pre id=\"console-errors\">".len();
    let end = dom[start..].find("</pre>").unwrap() + start;
    dom[start..end].to_owned()
}

#[test]
fn the_report_in_a_headless_browser() {
    let Some(browser) = find_chromium() else {
        let message = "browser test skipped: chromium not installed (apt-get install chromium, or set COVENANT_CHROMIUM)";
        if std::env::var_os("COVENANT_REQUIRE_BROWSER").is_some_and(|v| v == "1") {
            panic!("{message}, but COVENANT_REQUIRE_BROWSER=1");
        }
        tell(message);
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.html");
    let sweep = dir.join("sweep.html");
    covenant(&[
        "report",
        "contracts/openai-microsoft/scenarios/aws-launch-2025.cov",
        "contracts/openai-microsoft/scenarios/aws-launch-2027.cov",
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        "contracts/openai-microsoft/scenarios/honor-unknown.cov",
        "-o",
        report.to_str().unwrap(),
    ]);
    covenant(&[
        "report",
        "contracts/openai-microsoft/scenarios/cap-reached.cov",
        "--sweep",
        "revenue_cap=USD 10 billion..USD 40 billion step USD 1 billion",
        "-o",
        sweep.to_str().unwrap(),
    ]);
    for page in [&report, &sweep] {
        let html = std::fs::read_to_string(page).unwrap();
        // Self-contained: the only URL is the SVG namespace, and a policy forbids fetching anything.
        let urls = html.matches("http://").count() + html.matches("https://").count();
        let namespaces = html.matches("http://www.w3.org/2000/svg").count();
        assert_eq!(urls, namespaces, "{} refers to the network", page.display());
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("<link") && !html.contains(" src="));
    }

    let profile = dir.join("profile");
    let (dom, log) = chromium(&browser, &profile, &["--dump-dom"], &report);
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the page's scripts did not run:\n{log}"
    );
    assert_eq!(console_errors(&dom), "", "script errors on the page");
    assert!(!log.contains("Uncaught"), "{log}");
    for needle in [
        // Every scenario, with its timeline, charts and tables.
        "id=\"scenario-aws_launch_2025\"",
        "id=\"timeline-cap_reached\"",
        "<title id=\"timeline-cap_reached-title\">Timeline of OpenAI–Microsoft Partnership Agreement from 2019-07-22 to 2032-12-31</title>",
        // Clause windows and the amendment on the timeline.
        "data-clause=\"azure_exclusivity\" data-start=\"2019-07-22\" data-end=\"2026-04-26\" data-version=\"0\"",
        "data-clause=\"azure_primary\" data-start=\"2026-04-27\" data-end=\"2030-12-31\"",
        "data-amendment=\"openai_microsoft_2026\" data-date=\"2026-04-27\"",
        // A breach marked.
        "class=\"event breach\" data-date=\"2025-06-01\"",
        "id=\"breaches-aws_launch_2025\" data-breaches=\"1\"",
        // Payments against the cap, with its date of reach.
        "class=\"bar\" data-period=\"2030\" data-owed=\"1000000000.00\"",
        "class=\"total-point\" data-period=\"2030\" data-total=\"20000000000.00\"",
        "class=\"cap\" data-cap=\"20000000000.00\"",
        "class=\"cap-reached\" data-period=\"2030\"",
        "amount (USD billions)",
        "running total owed",
        // Verdicts and expectations.
        "data-verdict=\"forbidden\"",
        "data-verdict=\"permitted\"",
        "id=\"expectations-summary-cap_reached\" data-passed=\"5\" data-total=\"5\"",
    ] {
        assert!(dom.contains(needle), "missing {needle:?} in the rendered page");
    }
    // The condition switch of cap_reached is on the timeline.
    assert!(dom.contains("data-condition=\"microsoft_can_honor\""));
    // Unknown facts: conditional answers, an unknown stretch on the timeline,
    // and the facts that would settle them at the end.
    for needle in [
        "id=\"conditional-honor_unknown\"",
        "class=\"condition unknown\"",
        "class=\"window uncertain\" data-clause=\"azure_primary\" data-start=\"2029-03-01\" data-end=\"2032-12-31\"",
        "id=\"settle-honor_unknown\" data-facts=\"1\"",
        "<li>whether microsoft_can_honor is true from 2029-03-01</li>",
    ] {
        assert!(
            dom.contains(needle),
            "missing {needle:?} in the rendered page"
        );
    }

    let (sweep_dom, sweep_log) = chromium(&browser, &profile, &["--dump-dom"], &sweep);
    assert!(sweep_dom.contains("data-ready=\"yes\""), "{sweep_log}");
    assert_eq!(console_errors(&sweep_dom), "");
    for needle in [
        "id=\"sweep\" data-points=\"31\"",
        "<title id=\"sweep-chart-title\">Swept answers against revenue_cap</title>",
        "data-key=\"revenue_share 2030 owed\" data-param=\"USD 19,000,000,000\" data-value=\"0.00\"",
        "data-key=\"revenue_share 2030 owed\" data-param=\"USD 20,000,000,000\" data-value=\"1000000000.00\"",
        "revenue_cap (USD)",
    ] {
        assert!(sweep_dom.contains(needle), "missing {needle:?} in the sweep page");
    }

    // Screenshots, kept beside the pages for a person to look at.
    for (page, png) in [(&report, "report.png"), (&sweep, "sweep.png")] {
        let shot = dir.join(png);
        let _ = chromium(
            &browser,
            &profile,
            &[
                &format!("--screenshot={}", shot.display()),
                "--window-size=1200,2400",
            ],
            page,
        );
        let bytes = std::fs::read(&shot).expect("a screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            shot.display()
        );
        assert!(bytes.len() > 20_000, "{} looks blank", shot.display());
        tell(&format!("browser test: screenshot at {}", shot.display()));
    }
}
