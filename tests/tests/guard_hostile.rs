//! Guard: a hostile page (issue 9). The sandbox page's own scripts forge messages, hunt for
//! credentials, inject markup through what the page shows, and embed the adapter from elsewhere.
//! Every attempt is listed with its outcome; none may succeed.

use e2e::guard::hostile::{self, assert_none_succeeded};
use e2e::{Sandbox, TestResult};

#[tokio::test]
async fn a_forged_messages_change_nothing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    assert_none_succeeded(&hostile::forged_messages(&sandbox).await?);
    Ok(())
}

#[tokio::test]
async fn b_no_credential_is_reachable_from_the_page() -> TestResult {
    let sandbox = Sandbox::start().await?;
    assert_none_succeeded(&hostile::read_credentials(&sandbox).await?);
    Ok(())
}

#[tokio::test]
async fn c_markup_in_names_notes_and_phones_stays_text() -> TestResult {
    let sandbox = Sandbox::start().await?;
    assert_none_succeeded(&hostile::inject_markup(&sandbox).await?);
    Ok(())
}

#[tokio::test]
async fn d_the_adapter_cannot_be_embedded_by_another_origin() -> TestResult {
    let sandbox = Sandbox::start().await?;
    assert_none_succeeded(&hostile::embed_frame(&sandbox).await?);
    Ok(())
}
