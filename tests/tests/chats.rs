//! Incoming chats end to end (issue 6): a chat from a customer rings only in the owner tab with their
//! first message shown as text, accepting it pops and assigns the customer's conversation (A3, A4),
//! declining tells CCAI and opens nothing, the customer giving up stops the ring, a call and a chat can
//! ring at once, and the "sound is blocked" notice when the browser's autoplay policy holds the ringtone.

use std::time::Duration;

use e2e::{
    adapter_text, click_in_adapter, sandbox_config, wait_adapter_text, wait_for, Adapter, Browser,
    BrowserOptions, Sandbox, TestResult,
};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);
/// What a hostile customer writes: shown literally, never run.
const HOSTILE: &str = "<img src=x onerror=\"window.top.__pwned=1\">Hola, ¿me ayudas?";

async fn agent_page(sandbox: &Sandbox, args: &[&str]) -> TestResult<Browser> {
    let browser = Browser::start(BrowserOptions {
        args: args.iter().map(|a| a.to_string()).collect(),
        ..BrowserOptions::default()
    })
    .await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    Ok(browser)
}

/// Evaluates `script` inside the adapter frame.
async fn in_frame(browser: &Browser, script: &str) -> TestResult<Value> {
    let adapter = Adapter::enter(browser).await?;
    let v = adapter.eval(script).await;
    adapter.leave().await?;
    v
}

