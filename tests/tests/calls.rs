//! Click-to-call and the softphone end to end (issue 6): phone controls on the page, the dialer, the
//! call's lifecycle as CCAI reports it, incoming calls with screen pop and assignment, minimise and
//! reload during a call. Named by SPEC id (C1–C3, A2–A4).

use std::time::Duration;

use e2e::phones::{control_labels, wait_labels};
use e2e::{
    click_in_adapter, sandbox_config, wait_for, Adapter, Browser, BrowserOptions, Sandbox,
    TestResult,
};
use fantoccini::Locator;
use serde_json::{json, Value};

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

/// The agent's calls in the sandbox's CCAI, newest last.
async fn ccai_calls(sandbox: &Sandbox) -> TestResult<Vec<Value>> {
    let v = sandbox
        .get_json("/ccai/apps/api/v1/calls?agent_id=11")
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

async fn ccai_call(sandbox: &Sandbox, id: i64) -> TestResult<Value> {
    sandbox
        .get_json(&format!("/ccai/apps/api/v1/calls/{id}"))
        .await
}

async fn wait_one_call(sandbox: &Sandbox) -> TestResult<Value> {
    wait_for("a call in CCAI", WAIT, || async {
        ccai_calls(sandbox).await.ok()?.into_iter().last()
    })
    .await
}

async fn wait_call_field(sandbox: &Sandbox, id: i64, field: &str, want: Value) -> TestResult {
    wait_for(&format!("call {id} {field} = {want}"), WAIT, || async {
        (ccai_call(sandbox, id).await.ok()?[field] == want).then_some(())
    })
    .await
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
async fn c3_click_dial_connect_hold_resume_dtmf_transfer_end() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    let conversation = open_conversation(&browser, 0).await?;
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
    let call = wait_one_call(&sandbox).await?;
    let id = call["id"].as_i64().ok_or("call id")?;
    assert_eq!(
        call["end_user_number"],
        json!("+34612345678"),
        "E.164 to CCAI"
    );
    assert_eq!(call["call_type"], json!("outbound"));
    wait_frame_text(&browser, "#call-status", "Dialing").await?;
    sandbox
        .control(&format!("/sandbox/ccai/calls/{id}/ring"), json!({}))
        .await?;
    wait_frame_text(&browser, "#call-status", "Ringing").await?;
    sandbox
        .control(&format!("/sandbox/ccai/calls/{id}/answer"), json!({}))
        .await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    wait_frame_text(&browser, "#call-timer", "00:01").await?;
    // Screen pop (A3) for the outbound call: the customer's conversation, which was already open.
    assert!(browser
        .eval("return location.pathname")
        .await?
        .as_str()
        .unwrap_or_default()
        .ends_with(&conversation));

    click_in_adapter(&browser, "#hold").await?;
    wait_frame_text(&browser, "#call-status", "On hold").await?;
    wait_call_field(&sandbox, id, "status", json!("on_hold")).await?;
    click_in_adapter(&browser, "#hold").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    wait_call_field(&sandbox, id, "status", json!("connected")).await?;
    click_in_adapter(&browser, "#mute").await?;
    wait_call_field(&sandbox, id, "muted", json!(true)).await?;
    for key in ["1", "2", "#"] {
        click_in_adapter(&browser, &format!("#keypad [data-digit='{key}']")).await?;
    }
    wait_call_field(&sandbox, id, "dtmf_digits", json!("12#")).await?;
    wait_frame_text(&browser, "#dtmf-sent", "12#").await?;
    // Transfer to agent 13 (Chris): the call leaves this agent.
    let adapter = Adapter::enter(&browser).await?;
    browser
        .client
        .find(Locator::Css("#transfer-target option[value='13']"))
        .await?
        .click()
        .await?;
    browser
        .client
        .find(Locator::Css("#transfer-button"))
        .await?
        .click()
        .await?;
    adapter.leave().await?;
    wait_frame_text(&browser, "#call-ended", "Call transferred").await?;
    let after = ccai_call(&sandbox, id).await?;
    assert_eq!(after["transfers"][0]["to_agent_id"], json!(13), "{after}");
    assert_eq!(after["agent"]["id"], json!(13));
    // The dialer is back for the next call.
    wait_for("the dialer back", WAIT, || async {
        let t = frame_text(&browser, "#dialer").await.ok()?;
        t.contains("Call").then_some(())
    })
    .await?;
    browser.screenshot("c3_after_transfer").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c3_the_agent_hangs_up_and_the_call_ends() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    type_number(&browser, "+44 20 7946 0958 x123").await?;
    click_in_adapter(&browser, "#call-button").await?;
    let id = wait_one_call(&sandbox).await?["id"].as_i64().ok_or("id")?;
    assert_eq!(
        ccai_call(&sandbox, id).await?["end_user_number"],
        json!("+442079460958")
    );
    sandbox
        .control(&format!("/sandbox/ccai/calls/{id}/answer"), json!({}))
        .await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    // The extension is dialled as tones once the call connects.
    wait_call_field(&sandbox, id, "dtmf_digits", json!("123")).await?;
    click_in_adapter(&browser, "#hangup").await?;
    wait_frame_text(&browser, "#call-ended", "Call ended").await?;
    wait_call_field(&sandbox, id, "status", json!("finished")).await?;
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
async fn a3_a4_an_incoming_call_rings_pops_the_conversation_and_is_assigned_on_answer() -> TestResult
{
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    open_conversation(&browser, 0).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    // Olivia Chen's number, as CCAI gives it.
    let list = sandbox
        .get_json("/kapi/v1/customers?phone=%2B14155550132")
        .await?;
    let customer = list["data"][0]["id"].as_str().ok_or("customer")?.to_owned();
    let convs = sandbox
        .get_json(&format!("/kapi/v1/customers/{customer}/conversations"))
        .await?;
    let conversation = convs["data"][0]["id"].as_str().ok_or("conv")?.to_owned();
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+14155550132" }),
        )
        .await?;
    let id = call["id"].as_i64().ok_or("id")?;
    let text = wait_frame_text(&browser, "#incoming-text", "+14155550132").await?;
    assert!(text.contains("Incoming call"), "{text}");
    // A3: the page shows the caller's conversation, through its own navigation.
    wait_for("the screen pop", WAIT, || async {
        let v = browser
            .eval("return location.pathname + '|' + (document.querySelector('main[data-kt=conversation-view]')||{}).getAttribute?.('data-conversation-id')")
            .await
            .ok()?;
        (v == json!(format!("/app/conversations/{conversation}|{conversation}"))).then_some(())
    })
    .await?;
    click_in_adapter(&browser, "#answer").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    wait_call_field(&sandbox, id, "status", json!("connected")).await?;
    // A4: assigned to the agent who answered, through Kustomer's API.
    wait_for("the assignment", WAIT, || async {
        let c = sandbox
            .get_json(&format!("/kapi/v1/conversations/{conversation}"))
            .await
            .ok()?;
        (c["data"]["attributes"]["assignedUsers"] == json!(["u-agent-1"])).then_some(())
    })
    .await?;
    let patched = sandbox
        .get_json("/sandbox/kustomer/requests")
        .await?
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["method"] == json!("PATCH"))
        .count();
    assert_eq!(patched, 1, "assigned once");
    sandbox
        .control(&format!("/sandbox/ccai/calls/{id}/hangup"), json!({}))
        .await?;
    wait_frame_text(&browser, "#call-ended", "Call ended").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c3_an_incoming_call_can_be_declined() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+34612345678" }),
        )
        .await?;
    let id = call["id"].as_i64().ok_or("id")?;
    wait_frame_text(&browser, "#incoming-text", "+34612345678").await?;
    click_in_adapter(&browser, "#decline").await?;
    wait_frame_text(&browser, "#call-ended", "declined").await?;
    wait_call_field(&sandbox, id, "status", json!("declined")).await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a2_a_live_call_survives_minimise_and_a_reload_of_the_owner_tab() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    type_number(&browser, "612 345 678").await?;
    click_in_adapter(&browser, "#call-button").await?;
    let id = wait_one_call(&sandbox).await?["id"].as_i64().ok_or("id")?;
    sandbox
        .control(&format!("/sandbox/ccai/calls/{id}/answer"), json!({}))
        .await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    // A2: minimise; the call goes on and the bar shows it.
    click_in_adapter(&browser, "#panel-toggle").await?;
    wait_frame_text(&browser, "#call-badge", "On a call").await?;
    click_in_adapter(&browser, "#panel-toggle").await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    wait_frame_text(&browser, "#call-timer", "00:02").await?;
    // Reload: the adapter shows the call again from CCAI's state, timer included.
    browser.client.refresh().await?;
    wait_frame_text(&browser, "#call-status", "Connected").await?;
    let timer = frame_text(&browser, "#call-timer").await?;
    let secs: u64 = timer
        .rsplit(':')
        .next()
        .and_then(|s| s.trim().parse().ok())
        .ok_or(format!("timer {timer:?}"))?;
    assert!(
        secs >= 2,
        "the timer continues from CCAI's duration: {timer}"
    );
    assert_eq!(ccai_call(&sandbox, id).await?["status"], json!("connected"));
    click_in_adapter(&browser, "#hangup").await?;
    wait_frame_text(&browser, "#call-ended", "Call ended").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s6_an_incoming_call_rings_only_in_the_owner_tab_and_pops_once() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "This tab").await?;
    let owner = browser.client.window().await?;
    let tab = browser.open_agent_tab(&sandbox).await?;
    wait_frame_text(&browser, "#owner-text", "Another Kustomer tab").await?;
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+14155550199" }),
        )
        .await?;
    let id = call["id"].as_i64().ok_or("id")?;
    browser.client.switch_to_window(owner.clone()).await?;
    wait_frame_text(&browser, "#incoming-text", "+14155550199").await?;
    browser.client.switch_to_window(tab.clone()).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        frame_text(&browser, "#incoming-text").await?,
        "",
        "the follower tab does not ring"
    );
    let lookups = sandbox
        .get_json("/sandbox/kustomer/requests")
        .await?
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            r["method"] == json!("GET")
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("/customers") && p.contains("phone="))
        })
        .count();
    assert_eq!(lookups, 1, "one screen pop, from the owner tab");
    sandbox
        .control(&format!("/sandbox/ccai/calls/{id}/miss"), json!({}))
        .await?;
    browser.client.switch_to_window(owner).await?;
    wait_frame_text(&browser, "#call-ended", "missed").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn c2_national_numbers_follow_the_admins_countries() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    // The admin reads national numbers as American only.
    let script = "const done = arguments[arguments.length - 1];
        chrome.storage.local.set({ sync: { schema: 2, phone_countries: ['US'] } }).then(() => done('ok'), e => done(String(e)));";
    assert_eq!(
        browser.client.execute_async(script, vec![]).await?,
        json!("ok")
    );
    browser.client.goto(&sandbox.url("/")).await?;
    let aside = "aside[data-kt=customer-panel]";
    wait_labels(&browser, aside, &["Call +34 612 34 56 78"]).await?;
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
