//! The relay soak at CI size (issue 5): 1,000 status changes across three tabs, faults of every
//! kind, owner tabs crashed and closed. Nothing lost, nothing applied twice, nothing reordered, and the
//! agent's final status right. `./build.sh bench` runs a larger one.

use e2e::soak::run_soak;
use e2e::TestResult;

#[tokio::test]
async fn s6_a_thousand_changes_through_faults_and_crashes_arrive_once_in_order() -> TestResult {
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_125);
    let report = run_soak(1_000, seed).await?;
    println!("soak (seed {seed}): {report:?}");
    assert!(
        report.faults > 20 && report.owner_crashes > 2,
        "the schedule exercised faults and crashes: {report:?}"
    );
    assert_eq!(
        (report.lost, report.duplicated, report.reordered),
        (0, 0, 0),
        "{report:?}"
    );
    assert!(report.final_ok, "{report:?}");
    Ok(())
}
