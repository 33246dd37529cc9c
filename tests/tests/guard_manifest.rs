//! Guard: least privilege (issue 9). The manifest asks only for allow-listed permissions and hosts,
//! each with a reason here and a line in the README; extension pages carry a strict CSP.

use e2e::guard::manifest;

#[test]
fn manifest_asks_only_for_allow_listed_permissions_with_a_readme_line_each() {
    let problems = manifest::check();
    assert!(
        problems.is_empty(),
        "least privilege:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_allow_listed_entry_has_a_reason() {
    for (name, why) in manifest::PERMISSIONS.iter().chain(manifest::HOSTS) {
        assert!(why.len() > 10, "{name} has no real reason: {why:?}");
    }
}
