//! The admin's options page (issue 7), in headless Chromium on the real page against the sandbox.
//! Named by SPEC id; `issue7_` where the behaviour is the issue's own (connection test, import).

use std::time::Duration;

use e2e::options_page::{
    click, enable_inheritance, mapping_select, open_options, open_options_in, open_options_with,
    set_value, storage_get, storage_set, text, wait_text,
};
use e2e::{sandbox_config, wait_for, Browser, Sandbox, TestResult};
use serde_json::{json, Value};

// The sandbox's routing statuses (crates/sandbox/src/kustomer/model.rs).
const K_AVAILABLE: &str = "64f0a1c2e4b0a1b2c3d4e501";
const K_LUNCH: &str = "64f0a1c2e4b0a1b2c3d4e504";
const K_TRAINING: &str = "64f0a1c2e4b0a1b2c3d4e505";
const K_FOCUS: &str = "64f0a1c2e4b0a1b2c3d4e506";

async fn test_connection(browser: &Browser) -> TestResult<(String, String)> {
    click(browser, "#test-connection").await?;
    let done = wait_for(
        "both connection results",
        Duration::from_secs(10),
        || async {
            let n = browser
                .eval("return document.querySelectorAll('#test-kustomer, #test-ccai').length")
                .await
                .ok()?;
            (n == json!(2)).then_some(())
        },
    )
    .await;
    if let Err(e) = done {
        let shown = text(browser, "#test-results").await?;
        return Err(format!("{e}; the page shows {shown:?}").into());
    }
    Ok((
        text(browser, "#test-kustomer").await?,
        text(browser, "#test-ccai").await?,
    ))
}

async fn class_of(browser: &Browser, css: &str) -> TestResult<Value> {
    let script = format!("return document.querySelector({css:?})?.className ?? null");
    browser.eval(&script).await
}

#[tokio::test]
async fn issue7_connection_test_passes_on_both_sides() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    let (k, c) = test_connection(&browser).await?;
    assert!(
        k.contains("Kustomer answered") && k.contains("6 routing statuses"),
        "kustomer: {k}"
    );
    assert!(
        c.contains("CCAI answered") && c.contains("knows the agent"),
        "ccai: {c}"
    );
    assert_eq!(class_of(&browser, "#test-kustomer").await?, json!("ok"));
    assert_eq!(class_of(&browser, "#test-ccai").await?, json!("ok"));
    wait_text(&browser, "#test-email", "same agent").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue7_connection_test_says_wrong_base_url_and_unreachable_in_words() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    // Kustomer's base without /kapi: the sandbox's web page answers, not the API.
    set_value(&browser, "#kustomer-base", &sandbox.url("")).await?;
    set_value(&browser, "#ccai-base", "http://127.0.0.1:9").await?;
    let (k, c) = test_connection(&browser).await?;
    assert!(k.contains("check the base URL"), "kustomer: {k}");
    assert!(
        c.contains("Nothing answered at http://127.0.0.1:9"),
        "ccai: {c}"
    );
    assert_eq!(class_of(&browser, "#test-kustomer").await?, json!("bad"));
    assert_eq!(class_of(&browser, "#test-ccai").await?, json!("bad"));
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue7_connection_test_names_a_refused_kustomer_key_401() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    set_value(&browser, "#kustomer-key", "wrong-key").await?;
    let (k, c) = test_connection(&browser).await?;
    assert!(
        k.contains("Kustomer refused the API key (401)"),
        "kustomer: {k}"
    );
    assert!(
        c.contains("CCAI answered"),
        "the other side is still checked: {c}"
    );
    browser.close().await;
    Ok(())
}

