//! Guard: no vendor credential in the browser (issue 16), nor the agent's Kustomer tokens. After an
//! agent signs in and changes status, and the admin's "Test connection" has the server use both
//! credentials, none is on the options page, in any extension storage area or in any file of the built
//! extension; nor does a sandbox build's `sandbox-defaults.json` carry them; nor does any message an
//! adapter sends or receives (`e2e::guard::messages`).

use e2e::guard::{messages, secrets};
use e2e::{Sandbox, TestResult};

#[tokio::test]
async fn no_vendor_credential_in_extension_storage_or_files_after_sign_in_and_a_status_change(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let scan = secrets::browser_secrets(&sandbox).await?;
    assert!(scan.places > 5, "searched only {} places", scan.places);
    assert!(
        scan.found.is_empty(),
        "vendor credentials in the browser:\n{}",
        scan.found.join("\n")
    );
    Ok(())
}

#[tokio::test]
async fn no_vendor_credential_or_kustomer_token_in_any_message_the_adapter_sends_or_receives(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let scan = messages::message_secrets(&sandbox).await?;
    assert!(scan.places > 20, "searched only {} messages", scan.places);
    assert!(
        scan.found.is_empty(),
        "secrets in the adapter's messages:\n{}",
        scan.found.join("\n")
    );
    Ok(())
}

#[test]
fn a_sandbox_build_ships_no_vendor_credential() {
    let found = secrets::build_script_secrets();
    assert!(found.is_empty(), "{}", found.join("\n"));
}
