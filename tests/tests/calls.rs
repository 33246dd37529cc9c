//! Click-to-call and the softphone end to end (issues 6, 16): phone controls on the page, the dialer,
//! the call placed through the company server (CCAI's outbound call, A13) and its state as the server
//! pushes it from CCAI's session events (A20), the conversation the server's record rules chose opened
//! in the owner tab (A3), CCAI's own adapter for what no API offers (A16), minimise during a call.
//! Named by SPEC id (C1–C3, A2, A3).

use std::time::Duration;

use e2e::phones::{ccai_calls, control_labels, far_end, wait_ccai_call, wait_labels};
use e2e::{
    click_in_adapter, sandbox_config, wait_for, Adapter, Browser, BrowserOptions, Sandbox,
    TestResult,
};
use fantoccini::Locator;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

async fn agent_page(sandbox: &Sandbox) -> TestResult<Browser> {
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    Ok(browser)
}

/// Opens the `n`th conversation of the list, as an agent clicks it, and waits for its customer panel.
async fn open_conversation(browser: &Browser, n: usize) -> TestResult<String> {
    let links = browser
        .client
        .find_all(Locator::Css("[data-kt=conversation-list] a"))
        .await?;
    let link = links.get(n).ok_or("no such conversation")?;
    let id = link
        .attr("data-conversation-id")
        .await?
        .ok_or("no conversation id")?;
    // The list's lower items sit behind the adapter in a short window: click as the page's own
    // handler sees it (pushState navigation). Clicking the conversation already shown would re-render
    // it later, racing the test's own changes: then there is nothing to click.
    browser
        .eval(&format!("if (location.pathname !== '/app/conversations/{id}') document.querySelector('[data-kt=conversation-list] a[data-conversation-id=\"{id}\"]').click()"))
        .await?;
    wait_for("the conversation's panel", WAIT, || async {
        let v = browser
            .eval(&format!("return !!document.querySelector('main[data-conversation-id=\"{id}\"]') && !!document.querySelector('aside[data-customer-id] [data-kt=customer-phone]')"))
            .await
            .ok()?;
        (v == json!(true)).then_some(())
    })
    .await?;
    Ok(id)
}

async fn frame_text(browser: &Browser, css: &str) -> TestResult<String> {
    let adapter = Adapter::enter(browser).await?;
    let text = adapter.eval(&format!("const e = document.querySelector('{css}'); return e ? (e.hidden ? '' : e.textContent) : ''")).await;
    adapter.leave().await?;
    Ok(text?.as_str().unwrap_or_default().to_owned())
}

async fn wait_frame_text(browser: &Browser, css: &str, needle: &str) -> TestResult<String> {
    wait_for(&format!("{css} to say {needle:?}"), WAIT, || async {
        let text = frame_text(browser, css).await.ok()?;
        text.contains(needle).then_some(text)
    })
    .await
}

async fn type_number(browser: &Browser, text: &str) -> TestResult {
    let adapter = Adapter::enter(browser).await?;
    let input = browser.client.find(Locator::Css("#dial-input")).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    adapter.leave().await?;
    Ok(())
}

/// Saves the company's settings on the server beside the sandbox, as an admin would (every agent's
/// adapter gets them pushed).
async fn company_settings(
    sandbox: &Sandbox,
    change: impl Fn(&mut ccai_core::settings::SyncSettings),
) -> TestResult {
    let server = sandbox
        .company
        .server
        .as_ref()
        .ok_or("the company server is not running")?;
    server::settings::update(&server.state, "agent@example.com", change)
        .await
        .map_err(|e| format!("settings refused: {e:?}"))?;
    Ok(())
}

/// The conversation the server's record rules chose for CCAI session `session`, once they have.
async fn chosen_conversation(sandbox: &Sandbox, session: &str) -> TestResult<String> {
    wait_for("the record rules' conversation", WAIT, || async {
        let server = sandbox.company.server.as_ref()?;
        server.state.0.store.records_binding(session).ok()?
    })
    .await
}

