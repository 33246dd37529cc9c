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
async fn c_the_page_cannot_place_a_call_through_the_phone_controls() -> TestResult {
    let sandbox = Sandbox::start().await?;
    assert_none_succeeded(&hostile::phone_controls(&sandbox).await?);
    Ok(())
}

#[tokio::test]
async fn d_the_adapter_cannot_be_embedded_by_another_origin() -> TestResult {
    let sandbox = Sandbox::start().await?;
    assert_none_succeeded(&hostile::embed_frame(&sandbox).await?);
    Ok(())
}

#[test]
fn no_code_of_ours_parses_strings_as_html_or_script() {
    // The browser tests above prove today's paths; this keeps tomorrow's from adding an HTML sink.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sinks: &[(&str, &[&str])] = &[
        (
            "extension",
            &[
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
                "createContextualFragment",
                "srcdoc",
            ],
        ),
        (
            "src",
            &[
                "inner_html",
                "outer_html",
                "insert_adjacent_html",
                "create_contextual_fragment",
                "srcdoc",
                "js_sys::eval",
                "js_sys::Function::new",
            ],
        ),
    ];
    let mut found = Vec::new();
    for (dir, words) in sinks {
        let mut stack = vec![root.join(dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                    stack.push(entry.path());
                }
                continue;
            }
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            if !matches!(ext, "js" | "rs" | "html") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for word in *words {
                if text.contains(word) {
                    found.push(format!("{}: {word}", path.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "HTML/script sinks:\n{}", found.join("\n"));
}