/// The ringtone as the softphone reports it: `off`, `ringing` or `blocked`.
async fn ringtone(browser: &Browser) -> TestResult<String> {
    let v = in_frame(
        browser,
        "return document.querySelector('#softphone').dataset.ringtone",
    )
    .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

async fn wait_ringtone(browser: &Browser, want: &[&str]) -> TestResult<String> {
    wait_for(&format!("the ringtone {want:?}"), WAIT, || async {
        let now = ringtone(browser).await.ok()?;
        want.contains(&now.as_str()).then_some(now)
    })
    .await
}

async fn present(browser: &Browser, css: &str) -> TestResult<bool> {
    let v = in_frame(
        browser,
        &format!("return !!document.querySelector('{css}')"),
    )
    .await?;
    Ok(v == json!(true))
}

async fn wait_gone(browser: &Browser, css: &str) -> TestResult {
    wait_for(&format!("{css} to go"), WAIT, || async {
        (!present(browser, css).await.ok()?).then_some(())
    })
    .await
}

async fn chat_arrives(sandbox: &Sandbox, end_user: Value, message: &str) -> TestResult<i64> {
    let chat = sandbox
        .control(
            "/sandbox/ccai/chats/incoming",
            json!({ "end_user": end_user, "message": message }),
        )
        .await?;
    Ok(chat["id"].as_i64().ok_or("chat id")?)
}

async fn ccai_chat(sandbox: &Sandbox, id: i64) -> TestResult<Value> {
    sandbox
        .get_json(&format!("/ccai/apps/api/v1/chats/{id}"))
        .await
}

async fn kustomer_requests(sandbox: &Sandbox) -> TestResult<Vec<Value>> {
    Ok(sandbox
        .get_json("/sandbox/kustomer/requests")
        .await?
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// Kustomer API requests a screen pop makes: customer searches and creations, and assignments.
async fn pop_requests(sandbox: &Sandbox) -> TestResult<Vec<String>> {
    Ok(kustomer_requests(sandbox)
        .await?
        .into_iter()
        .filter(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            let method = r["method"].as_str().unwrap_or_default();
            (path.contains("/customers?") && !path.contains("sandbox"))
                || (method == "POST" && path.ends_with("/customers"))
                || method == "PATCH"
        })
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .collect())
}

async fn page_path(browser: &Browser) -> TestResult<String> {
    Ok(browser
        .eval("return location.pathname")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

#[tokio::test]
async fn a3_a4_an_incoming_chat_rings_in_the_owner_tab_shows_its_message_as_text_and_is_assigned_on_accept(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, &[]).await?;
    let owner = browser.client.window().await?;
    let tab = browser.open_agent_tab(&sandbox).await?;
    wait_adapter_text(&browser, "#owner-text", "Another Kustomer tab").await?;
    let before = page_path(&browser).await?;
    let customer = sandbox
        .get_json("/kapi/v1/customers?email=maria.garcia%40example.es")
        .await?["data"][0]["id"]
        .as_str()
        .ok_or("María's customer")?
        .to_owned();
    let conversation = sandbox
        .get_json(&format!("/kapi/v1/customers/{customer}/conversations"))
        .await?["data"][0]["id"]
        .as_str()
        .ok_or("María's conversation")?
        .to_owned();
    // The test's own look-ups are in the journal too: count the adapter's after them.
    let mine = pop_requests(&sandbox).await?.len();

    let id = chat_arrives(
        &sandbox,
        json!({ "name": "María García", "email": "maria.garcia@example.es" }),
        HOSTILE,
    )
    .await?;
    browser.client.switch_to_window(owner.clone()).await?;
    let card = format!("#incoming-chat-{id}");
    let title = wait_adapter_text(&browser, &format!("{card}-text"), "María García").await?;
    assert_eq!(title, "Incoming chat from María García");
    // The customer's words exactly as typed: a text node, no element made of them.
    let shown = adapter_text(&browser, &format!("{card}-message")).await?;
    assert_eq!(shown, HOSTILE);
    assert!(
        !present(&browser, "#softphone img").await?,
        "no <img> from the message"
    );
    assert_eq!(
        browser.eval("return window.__pwned === undefined").await?,
        json!(true)
    );
    assert_ne!(
        wait_ringtone(&browser, &["ringing", "blocked"]).await?,
        "off"
    );
    // Ringing pops nothing yet: the agent has not taken the chat.
    assert_eq!(pop_requests(&sandbox).await?.len(), mine);

    // The follower tab neither rings nor pops (S6).
    browser.client.switch_to_window(tab.clone()).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !present(&browser, "#chats .incoming").await?,
        "the follower tab does not ring"
    );
    assert_eq!(ringtone(&browser).await?, "off");
    browser.client.switch_to_window(owner.clone()).await?;

    click_in_adapter(&browser, &format!("#chat-accept-{id}")).await?;
    wait_for("CCAI to assign the chat", WAIT, || async {
        (ccai_chat(&sandbox, id).await.ok()?["status"] == json!("assigned")).then_some(())
    })
    .await?;
    wait_adapter_text(&browser, &format!("#chat-{id}"), "Chat with María García").await?;
    assert_eq!(
        wait_ringtone(&browser, &["off"]).await?,
        "off",
        "the ring stops when answered"
    );
    // A3: her conversation opens in the page, through its own navigation.
    wait_for("the screen pop", WAIT, || async {
        let v = browser
            .eval("return location.pathname + '|' + (document.querySelector('main[data-kt=conversation-view]')||{}).getAttribute?.('data-conversation-id')")
            .await
            .ok()?;
        (v == json!(format!("/app/conversations/{conversation}|{conversation}"))).then_some(())
    })
    .await?;
    // A4: assigned to the agent who accepted, through Kustomer's API, once.
    wait_for("the assignment", WAIT, || async {
        let c = sandbox
            .get_json(&format!("/kapi/v1/conversations/{conversation}"))
            .await
            .ok()?;
        (c["data"]["attributes"]["assignedUsers"] == json!(["u-agent-1"])).then_some(())
    })
    .await?;
    let pops = pop_requests(&sandbox).await?.split_off(mine);
    assert_eq!(
        pops.iter().filter(|r| r.contains("PATCH")).count(),
        1,
        "assigned once: {pops:?}"
    );
    assert_eq!(
        pops.iter().filter(|r| r.contains("email=")).count(),
        1,
        "one screen pop, from the owner tab: {pops:?}"
    );
    // The follower tab stayed where it was. Closed, so that the reload below keeps this tab the owner.
    browser.client.switch_to_window(tab.clone()).await?;
    assert_eq!(page_path(&browser).await?, before);
    browser.client.close_window().await?;
    browser.client.switch_to_window(owner).await?;
    // A reloaded owner tab shows the chat again from CCAI's state, and assigns nothing twice.
    browser.client.refresh().await?;
    wait_adapter_text(&browser, &format!("#chat-{id}"), "Chat with María García").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let again = pop_requests(&sandbox).await?.split_off(mine);
    assert_eq!(
        again, pops,
        "no second screen pop or assignment after a reload"
    );

    // The customer leaves: the adapter says so.
    sandbox
        .control(&format!("/sandbox/ccai/chats/{id}/end"), json!({}))
        .await?;
    wait_adapter_text(&browser, "#chat-ended", "Chat with María García ended").await?;
    wait_gone(&browser, &format!("#chat-{id}")).await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a3_a_declined_chat_tells_ccai_and_opens_nothing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, &[]).await?;
    let before = page_path(&browser).await?;
    let id = chat_arrives(
        &sandbox,
        json!({ "name": "Nadia Nowak", "email": "nadia@example.com" }),
        "hi",
    )
    .await?;
    wait_adapter_text(
        &browser,
        &format!("#incoming-chat-{id}-text"),
        "Nadia Nowak",
    )
    .await?;
    click_in_adapter(&browser, &format!("#chat-decline-{id}")).await?;
    wait_adapter_text(&browser, "#chat-ended", "Chat from Nadia Nowak declined").await?;
    let chat = ccai_chat(&sandbox, id).await?;
    assert_eq!(
        chat["declined_agent_ids"],
        json!([11]),
        "CCAI was told: {chat}"
    );
    assert_eq!(chat["sub_status"], json!("in_queue"));
    wait_gone(&browser, &format!("#incoming-chat-{id}")).await?;
    assert_eq!(wait_ringtone(&browser, &["off"]).await?, "off");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        pop_requests(&sandbox).await?,
        Vec::<String>::new(),
        "no screen pop"
    );
    assert_eq!(page_path(&browser).await?, before);
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a_chat_whose_customer_gives_up_stops_ringing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, &[]).await?;
    // Minimised, the panel still shows what rings: a ring must be seen.
    click_in_adapter(&browser, "#panel-toggle").await?;
    let id = chat_arrives(&sandbox, json!({ "name": "Sam Taylor" }), "anyone?").await?;
    wait_adapter_text(&browser, &format!("#incoming-chat-{id}-text"), "Sam Taylor").await?;
    let seen = in_frame(
        &browser,
        &format!("return [document.querySelector('#chat-accept-{id}').getClientRects().length > 0, document.querySelector('#dialer').getClientRects().length > 0]"),
    )
    .await?;
    assert_eq!(
        seen,
        json!([true, false]),
        "the ringing chat shows, the dialer does not"
    );
    assert_ne!(
        wait_ringtone(&browser, &["ringing", "blocked"]).await?,
        "off"
    );
    sandbox
        .control(&format!("/sandbox/ccai/chats/{id}/end"), json!({}))
        .await?;
    wait_gone(&browser, &format!("#incoming-chat-{id}")).await?;
    click_in_adapter(&browser, "#panel-toggle").await?;
    wait_adapter_text(
        &browser,
        "#chat-ended",
        "Sam Taylor left before the chat was answered",
    )
    .await?;
    assert_eq!(wait_ringtone(&browser, &["off"]).await?, "off");
    assert_eq!(ccai_chat(&sandbox, id).await?["status"], json!("canceled"));
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a_call_and_a_chat_ring_at_once_and_each_is_answered_on_its_own() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, &[]).await?;
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+14155550132" }),
        )
        .await?;
    let call_id = call["id"].as_i64().ok_or("call id")?;
    let chat = chat_arrives(
        &sandbox,
        json!({ "name": "Jordi Puig", "email": "jordi@example.cat" }),
        "bon dia",
    )
    .await?;
    wait_adapter_text(&browser, "#incoming-text", "+14155550132").await?;
    wait_adapter_text(
        &browser,
        &format!("#incoming-chat-{chat}-text"),
        "Jordi Puig",
    )
    .await?;
    // Answering the call leaves the chat ringing, and the ring going on for it.
    click_in_adapter(&browser, "#answer").await?;
    wait_adapter_text(&browser, "#call-status", "Connected").await?;
    assert!(present(&browser, &format!("#chat-accept-{chat}")).await?);
    assert_ne!(ringtone(&browser).await?, "off", "the chat still rings");
    click_in_adapter(&browser, &format!("#chat-decline-{chat}")).await?;
    assert_eq!(
        wait_ringtone(&browser, &["off"]).await?,
        "off",
        "nothing rings any more"
    );
    assert_eq!(
        sandbox
            .get_json(&format!("/ccai/apps/api/v1/calls/{call_id}"))
            .await?["status"],
        json!("connected"),
        "the call goes on"
    );
    click_in_adapter(&browser, "#hangup").await?;
    wait_adapter_text(&browser, "#call-ended", "Call ended").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn blocked_sound_is_shown_and_one_click_enables_the_ring() -> TestResult {
    let sandbox = Sandbox::start().await?;
    // The policy of a browser as agents run it, set explicitly: a frame plays audio only after a click
    // in it. (The harness's headless Chromium happens to apply it too; the test should not rely on that.)
    let browser = agent_page(
        &sandbox,
        &["--autoplay-policy=document-user-activation-required"],
    )
    .await?;
    let id = chat_arrives(&sandbox, json!({ "name": "Olivia Chen" }), "hello").await?;
    wait_adapter_text(
        &browser,
        &format!("#incoming-chat-{id}-text"),
        "Olivia Chen",
    )
    .await?;
    let notice = wait_adapter_text(&browser, "#sound-blocked", "Sound is blocked").await?;
    assert_eq!(notice, "Sound is blocked — click to enable ringing");
    assert_eq!(ringtone(&browser).await?, "blocked");
    // The notice is accessible: axe finds nothing on the frame as it is now.
    let adapter = Adapter::enter(&browser).await?;
    let violations = e2e::guard::a11y::run_axe(&browser).await?;
    adapter.leave().await?;
    assert_eq!(violations, Vec::<Value>::new());
    click_in_adapter(&browser, "#sound-blocked").await?;
    wait_gone(&browser, "#sound-blocked").await?;
    assert_eq!(wait_ringtone(&browser, &["ringing"]).await?, "ringing");
    click_in_adapter(&browser, &format!("#chat-decline-{id}")).await?;
    assert_eq!(wait_ringtone(&browser, &["off"]).await?, "off");
    browser.close().await;
    Ok(())
}
