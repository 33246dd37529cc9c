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

/// Issue 16: the extension talks only to the company server. No host permission and no CSP source
/// names a vendor's API.
#[test]
fn no_vendor_api_host_is_named() {
    let named = manifest::vendor_hosts_named();
    assert!(named.is_empty(), "{}", named.join("\n"));
}
