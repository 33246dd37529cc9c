//! Guard: accessibility (issue 9). axe-core over every screen in `e2e::guard::a11y::SCREENS`, in
//! English and Spanish, with zero WCAG 2.1 A/AA violations; a keyboard-only walk of the adapter and
//! the options page; the status listbox by arrow keys; status changes spoken by a live region.

use std::time::Duration;

use e2e::guard::a11y::{self, Screen, SCREENS};
use e2e::kustomer_page::{kstatus, seed_mapping};
use e2e::{
    sandbox_config, wait_adapter_text, wait_for, Adapter, Browser, BrowserOptions, Sandbox,
    TestResult,
};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::{json, Value};

#[tokio::test]
async fn axe_finds_no_wcag21_aa_violation_on_any_screen_in_either_language() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let violations = a11y::audit_all(&sandbox).await?;
    let report: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        violations.is_empty(),
        "{} axe violation(s):\n{}",
        violations.len(),
        report.join("\n")
    );
    Ok(())
}

#[tokio::test]
async fn axe_is_able_to_fail() -> TestResult {
    // The audit is only worth something if it sees what it is pointed at: break the open adapter on
    // purpose (an unlabelled button, an unlabelled field) and expect axe to say so.
    let sandbox = Sandbox::start().await?;
    let screen: &Screen = &SCREENS[0];
    let browser = a11y::open(screen, &sandbox, "en-US").await?;
    browser
        .eval(
            "const panel = document.querySelector('#panel');
               const b = document.createElement('button'); b.id = 'broken'; panel.append(b);
               const i = document.createElement('input'); i.id = 'broken-input'; panel.append(i);",
        )
        .await?;
    let found: Vec<String> = a11y::run_axe(&browser)
        .await?
        .iter()
        .filter_map(|v| v["id"].as_str().map(String::from))
        .collect();
    assert!(
        found.contains(&"button-name".to_owned()),
        "axe found {found:?}"
    );
    assert!(found.contains(&"label".to_owned()), "axe found {found:?}");
    browser.close().await;
    Ok(())
}

/// Presses `key` on whatever has focus, as a keyboard does (WebDriver actions, no element).
async fn press(browser: &Browser, key: Key) -> TestResult {
    let k = char::from(key);
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    browser.client.perform_actions(keys).await?;
    Ok(())
}

