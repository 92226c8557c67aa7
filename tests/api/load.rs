//! `wayfare load` against the real platform: a short bounded run writes its whole report and
//! finds the invariants holding.

use std::time::Duration;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread")]
async fn a_short_load_run_writes_its_report_and_keeps_the_invariants() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let outcome = wayfare_load::run(wayfare_load::LoadOptions {
        target: app.base.clone(),
        users: Some(4),
        rate: None,
        duration: Duration::from_secs(3),
        ramp: Duration::from_secs(1),
        mix: wayfare_load::Mix::Mixed,
        slo: wayfare_load::Slo::parse_list("p99<5s").unwrap(),
        report_dir: dir.path().to_path_buf(),
        progress: false,
    })
    .await
    .unwrap();
    assert!(outcome.requests > 20, "{outcome:?}");
    assert!(outcome.invariant_violations.is_empty(), "{outcome:?}");
    assert!(outcome.slo_missed.is_empty(), "{outcome:?}");
    for file in [
        "report.md",
        "report.html",
        "throughput.svg",
        "latency.svg",
        "errors.svg",
        "per-second.csv",
        "per-second.json",
        "summary.json",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("POST /api/orders"), "{report}");
    // An objective that cannot be met makes the run fail (CI gates on it).
    let strict = wayfare_load::run(wayfare_load::LoadOptions {
        target: app.base.clone(),
        users: None,
        rate: Some(20.0),
        duration: Duration::from_secs(1),
        ramp: Duration::ZERO,
        mix: wayfare_load::Mix::ReadOnly,
        slo: wayfare_load::Slo::parse_list("p50<0.001ms").unwrap(),
        report_dir: dir.path().join("strict"),
        progress: false,
    })
    .await
    .unwrap();
    assert!(strict.failed());
}