/// CCAI answers a wrong token with 401 and `WWW-Authenticate: Basic`. Without `credentials: "omit"`
/// (`src/http.rs`), Chromium held such a fetch for a sign-in prompt and the answer never arrived.
#[tokio::test]
async fn issue7_connection_test_names_a_refused_ccai_token_401() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    set_value(&browser, "#ccai-token", "wrong-token").await?;
    let (k, c) = test_connection(&browser).await?;
    assert!(k.contains("Kustomer answered"), "kustomer: {k}");
    assert!(c.contains("CCAI refused the sign-in (401)"), "ccai: {c}");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s3_seed_example_mapping_round_trips() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    enable_inheritance(&browser).await?;
    // K1→A, K2→A, K3→B, K4→D.
    let rows = [
        (K_AVAILABLE, 0),
        (K_FOCUS, 0),
        (K_LUNCH, -2),
        (K_TRAINING, -4),
    ];
    for (k, c) in rows {
        set_value(&browser, &mapping_select(k), &c.to_string()).await?;
    }
    let preview = text(&browser, "#mapping tr:nth-child(4) .preview").await?;
    assert_eq!(preview, "An agent in Lunch becomes Break in CCAI.");
    click(&browser, "#save-mapping").await?;
    wait_text(&browser, "#mapping-state", "Mapping saved.").await?;
    let stored = storage_get(&browser, "sync").await?;
    let expected: Vec<Value> = rows
        .iter()
        .map(|(k, c)| json!({ "kustomer": k, "ccai": c, "preferred": false }))
        .collect();
    // Saved in Kustomer's order, which the sandbox lists as Available, Busy, Offline, Lunch, Training, Focus.
    let mut got: Vec<Value> = stored["mapping"]
        .as_array()
        .ok_or("no mapping stored")?
        .clone();
    got.sort_by_key(|v| v["kustomer"].as_str().map(str::to_owned));
    let mut want = expected.clone();
    want.sort_by_key(|v| v["kustomer"].as_str().map(str::to_owned));
    assert_eq!(got, want);
    assert_eq!(stored["schema"], json!(2));

    // A reload shows the same choices.
    browser.client.refresh().await?;
    wait_text(&browser, "#step-mapping", "Done").await?;
    for (k, c) in rows {
        let sel = mapping_select(k);
        let (want, script) = (
            json!(c.to_string()),
            format!("return document.querySelector({sel:?})?.value ?? null"),
        );
        wait_for(
            &format!("{k} shown as {c}"),
            Duration::from_secs(10),
            || async { (browser.eval(&script).await.ok()? == want).then_some(()) },
        )
        .await?;
    }
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s3_system_status_target_is_refused_beside_its_row() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    enable_inheritance(&browser).await?;
    let label = browser
        .eval(&format!(
            "return document.querySelector({:?} + ' option[value=\"-6\"]').textContent",
            mapping_select(K_LUNCH)
        ))
        .await?;
    assert_eq!(
        label,
        json!("Wrap-up (set by CCAI only)"),
        "system statuses are marked"
    );
    set_value(&browser, &mapping_select(K_LUNCH), "-6").await?;
    click(&browser, "#save-mapping").await?;
    wait_text(&browser, "#mapping-state", "1 rows need fixing").await?;
    let sel = mapping_select(K_LUNCH);
    let (invalid, described) = (
        browser
            .eval(&format!(
                "return document.querySelector({sel:?}).getAttribute('aria-invalid')"
            ))
            .await?,
        browser
            .eval(&format!(
                "return document.querySelector({sel:?}).getAttribute('aria-describedby')"
            ))
            .await?,
    );
    assert_eq!(invalid, json!("true"));
    let err_id = described
        .as_str()
        .ok_or("no aria-describedby")?
        .split(' ')
        .nth(1)
        .ok_or("no error id")?
        .to_owned();
    let err = text(&browser, &format!("#{err_id}")).await?;
    assert_eq!(
        err,
        "Wrap-up is a status only CCAI sets, during calls and chats: pick another."
    );
    assert_eq!(
        storage_get(&browser, "sync").await?["mapping"],
        json!([]),
        "nothing saved"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s3_duplicate_unknown_and_stale_rows_are_shown_beside_their_rows() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let stored = json!({ "schema": 2, "direction": "OneWay", "priority": "LatestChangeWins", "inheritance": true,
        "fields": [], "custom_data": [],
        "mapping": [
            { "kustomer": K_LUNCH, "ccai": -2 },
            { "kustomer": K_LUNCH, "ccai": -4 },
            { "kustomer": "deleted-status", "ccai": -2 },
            { "kustomer": K_TRAINING, "ccai": 42 },
        ] });
    let browser = open_options(&sandbox, json!({ "sync": stored.clone() })).await?;
    wait_text(&browser, "#mapping-state", "3 saved rows no longer fit").await?;
    let errors: Value = browser
        .eval("return [...document.querySelectorAll('#mapping tbody tr')].map(r => [r.querySelector('th').textContent, r.querySelector('.error').textContent, r.querySelector('select').getAttribute('aria-invalid')])")
        .await?;
    let rows = errors.as_array().ok_or("rows")?;
    let find = |name: &str, needle: &str| {
        rows.iter().any(|r| {
            r[0].as_str().is_some_and(|n| n.contains(name))
                && r[1].as_str().is_some_and(|e| e.contains(needle))
                && r[2] == json!("true")
        })
    };
    assert!(
        find("Lunch", "Lunch is mapped twice: remove this row."),
        "duplicate: {errors}"
    );
    assert!(
        find("deleted-status", "no longer exists (id deleted-status)"),
        "stale Kustomer status: {errors}"
    );
    assert!(
        find("Training", "CCAI status 42 does not exist"),
        "unknown CCAI status: {errors}"
    );

    // Save is refused while they stand, and nothing is written.
    click(&browser, "#save-mapping").await?;
    wait_text(&browser, "#mapping-state", "rows need fixing").await?;
    assert_eq!(
        storage_get(&browser, "sync").await?["mapping"],
        stored["mapping"]
    );

    // Remove the extra rows, fix Training, save.
    while browser
        .eval("return document.querySelectorAll('#mapping .remove').length")
        .await?
        != json!(0)
    {
        click(&browser, "#mapping .remove").await?;
    }
    set_value(&browser, &mapping_select(K_TRAINING), "-4").await?;
    click(&browser, "#save-mapping").await?;
    wait_text(&browser, "#mapping-state", "Mapping saved.").await?;
    let mapping = storage_get(&browser, "sync").await?["mapping"].clone();
    assert_eq!(
        mapping,
        json!([{ "kustomer": K_LUNCH, "ccai": -2, "preferred": false }, { "kustomer": K_TRAINING, "ccai": -4, "preferred": false }])
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn p2_mapping_before_inheritance_is_refused_with_the_reason() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    set_value(&browser, &mapping_select(K_LUNCH), "-2").await?;
    click(&browser, "#save-mapping").await?;
    wait_text(
        &browser,
        "#mapping-state",
        "enable status inheritance first",
    )
    .await?;
    assert_eq!(
        storage_get(&browser, "sync").await?,
        Value::Null,
        "nothing stored"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn p2_inheritance_before_kustomer_statuses_is_refused_with_the_reason() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let mut config = sandbox_config(&sandbox.url(""));
    config["kustomer_key"] = json!("wrong-key");
    let browser = open_options_with(config).await?;
    wait_text(&browser, "#step-statuses", "401").await?;
    click(&browser, "#enable-inheritance").await?;
    let said = wait_text(&browser, "#setup-state", "step 1 comes first").await?;
    assert!(
        said.contains("Kustomer refused the API key (401)"),
        "{said}"
    );
    assert_eq!(
        storage_get(&browser, "sync").await?,
        Value::Null,
        "nothing stored"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue7_malformed_import_changes_nothing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let sync = json!({ "schema": 2, "direction": "OneWay", "priority": "LatestChangeWins", "inheritance": true,
        "fields": [], "custom_data": [], "mapping": [{ "kustomer": K_LUNCH, "ccai": -2, "preferred": false }] });
    let browser = open_options(&sandbox, json!({ "sync": sync })).await?;
    let before = (
        storage_get(&browser, "sync").await?,
        storage_get(&browser, "config").await?,
    );

    let bad_files = [
        ("{ not json", "This is not JSON."),
        (
            r#"{"format":"something-else","connection":{},"sync":{}}"#,
            "not a configuration",
        ),
        (
            r#"{"format":"ccai-kustomer-config","connection":{"kustomer_base":"http://x","ccai_base":"http://y","ccai_user":"u","agent_email":"a@b"},
               "sync":{"schema":2,"direction":"Bidirectional","mapping":[{"kustomer":"64f0a1c2e4b0a1b2c3d4e504","ccai":-7}]}}"#,
            "Mapping: In-call is a status only CCAI sets",
        ),
        (
            r#"{"format":"ccai-kustomer-config","connection":{"kustomer_base":1},"sync":{}}"#,
            "not a configuration exported",
        ),
    ];
    for (file, said) in bad_files {
        set_value(&browser, "#import-text", file).await?;
        click(&browser, "#import").await?;
        wait_text(&browser, "#import-problems", said).await?;
        wait_text(&browser, "#transfer-state", "Nothing imported").await?;
        let after = (
            storage_get(&browser, "sync").await?,
            storage_get(&browser, "config").await?,
        );
        assert_eq!(after, before, "the import of {file} changed storage");
        set_value(&browser, "#import-text", "").await?;
        click(&browser, "#export").await?; // resets the status line between attempts
    }
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue7_export_leaves_tokens_out_and_imports_back() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let sync = json!({ "schema": 2, "direction": "Bidirectional", "priority": "CrmOverridesNext", "inheritance": true,
        "fields": [], "custom_data": [], "mapping": [{ "kustomer": K_LUNCH, "ccai": -2, "preferred": false }] });
    let browser = open_options(&sandbox, json!({ "sync": sync })).await?;
    click(&browser, "#export").await?;
    let exported = wait_for("the export", Duration::from_secs(5), || async {
        let v = browser
            .eval("return document.querySelector('#export-text')?.value ?? ''")
            .await
            .ok()?;
        v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
    })
    .await?;
    assert!(
        !exported.contains("sandbox-ccai-token") && !exported.contains("sandbox-kustomer-key"),
        "{exported}"
    );
    let file: Value = serde_json::from_str(&exported)?;
    assert_eq!(file["sync"]["priority"], json!("CrmOverridesNext"));

    // Clear the settings, import the file: the settings come back and the credentials stay.
    storage_set(
        &browser,
        "sync",
        json!({ "schema": 2, "inheritance": true }),
    )
    .await?;
    set_value(&browser, "#import-text", &exported).await?;
    click(&browser, "#import").await?;
    wait_text(&browser, "#transfer-state", "Configuration imported.").await?;
    let stored = storage_get(&browser, "sync").await?;
    assert_eq!(stored["mapping"], file["sync"]["mapping"]);
    assert_eq!(stored["direction"], json!("Bidirectional"));
    assert_eq!(
        storage_get(&browser, "config").await?["ccai_token"],
        json!("sandbox-ccai-token")
    );
    browser.close().await;
    Ok(())
}

async fn metadata(sandbox: &Sandbox, resource: &str) -> TestResult<Value> {
    let doc = sandbox
        .get_json(&format!("/kapi/v1/metadata/{resource}"))
        .await?;
    Ok(doc["data"]["attributes"]["properties"].clone())
}

async fn metadata_writes(sandbox: &Sandbox) -> TestResult<usize> {
    let log = sandbox.get_json("/sandbox/kustomer/requests").await?;
    let list = log
        .as_array()
        .or_else(|| log["requests"].as_array())
        .ok_or(format!("journal: {log}"))?;
    Ok(list
        .iter()
        .filter(|r| {
            r["method"] != json!("GET")
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("/v1/metadata/"))
        })
        .count())
}

#[tokio::test]
async fn f1_custom_fields_are_created_once_and_a_second_run_is_a_no_op() -> TestResult {
    const CONVERSATION: [&str; 11] = [
        "queueNameStr",
        "sessionTypeStr",
        "sessionIdStr",
        "phoneNumberStr",
        "callDurationNum",
        "waitTimeNum",
        "holdTimeNum",
        "csatRatingNum",
        "csatCommentTxt",
        "menuSelectionStr",
        "inWebEmailStr",
    ];
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    click(&browser, "#create-fields").await?;
    wait_text(&browser, "#fields-state", "12 fields created.").await?;
    let (conv, cust) = (
        metadata(&sandbox, "conversation").await?,
        metadata(&sandbox, "customer").await?,
    );
    for name in CONVERSATION {
        assert!(
            conv[name]["createdAt"].is_string(),
            "{name} missing: {conv}"
        );
    }
    assert!(
        cust["customUserIdStr"]["createdAt"].is_string(),
        "customer field missing: {cust}"
    );
    assert_eq!(
        conv["orderNumberStr"]["displayName"],
        json!("Order number"),
        "an admin's own field is left alone"
    );
    let writes = metadata_writes(&sandbox).await?;
    assert_eq!(writes, 2, "one write per resource");

    // F2: the creation times are recorded, as Kustomer gave them.
    let fields = storage_get(&browser, "sync").await?["fields"].clone();
    let fields = fields.as_array().ok_or("no fields recorded")?;
    assert_eq!(fields.len(), 12);
    for f in fields {
        let (resource, name) = (
            f["resource"].as_str().unwrap_or(""),
            f["name"].as_str().unwrap_or(""),
        );
        let served = if resource == "customer" { &cust } else { &conv };
        assert_eq!(f["created_at"], served[name]["createdAt"], "{name}");
    }
    let shown = text(&browser, "#field-queueNameStr .created").await?;
    assert_eq!(
        conv["queueNameStr"]["createdAt"].as_str(),
        Some(shown.as_str())
    );

    // Second run: nothing sent, nothing changed.
    click(&browser, "#create-fields").await?;
    wait_text(
        &browser,
        "#fields-state",
        "Nothing to do: all 12 fields already exist.",
    )
    .await?;
    assert_eq!(metadata(&sandbox, "conversation").await?, conv);
    assert_eq!(metadata(&sandbox, "customer").await?, cust);
    assert_eq!(
        metadata_writes(&sandbox).await?,
        writes,
        "the second run wrote to Kustomer"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn f4_custom_data_keys_map_to_kustomer_fields() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    click(&browser, "#add-data-row").await?;
    set_value(&browser, "#data-key-0", "orderRef").await?;
    set_value(&browser, "#data-field-0", "order ref").await?;
    click(&browser, "#save-data").await?;
    wait_text(&browser, "#data-err-0", "is not a Kustomer field name").await?;
    set_value(&browser, "#data-field-0", "menuSelectionStr").await?;
    click(&browser, "#save-data").await?;
    wait_text(&browser, "#data-state", "Custom data mapping saved.").await?;
    let stored = storage_get(&browser, "sync").await?;
    assert_eq!(
        stored["custom_data"],
        json!([{ "key": "orderRef", "field": "menuSelectionStr" }])
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s4_s5_direction_and_priority_are_saved_with_their_sentences() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    assert!(text(&browser, "#dir-both-help")
        .await?
        .contains("reflected back"));
    assert!(text(&browser, "#prio-crm-help")
        .await?
        .contains("after wrap-up"));
    click(&browser, "label[for=dir-both]").await?;
    click(&browser, "label[for=prio-crm]").await?;
    click(&browser, "#save-sync").await?;
    wait_text(&browser, "#sync-state", "Sync settings saved.").await?;
    let stored = storage_get(&browser, "sync").await?;
    assert_eq!(
        (stored["direction"].clone(), stored["priority"].clone()),
        (json!("Bidirectional"), json!("CrmOverridesNext"))
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s9_bidirectional_prerequisites_are_checked_through_kustomer() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    click(&browser, "#check-s9").await?;
    wait_text(&browser, "#s9-routing", "Team Routing is on for 1 teams").await?;
    wait_text(
        &browser,
        "#s9-external",
        "1 routed teams have an External Queue",
    )
    .await?;
    wait_text(&browser, "#s9-team", "Phone support").await?;
    let manual = browser
        .eval("return document.querySelectorAll('#s9-manual li').length")
        .await?;
    assert_eq!(manual, json!(3));
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn p1_version_and_changelog_are_visible() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    let version = text(&browser, "#version").await?;
    assert!(
        version.contains(env!("CARGO_PKG_VERSION")) && version.contains("schema 2"),
        "{version}"
    );
    let releases = browser
        .eval("return document.querySelectorAll('#changelog h3').length")
        .await?;
    assert!(
        releases.as_u64().unwrap_or(0) >= 1,
        "no release in the changelog"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn p1_an_update_keeps_a_schema_1_configuration() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let v1 = json!({ "schema": 1, "direction": "Bidirectional", "priority": "CrmOverridesNext",
        "mapping": [{ "kustomer": K_LUNCH, "ccai": -2 }] });
    let browser = open_options(&sandbox, json!({ "sync": v1 })).await?;
    let stored = wait_for("the migrated settings", Duration::from_secs(10), || async {
        let s = storage_get(&browser, "sync").await.ok()?;
        (s["schema"] == json!(2)).then_some(s)
    })
    .await?;
    assert_eq!(
        stored["inheritance"],
        json!(true),
        "a working v1 mapping keeps syncing"
    );
    assert_eq!(stored["direction"], json!("Bidirectional"));
    assert_eq!(stored["mapping"][0]["kustomer"], json!(K_LUNCH));
    assert_eq!(
        text(
            &browser,
            &format!("{} option:checked", mapping_select(K_LUNCH))
        )
        .await?,
        "Break"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue7_the_page_speaks_spanish_in_a_spanish_browser() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options_in(&sandbox, json!({}), "es").await?;
    assert_eq!(
        text(&browser, "#mapping-title").await?,
        "Asignación de estados"
    );
    set_value(&browser, &mapping_select(K_LUNCH), "-2").await?;
    let sel = mapping_select(K_LUNCH);
    let prev = browser
        .eval(&format!("return document.getElementById(document.querySelector({sel:?}).getAttribute('aria-describedby').split(' ')[0]).textContent"))
        .await?;
    assert_eq!(prev, json!("Un agente en Lunch pasa a Break en CCAI."));
    assert_eq!(
        browser.eval("return document.documentElement.lang").await?,
        json!("es")
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s3_mapping_is_made_from_the_keyboard() -> TestResult {
    use fantoccini::key::Key;
    use fantoccini::Locator;
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    enable_inheritance(&browser).await?;
    // Not mapped, Available, Unavailable, Break: three steps down.
    let select = browser
        .client
        .find(Locator::Css(&mapping_select(K_LUNCH)))
        .await?;
    for _ in 0..3 {
        select.send_keys(&Key::Down.to_string()).await?;
    }
    let value = browser
        .eval(&format!(
            "return document.querySelector({:?}).value",
            mapping_select(K_LUNCH)
        ))
        .await?;
    assert_eq!(value, json!("-2"));
    wait_text(
        &browser,
        "#mapping tr:nth-child(4) .preview",
        "becomes Break",
    )
    .await?;
    let save = browser.client.find(Locator::Css("#save-mapping")).await?;
    save.send_keys(&Key::Enter.to_string()).await?;
    wait_text(&browser, "#mapping-state", "Mapping saved.").await?;
    let focused = browser.eval("return document.activeElement.id").await?;
    assert_eq!(
        focused,
        json!("save-mapping"),
        "focus stays where the admin is"
    );
    browser.close().await;
    Ok(())
}