/// Presses Tab from the focused element (or the start of the document) `n` times, recording what
/// gets focus and whether its focus is visible (a real outline from `:focus-visible`).
async fn tab_walk(browser: &Browser, n: usize) -> TestResult<Vec<Value>> {
    let mut seen = Vec::new();
    for _ in 0..n {
        press(browser, Key::Tab).await?;
        let v = browser
            .eval("const el = document.activeElement;
                   if (!el || el === document.body) return null;
                   const cs = getComputedStyle(el);
                   return { id: el.id || el.getAttribute('name') || el.tagName + ':' + el.textContent.trim().slice(0, 30),
                            visible: el.matches(':focus-visible') && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };")
            .await?;
        if v.is_null() || seen.contains(&v) {
            break;
        }
        seen.push(v);
    }
    Ok(seen)
}

/// Controls a keyboard user must be able to reach, in document order.
/// A radio group is one stop (its checked radio; arrows move within it), as browsers do.
const FOCUSABLE: &str = "return [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex=\"-1\"])')]
    .filter(el => !el.disabled && el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden')
    .filter(el => el.type !== 'radio' || !el.name || el.checked
        || !document.querySelector('input[type=radio][name=\"' + el.name + '\"]:checked') && document.querySelector('input[type=radio][name=\"' + el.name + '\"]') === el)
    .map(el => el.id || el.getAttribute('name') || el.tagName + ':' + el.textContent.trim().slice(0, 30));";

async fn assert_walk(browser: &Browser, what: &str) -> TestResult {
    let want: Vec<String> = serde_json::from_value(browser.eval(FOCUSABLE).await?)?;
    assert!(!want.is_empty(), "{what}: no controls found");
    // Start where a person arriving in the document starts: before its first control.
    browser
        .eval(
            "const s = document.createElement('span'); s.id = 'walk-start'; s.tabIndex = 0;
               document.body.prepend(s); s.focus();",
        )
        .await?;
    // Exactly one Tab per control: one more would leave the frame, and the frame would lose focus.
    let walk = tab_walk(browser, want.len()).await?;
    browser
        .eval("document.querySelector('#walk-start').remove()")
        .await?;
    let got: Vec<String> = walk
        .iter()
        .filter_map(|v| v["id"].as_str().map(String::from))
        .collect();
    assert_eq!(
        got, want,
        "{what}: Tab order should be every control in document order"
    );
    let invisible: Vec<&Value> = walk
        .iter()
        .filter(|v| v["visible"] != json!(true))
        .collect();
    assert!(
        invisible.is_empty(),
        "{what}: focus not visible on {invisible:?}"
    );
    Ok(())
}

async fn open_adapter(sandbox: &Sandbox, lang: &str) -> TestResult<Browser> {
    let browser = Browser::start(BrowserOptions {
        lang: lang.into(),
        ..BrowserOptions::default()
    })
    .await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser
        .configure_sync(sandbox, seed_mapping(), "OneWay", "LatestChangeWins")
        .await?;
    browser.client.goto(&sandbox.url("/")).await?;
    Adapter::enter(&browser)
        .await?
        .wait_statuses_loaded()
        .await?;
    browser.client.clone().enter_parent_frame().await?;
    Ok(browser)
}

#[tokio::test]
async fn keyboard_reaches_every_adapter_control_in_order_with_visible_focus() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_adapter(&sandbox, "en-US").await?;
    // The panel's controls depend on the tab's role, which settles after the statuses load: while
    // the tab is not the owner, "Use this tab" shows (CI once walked a panel that changed midway).
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    Adapter::enter(&browser).await?;
    assert_walk(&browser, "adapter, open").await?;
    // Minimised: the bar's two controls remain, nothing hidden is reachable.
    press(&browser, Key::Enter).await?;
    wait_for("the panel to hide", Duration::from_secs(3), || async {
        (browser
            .eval("return document.querySelector('#panel').hidden")
            .await
            .ok()?
            == json!(true))
        .then_some(())
    })
    .await?;
    assert_walk(&browser, "adapter, minimised").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn keyboard_reaches_every_options_control_in_order_with_visible_focus() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = e2e::options_page::open_options(&sandbox, json!({})).await?;
    assert_walk(&browser, "options page").await?;
    // Words only for screen readers (e.g. the "Actions" column header) take no room on screen.
    let shown = browser
        .eval("return [...document.querySelectorAll('.visually-hidden')].filter(el => el.getBoundingClientRect().width > 1).map(el => el.textContent)")
        .await?;
    assert_eq!(shown, json!([]), "visually hidden text is shown");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn status_list_is_a_listbox_driven_by_arrows_and_escape_closes_it() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_adapter(&sandbox, "en-US").await?;
    let adapter = Adapter::enter(&browser).await?;
    let roles = adapter
        .eval("const b = document.querySelector('#status-button'), l = document.querySelector('#status-list');
               return { haspopup: b.getAttribute('aria-haspopup'), controls: b.getAttribute('aria-controls'), role: l.getAttribute('role'),
                        label: l.getAttribute('aria-label'), options: l.querySelectorAll('[role=option]').length,
                        selected: l.querySelectorAll('[role=option][aria-selected=true]').length };")
        .await?;
    assert_eq!(roles["haspopup"], "listbox", "{roles}");
    assert_eq!(roles["controls"], "status-list", "{roles}");
    assert_eq!(roles["role"], "listbox", "{roles}");
    assert!(
        roles["label"].as_str().is_some_and(|l| !l.is_empty()),
        "{roles}"
    );
    assert_eq!(
        roles["selected"], 1,
        "exactly the current status is selected: {roles}"
    );
    let active = || async {
        adapter
            .eval("const l = document.querySelector('#status-list'); const id = l.getAttribute('aria-activedescendant');
                   return document.activeElement === l && document.getElementById(id) ? id : null")
            .await
    };
    adapter.press("#status-button", Key::Down).await?;
    let first = wait_for(
        "the listbox to open with focus",
        Duration::from_secs(3),
        || async { active().await.ok()?.as_str().map(String::from) },
    )
    .await?;
    adapter.press("#status-list", Key::Down).await?;
    let second = active().await?;
    assert_ne!(json!(first), second, "ArrowDown moves the active option");
    adapter.press("#status-list", Key::Up).await?;
    assert_eq!(json!(first), active().await?, "ArrowUp moves it back");
    adapter.press("#status-list", Key::End).await?;
    let last = adapter
        .eval("return [...document.querySelectorAll('#status-list [role=option]')].pop().id")
        .await?;
    assert_eq!(active().await?, last, "End goes to the last option");
    adapter.press("#status-list", Key::Home).await?;
    assert_eq!(
        active().await?,
        json!("status-option-0"),
        "Home goes to the first"
    );
    adapter.press("#status-list", Key::Escape).await?;
    wait_for("Escape to close the list and return focus", Duration::from_secs(3), || async {
        let v = adapter
            .eval("return document.querySelector('#status-list').hidden && document.activeElement.id === 'status-button'
                   && document.querySelector('#status-button').getAttribute('aria-expanded') === 'false'")
            .await
            .ok()?;
        (v == json!(true)).then_some(())
    })
    .await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn status_changes_are_spoken_by_a_live_region_even_when_minimised() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_adapter(&sandbox, "en-US").await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.press("#panel-toggle", Key::Enter).await?;
    let live = adapter
        .eval("const a = document.querySelector('#announcer'); return a && !a.closest('[hidden]') && (a.getAttribute('aria-live') || a.getAttribute('role'))")
        .await?;
    assert!(
        live.as_str().is_some(),
        "a live region outside the panel: {live}"
    );
    adapter.leave().await?;
    // A change made on Kustomer's side reaches CCAI and is spoken in the adapter.
    wait_for(
        "this tab to own the status",
        Duration::from_secs(8),
        || async {
            let a = Adapter::enter(&browser).await.ok()?;
            let owner = a
                .eval("return document.querySelector('#owner-text').textContent")
                .await
                .ok()?;
            a.leave().await.ok()?;
            owner.as_str()?.contains("This tab").then_some(())
        },
    )
    .await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "CCAI Special Task after Kustomer Lunch")
        .await?;
    let spoken = wait_for("the announcement", Duration::from_secs(5), || async {
        announced(&browser)
            .await
            .filter(|t| t.contains("Special Task"))
    })
    .await?;
    assert!(spoken.contains("Special Task"), "{spoken}");
    browser.close().await;
    Ok(())
}

/// The adapter's live region's words, read from the page.
async fn announced(browser: &Browser) -> Option<String> {
    let a = Adapter::enter(browser).await.ok()?;
    let text = a
        .eval("const a = document.querySelector('#announcer'); return a && !a.closest('[hidden]') ? a.textContent : null")
        .await
        .ok();
    a.leave().await.ok()?;
    text?.as_str().map(String::from)
}

#[tokio::test]
async fn call_changes_are_spoken_by_a_live_region_even_when_minimised() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_adapter(&sandbox, "en-US").await?;
    wait_for(
        "this tab to own the status",
        Duration::from_secs(8),
        || async {
            let a = Adapter::enter(&browser).await.ok()?;
            let owner = a
                .eval("return document.querySelector('#owner-text').textContent")
                .await
                .ok()?;
            a.leave().await.ok()?;
            owner.as_str()?.contains("This tab").then_some(())
        },
    )
    .await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.press("#panel-toggle", Key::Enter).await?;
    adapter.leave().await?;
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+14155550132" }),
        )
        .await?;
    let id = call["id"].as_i64().ok_or("an incoming call")?;
    wait_for(
        "the ringing call spoken",
        Duration::from_secs(8),
        || async { announced(&browser).await.filter(|t| t.contains("Ringing")) },
    )
    .await?;
    // The agent answers in CCAI's own adapter (A16): the pushed state is spoken.
    sandbox
        .control(&format!("/sandbox/ccai/calls/{id}/answer"), json!({}))
        .await?;
    wait_for(
        "the answered call spoken",
        Duration::from_secs(8),
        || async {
            announced(&browser)
                .await
                .filter(|t| t.contains("Connected"))
        },
    )
    .await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn the_adapter_speaks_spanish_in_a_spanish_browser() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_adapter(&sandbox, "es").await?;
    let adapter = Adapter::enter(&browser).await?;
    assert_eq!(a11y::document_lang(&browser).await?, "es");
    let toggle = adapter.attr("#panel-toggle", "aria-label").await?;
    assert_eq!(toggle.as_deref(), Some("Minimizar el panel del softphone"));
    let label = adapter.attr("#status-list", "aria-label").await?;
    assert_eq!(label.as_deref(), Some("Estados de CCAI"));
    // Every word the adapter shows in both languages: read from the page, compared with `_locales/es`.
    let es = e2e::guard::locales::load("es")?;
    let en = e2e::guard::locales::load("en")?;
    let shown = adapter
        .eval(
            "return { panelTitle: document.querySelector('#panel-title').textContent,
                        callButton: document.querySelector('#call-button').textContent,
                        phone: document.querySelector('#dial-input').getAttribute('aria-label'),
                        owner: document.querySelector('#owner-text').textContent }",
        )
        .await?;
    for (css, key) in [
        ("panelTitle", "extShortName"),
        ("callButton", "callButton"),
        ("phone", "phoneNumberLabel"),
    ] {
        let want = &es.get(key).ok_or(key)?.0;
        assert_eq!(shown[css].as_str(), Some(want.as_str()), "{key} in Spanish");
    }
    let owner = shown["owner"].as_str().unwrap_or_default();
    let (en_owner, es_owner) = (&en["ownerThisTab"].0, &es["ownerThisTab"].0);
    assert!(
        owner.is_empty() || owner == es_owner,
        "owner line {owner:?} in Spanish ({es_owner:?}, not {en_owner:?})"
    );
    browser.close().await;
    Ok(())
}