async fn page_path(browser: &Browser) -> TestResult<String> {
    Ok(browser
        .eval("return location.pathname")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// No invented control is left in the panel: CCAI offers no API for them (A16).
async fn no_call_controls(browser: &Browser) -> TestResult {
    let adapter = Adapter::enter(browser).await?;
    let found = adapter
        .eval("return ['#hold', '#mute', '#hangup', '#keypad', '#transfer-button', '#answer', '#decline', '#chats'].filter(s => document.querySelector(s))")
        .await;
    adapter.leave().await?;
    assert_eq!(
        found?,
        json!([]),
        "no control that would fail against a real tenant"
    );
    Ok(())
}

#[tokio::test]
async fn c1_every_phone_format_gets_the_right_control() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    let aside = "aside[data-kt=customer-panel]";
    // The seeds, in list order: each customer is on their own conversation.
    let table: [&[&str]; 8] = [
        &["Call +34 612 34 56 78"],                // international, spaces
        &["Call +34 612 34 56 78"],                // national (Spain, the default country)
        &["Call +1 415-555-0132"],                 // national (US), parentheses and dash
        &["Call +1 415-555-0199"],                 // international with dots
        &["Call +44 20 7946 0958, extension 123"], // extension kept, named
        &["Call +34 612 34 56 79"],                // 00 prefix and dashes
        &["Call +49 30 901820"],                   // parentheses inside
        &[],                                       // "2024-11-25-0001": not a number
    ];
    for (n, want) in table.iter().enumerate() {
        open_conversation(&browser, n).await?;
        wait_labels(&browser, aside, want).await?;
        if want.is_empty() {
            // Give the frame time to answer: still nothing.
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert!(control_labels(&browser, aside).await?.is_empty());
        }
    }
    // A number in a message gets its control too (María's conversation).
    open_conversation(&browser, 0).await?;
    wait_labels(&browser, "[data-kt=message]", &["Call +34 655 44 33 22"]).await?;
    // Keyboard: the control is a real button in the tab order.
    let focused = browser
        .eval("const b = document.querySelector('aside [data-ccai-phone]'); b.focus(); return document.activeElement === b && b.tagName")
        .await?;
    assert_eq!(focused, json!("BUTTON"));
    // It is styled as ours (a blue outlined ☎, set through the CSSOM under the page's strict CSP),
    // and shows its focus.
    let look = browser
        .eval("const b = document.querySelector('aside [data-ccai-phone]'); const s = getComputedStyle(b); return [b.textContent, s.borderTopColor, s.borderTopStyle, s.display, s.outlineStyle]")
        .await?;
    assert_eq!(
        look,
        json!([
            "\u{260E}",
            "rgb(11, 87, 208)",
            "solid",
            "inline-block",
            "solid"
        ])
    );
    browser.screenshot("c1_phone_controls").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c1_a_number_added_after_load_gets_its_control_and_leaves_nothing_when_removed(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    open_conversation(&browser, 0).await?;
    let aside = "aside[data-kt=customer-panel]";
    wait_labels(&browser, aside, &["Call +34 612 34 56 78"]).await?;
    // A lazy panel adds a number.
    browser
        .eval("const s = document.createElement('span'); s.setAttribute('data-kt', 'customer-phone'); s.id = 'late'; s.textContent = '+34 699 11 22 33'; document.querySelector('aside .contacts').appendChild(s);")
        .await?;
    wait_labels(
        &browser,
        aside,
        &["Call +34 612 34 56 78", "Call +34 699 11 22 33"],
    )
    .await?;
    // An edit changes the control.
    browser
        .eval("document.getElementById('late').firstChild.data = '+1 415 555 0100';")
        .await?;
    wait_labels(
        &browser,
        aside,
        &["Call +34 612 34 56 78", "Call +1 415-555-0100"],
    )
    .await?;
    // Removed: nothing is left behind.
    browser
        .eval("document.getElementById('late').remove();")
        .await?;
    wait_labels(&browser, aside, &["Call +34 612 34 56 78"]).await?;
    // SPA navigation re-renders the panel: the new customer's number gets its control.
    open_conversation(&browser, 2).await?;
    wait_labels(&browser, aside, &["Call +1 415-555-0132"]).await?;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('[data-ccai-phone]').length")
            .await?,
        json!(1 + control_labels(&browser, "[data-kt=message]").await?.len()),
        "no control outlives its number"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c1_two_numbers_in_one_message_text_each_get_a_control_right_after_them() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    open_conversation(&browser, 0).await?;
    browser
        .eval("const m = document.createElement('p'); m.setAttribute('data-kt', 'message'); m.id = 'two'; m.textContent = 'Call me on +34 612 34 56 78 or at (415) 555-0100, not 2024-11-25-0001. Thanks'; document.querySelector('main').appendChild(m);")
        .await?;
    wait_labels(
        &browser,
        "#two",
        &["Call +34 612 34 56 78", "Call +1 415-555-0100"],
    )
    .await?;
    // What the agent reads: the message's words unchanged, each control right after its number.
    let seen = browser
        .eval("return [...document.getElementById('two').childNodes].map(n => n.nodeType === 3 ? n.data : '[' + n.getAttribute('aria-label') + ']').join('')")
        .await?;
    assert_eq!(
        seen,
        json!("Call me on +34 612 34 56 78[Call +34 612 34 56 78] or at (415) 555-0100[Call +1 415-555-0100], not 2024-11-25-0001. Thanks")
    );
    // The page drops the text holding the first number: its control goes, the other stays.
    browser
        .eval("document.getElementById('two').firstChild.remove();")
        .await?;
    wait_labels(&browser, "#two", &["Call +1 415-555-0100"]).await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c1_a_message_text_edited_in_place_is_asked_about_again() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    open_conversation(&browser, 0).await?;
    browser
        .eval("const m = document.createElement('p'); m.setAttribute('data-kt', 'message'); m.id = 'edited'; m.textContent = 'Reach me at +34 612 34 56 78'; document.querySelector('main').appendChild(m);")
        .await?;
    wait_labels(&browser, "#edited", &["Call +34 612 34 56 78"]).await?;
    // A framework updates a text in place (React sets the text node's value): the old control goes,
    // the new number gets its own, right after it.
    browser
        .eval("document.getElementById('edited').firstChild.data = 'New number: +34 699 11 22 33';")
        .await?;
    wait_labels(&browser, "#edited", &["Call +34 699 11 22 33"]).await?;
    let seen = browser
        .eval("return [...document.getElementById('edited').childNodes].map(n => n.nodeType === 3 ? n.data : '[' + n.getAttribute('aria-label') + ']').join('')")
        .await?;
    assert_eq!(
        seen,
        json!("New number: +34 699 11 22 33[Call +34 699 11 22 33]")
    );
    // Edited to no number: no control is left.
    browser
        .eval("document.getElementById('edited').firstChild.data = 'Call me tomorrow';")
        .await?;
    wait_labels(&browser, "#edited", &[]).await?;
    // A text with two numbers was split after each; the page, holding only its first node, sets the
    // whole text anew: the agent reads exactly the new text, none of the old.
    browser
        .eval("const m = document.createElement('p'); m.setAttribute('data-kt', 'message'); m.id = 'two-edited'; m.textContent = 'A +34 612 34 56 78 or (415) 555-0100 ok'; document.querySelector('main').appendChild(m); window.twoEdited = m.firstChild;")
        .await?;
    wait_labels(
        &browser,
        "#two-edited",
        &["Call +34 612 34 56 78", "Call +1 415-555-0100"],
    )
    .await?;
    browser
        .eval("window.twoEdited.data = 'Only +34 699 11 22 33 now';")
        .await?;
    wait_labels(&browser, "#two-edited", &["Call +34 699 11 22 33"]).await?;
    let seen = browser
        .eval("return [...document.getElementById('two-edited').childNodes].map(n => n.nodeType === 3 ? n.data : '[' + n.getAttribute('aria-label') + ']').join('')")
        .await?;
    assert_eq!(
        seen,
        json!("Only +34 699 11 22 33[Call +34 699 11 22 33] now")
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c3_click_to_call_goes_through_the_server_and_shows_the_pushed_call_with_its_timer(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    company_settings(&sandbox, |s| {
        s.ccai_adapter_url = "https://acme.uc1.ccaiplatform.example/agent".into()
    })
    .await?;
    let browser = agent_page(&sandbox).await?;
    let conversation = open_conversation(&browser, 0).await?;
    // Signed in to the company server (the tab's term has started).
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    wait_labels(&browser, "aside", &["Call +34 612 34 56 78"]).await?;
    let no_tooltip_yet = browser
        .eval("return document.querySelector('aside [data-ccai-phone]').title")
        .await?;
    browser
        .client
        .find(Locator::Css("aside [data-ccai-phone]"))
        .await?
        .click()
        .await?;
    // The pointer went over the control: its tooltip repeats the accessible name.
    let tooltip = browser
        .eval("return document.querySelector('aside [data-ccai-phone]').title")
        .await?;
    assert_eq!(
        [no_tooltip_yet, tooltip],
        [json!(""), json!("Call +34 612 34 56 78")]
    );
    // C1: the number is in the dialer and Call has the focus; the agent presses Call.
    let adapter = Adapter::enter(&browser).await?;
    wait_for("the dialer filled and Call focused", WAIT, || async {
        let v = adapter
            .eval("return [document.getElementById('dial-input').value, document.activeElement && document.activeElement.id]")
            .await
            .ok()?;
        (v == json!(["+34 612 34 56 78", "call-button"])).then_some(())
    })
    .await?;
    browser
        .client
        .find(Locator::Css("#call-button"))
        .await?
        .click()
        .await?;
    adapter.leave().await?;
    // C3: CCAI's documented outbound call, placed by the server as this agent, E.164.
    let call = match wait_ccai_call(&sandbox).await {
        Ok(c) => c,
        Err(e) => {
            let shown = frame_text(&browser, "#softphone").await?;
            return Err(format!("{e}; the panel says {shown:?}").into());
        }
    };
    let id = call["id"].as_i64().ok_or("call id")?;
    assert_eq!(call["end_user"]["identifier"], json!("+34612345678"));
    assert_eq!(call["call_type"], json!("Voice Outbound (API)"));
    // The state shown is the one pushed: ringing (A20 Assigned), connected (Active) with its timer.
    wait_frame_text(&browser, "#call-status", "Ringing").await?;
    no_call_controls(&browser).await?;
    // What CCAI offers no API for is done in CCAI's adapter: said, and linked.
    let adapter = Adapter::enter(&browser).await?;
    let handoff = adapter
        .eval("const a = document.getElementById('open-ccai-adapter'); return [document.getElementById('in-ccai-text').textContent, a.href, a.target, a.rel, a.hidden]")
        .await;
    adapter.leave().await?;
    let handoff = handoff?;
    assert!(
        handoff[0].as_str().unwrap_or_default().contains("CCAI"),
        "{handoff}"
    );
    assert_eq!(
        handoff
            .as_array()
            .map(|a| a[1..].to_vec())
            .unwrap_or_default(),
        [
            json!("https://acme.uc1.ccaiplatform.example/agent"),
            json!("_blank"),
            json!("noopener noreferrer"),
            json!(false)
        ]
    );
    far_end(&sandbox, id, "answer").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    wait_frame_text(&browser, "#call-timer", "00:01").await?;
    // A3 for the placed call: the page shows the conversation the server's record rules chose (R3,
    // R7: María's own when it is open, else a new one for her).
    let chosen = chosen_conversation(&sandbox, &id.to_string()).await?;
    wait_for("the screen pop", WAIT, || async {
        let p = page_path(&browser).await.ok()?;
        p.ends_with(&chosen).then_some(())
    })
    .await?;
    eprintln!("placed from conversation {conversation}; the rules chose {chosen}");
    far_end(&sandbox, id, "hangup").await?;
    let ended = wait_frame_text(&browser, "#call-ended", "Call ended (00:0").await?;
    assert!(ended.contains("(00:0"), "{ended}");
    // The dialer is back for the next call.
    wait_for("the dialer back", WAIT, || async {
        let t = frame_text(&browser, "#dialer").await.ok()?;
        t.contains("Call").then_some(())
    })
    .await?;
    assert_eq!(ccai_calls(&sandbox).await?.len(), 1, "one call");
    browser.screenshot("c3_after_call").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c2_an_extension_is_not_dialled_by_ccai_and_the_agent_is_told_to_key_it() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    type_number(&browser, "+44 20 7946 0958 x123").await?;
    click_in_adapter(&browser, "#call-button").await?;
    let call = wait_ccai_call(&sandbox).await?;
    assert_eq!(call["end_user"]["identifier"], json!("+442079460958"));
    wait_frame_text(&browser, "#call-extension", "123").await?;
    let id = call["id"].as_i64().ok_or("id")?;
    far_end(&sandbox, id, "answer").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    assert!(frame_text(&browser, "#call-extension")
        .await?
        .contains("123"));
    far_end(&sandbox, id, "hangup").await?;
    wait_frame_text(&browser, "#call-ended", "Call ended").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c2_an_invalid_number_is_refused_with_a_message() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    type_number(&browser, "2024-11-25-0001").await?;
    click_in_adapter(&browser, "#call-button").await?;
    let msg = wait_frame_text(&browser, "#call-message", "2024-11-25-0001").await?;
    assert!(msg.contains("not a phone number"), "{msg}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(ccai_calls(&sandbox).await?.is_empty(), "never a call");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c3_a_call_ccai_refuses_is_said_in_its_words_and_the_dialer_stays() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    // CCAI's own refusal (A13): the agent is Offline in CCAI.
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            json!({ "status_id": -10 }),
        )
        .await?;
    type_number(&browser, "612 345 678").await?;
    click_in_adapter(&browser, "#call-button").await?;
    let msg = wait_frame_text(&browser, "#call-message", "not available").await?;
    assert!(msg.contains("could not be placed"), "{msg}");
    wait_for("the dialer back", WAIT, || async {
        let t = frame_text(&browser, "#dialer").await.ok()?;
        t.contains("Call").then_some(())
    })
    .await?;
    assert!(ccai_calls(&sandbox).await?.is_empty(), "never a call");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a3_the_pushed_ring_shows_and_the_conversation_the_server_chose_opens() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    open_conversation(&browser, 0).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    // Olivia Chen calls; CCAI routes her to the agent (A20 Start, Routing, Assigned).
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+14155550132" }),
        )
        .await?;
    let id = call["id"].as_i64().ok_or("id")?;
    // The pushed ring shows in the adapter.
    wait_frame_text(&browser, "#call-status", "Ringing").await?;
    // A3: the page opens the conversation the server's record rules chose, through its own navigation.
    let conversation = chosen_conversation(&sandbox, &id.to_string()).await?;
    wait_for("the screen pop", WAIT, || async {
        let v = browser
            .eval("return location.pathname + '|' + (document.querySelector('main[data-kt=conversation-view]')||{}).getAttribute?.('data-conversation-id')")
            .await
            .ok()?;
        (v == json!(format!("/app/conversations/{conversation}|{conversation}"))).then_some(())
    })
    .await?;
    no_call_controls(&browser).await?;
    // The agent answers in CCAI's adapter; the panel follows what CCAI says.
    far_end(&sandbox, id, "answer").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    far_end(&sandbox, id, "hangup").await?;
    wait_frame_text(&browser, "#call-ended", "Call ended").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s6_a_pushed_call_shows_in_every_tab_and_opens_its_conversation_only_in_the_owner_tab(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    let owner = browser.client.window().await?;
    let tab = browser.open_agent_tab(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "Another Kustomer tab").await?;
    let follower_path = page_path(&browser).await?;
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+14155550199" }),
        )
        .await?;
    let id = call["id"].as_i64().ok_or("id")?;
    wait_frame_text(&browser, "#call-status", "Ringing").await?;
    let conversation = chosen_conversation(&sandbox, &id.to_string()).await?;
    browser.client.switch_to_window(owner.clone()).await?;
    wait_frame_text(&browser, "#call-status", "Ringing").await?;
    wait_for("the owner's screen pop", WAIT, || async {
        let p = page_path(&browser).await.ok()?;
        p.ends_with(&conversation).then_some(())
    })
    .await?;
    browser.client.switch_to_window(tab).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        page_path(&browser).await?,
        follower_path,
        "the follower tab opens nothing"
    );
    far_end(&sandbox, id, "miss").await?;
    browser.client.switch_to_window(owner).await?;
    wait_frame_text(&browser, "#call-ended", "Call ended").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a2_a_live_call_goes_on_while_the_panel_is_minimised() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    type_number(&browser, "612 345 678").await?;
    click_in_adapter(&browser, "#call-button").await?;
    let id = wait_ccai_call(&sandbox).await?["id"].as_i64().ok_or("id")?;
    wait_frame_text(&browser, "#call-status", "Ringing").await?;
    far_end(&sandbox, id, "answer").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    // A2: minimise; the call goes on and the bar shows it.
    click_in_adapter(&browser, "#panel-toggle").await?;
    wait_frame_text(&browser, "#call-badge", "On a call").await?;
    click_in_adapter(&browser, "#panel-toggle").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    wait_frame_text(&browser, "#call-timer", "00:02").await?;
    far_end(&sandbox, id, "hangup").await?;
    wait_frame_text(&browser, "#call-ended", "Call ended").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c2_national_numbers_follow_the_admins_countries() -> TestResult {
    let sandbox = Sandbox::start().await?;
    // The admin reads national numbers as American only: saved on the company server, pushed.
    company_settings(&sandbox, |s| s.phone_countries = vec!["US".into()]).await?;
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    let aside = "aside[data-kt=customer-panel]";
    wait_labels(&browser, aside, &["Call +34 612 34 56 78"]).await?;
    // The company's settings reach the adapter first thing on its push connection.
    wait_for("the push connection", WAIT, || async {
        let server = sandbox.company.server.as_ref()?;
        (server.state.0.hub.connections_of("agent@example.com") > 0).then_some(())
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Jordi's "612 345 678" is not a US number: no control.
    open_conversation(&browser, 1).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(control_labels(&browser, aside).await?.is_empty());
    // Olivia's "(415) 555-0132" is.
    open_conversation(&browser, 2).await?;
    wait_labels(&browser, aside, &["Call +1 415-555-0132"]).await?;
    browser.close().await;
    Ok(())
}
