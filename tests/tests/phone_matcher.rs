//! Click-to-call finds numbers the way libphonenumber's matcher does (issue 17, SPEC C1, C2): in
//! message text, as customers write it, a control goes on each number the library finds (with the
//! default countries, Spain then the US) and on nothing else; the extension written is the one
//! named and dialled.

use std::time::Duration;

use e2e::phones::{control_labels, text_with_controls, wait_labels};
use e2e::{
    click_in_adapter, sandbox_config, wait_adapter_text, wait_for, Adapter, Browser,
    BrowserOptions, Sandbox, TestResult,
};
use fantoccini::Locator;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

/// The agent's page in `lang`, once the frame has answered about the seeded numbers.
async fn agent_page(sandbox: &Sandbox, lang: &str) -> TestResult<Browser> {
    let browser = Browser::start(BrowserOptions {
        lang: lang.into(),
        ..BrowserOptions::default()
    })
    .await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    wait_for("the first controls", WAIT, || async {
        let v = browser
            .eval("return !!document.querySelector('main') && document.querySelectorAll('[data-ccai-phone]').length > 0")
            .await
            .ok()?;
        (v == json!(true)).then_some(())
    })
    .await?;
    Ok(browser)
}

/// Adds a message `#id` reading `text` to the conversation, as Kustomer renders one.
async fn add_message(browser: &Browser, id: &str, text: &str) -> TestResult {
    browser
        .eval(&format!(
            "const m = document.createElement('p'); m.setAttribute('data-kt', 'message'); m.id = {}; m.textContent = {}; document.querySelector('main').appendChild(m);",
            json!(id),
            json!(text)
        ))
        .await?;
    Ok(())
}

/// Full-width "+34 612 34 56 78", as a Japanese or Chinese keyboard writes it.
const FULL_WIDTH: &str = "\u{FF0B}\u{FF13}\u{FF14}\u{3000}\u{FF16}\u{FF11}\u{FF12}\u{3000}\u{FF13}\u{FF14}\u{3000}\u{FF15}\u{FF16}\u{3000}\u{FF17}\u{FF18}";

#[tokio::test]
async fn c1_only_numbers_the_library_finds_get_a_control() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "en-US").await?;
    let rows: [(&str, String, &[&str]); 8] = [
        ("date", "Delivered 2012-01-02 08:00, see you".into(), &[]),
        ("time", "Opened 2014-04-12 04:04 PM".into(), &[]),
        ("price", "That is $415-666-7777 too much".into(), &[]),
        (
            "zip",
            "My address is CA 34215 - 415-666-7777 is my number.".into(),
            &["Call +1 415-666-7777"],
        ),
        (
            "side-by-side",
            "Call 650-253-4561 -- 212-443-1223 today".into(),
            &["Call +1 650-253-4561", "Call +1 212-443-1223"],
        ),
        (
            "full-width",
            format!("Tel. {FULL_WIDTH}."),
            &["Call +34 612 34 56 78"],
        ),
        (
            "extension-es",
            "Llámame al 612 345 678 extensión 1234, gracias".into(),
            &["Call +34 612 34 56 78, extension 1234"],
        ),
        (
            "extension-7",
            "Support: (800) 901-3355 ext: 7246433".into(),
            &["Call +1 800-901-3355, extension 7246433"],
        ),
    ];
    for (id, text, _) in &rows {
        add_message(&browser, id, text).await?;
    }
    // Every row as the library finds it; else, after 10 s, each row that is not, as seen.
    let wrong = || async {
        let mut wrong = Vec::new();
        for (id, text, want) in &rows {
            let seen = control_labels(&browser, &format!("#{id}")).await?;
            if seen != *want {
                wrong.push(format!("{id} {text:?}: want {want:?}, seen {seen:?}"));
            }
        }
        TestResult::Ok(wrong)
    };
    let _ = wait_for("every row's controls", WAIT, || async {
        wrong().await.ok()?.is_empty().then_some(())
    })
    .await;
    let wrong = wrong().await?;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // What the agent reads: the words unchanged, each control right after its whole number.
    assert_eq!(
        text_with_controls(&browser, "side-by-side").await?,
        "Call 650-253-4561[Call +1 650-253-4561] -- 212-443-1223[Call +1 212-443-1223] today"
    );
    assert_eq!(
        text_with_controls(&browser, "extension-es").await?,
        "Llámame al 612 345 678 extensión 1234[Call +34 612 34 56 78, extension 1234], gracias"
    );
    assert_eq!(
        text_with_controls(&browser, "full-width").await?,
        format!("Tel. {FULL_WIDTH}[Call +34 612 34 56 78].")
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c1_a_seven_digit_extension_is_kept_whole() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "en-US").await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    add_message(&browser, "ext7", "Support: (800) 901-3355 ext: 7246433").await?;
    wait_labels(
        &browser,
        "#ext7",
        &["Call +1 800-901-3355, extension 7246433"],
    )
    .await?;
    browser
        .client
        .find(Locator::Css("#ext7 [data-ccai-phone]"))
        .await?
        .click()
        .await?;
    let adapter = Adapter::enter(&browser).await?;
    let dial = adapter
        .eval("return document.getElementById('dial-input').value")
        .await;
    adapter.leave().await?;
    assert_eq!(dial?, json!("+1 800-901-3355 ext. 7246433"));
    click_in_adapter(&browser, "#call-button").await?;
    let call = e2e::phones::wait_ccai_call(&sandbox).await?;
    assert_eq!(call["end_user"]["identifier"], json!("+18009013355"));
    // CCAI's outbound call takes no extension (A13): the agent is told all seven digits, as written,
    // to key in CCAI's adapter.
    wait_adapter_text(&browser, "#call-extension", "7246433").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c1_the_extension_is_named_in_spanish() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "es").await?;
    add_message(
        &browser,
        "es",
        "Llámame al 612 345 678 extensión 1234 o al (800) 901-3355 ext: 7246433",
    )
    .await?;
    wait_labels(
        &browser,
        "#es",
        &[
            "Llamar al +34 612 34 56 78, extensión 1234",
            "Llamar al +1 800-901-3355, extensión 7246433",
        ],
    )
    .await?;
    browser.close().await;
    Ok(())
}
