//! The admin's options page (issue 7), in headless Chromium on the real page, since issue 16 the
//! admin's client of the company server started beside the sandbox: what it shows comes from the
//! server, what it saves is read back from the server. Named by SPEC id; `issue7_` where the behaviour
//! is the issue's own (import), `issue16_` for the server's part (the connection test through the
//! server, a save pushed to an open adapter, a stale save refused, a non-admin refused).

use std::time::Duration;

use e2e::options_page::{
    click, enable_inheritance, mapping_select, open_options, open_options_in, seed_settings,
    server_settings, set_value, storage_set, store_settings_row, stored, text, wait_text,
};
use e2e::{wait_adapter_text, wait_for, Browser, Sandbox, TestResult};
use serde_json::{json, Value};

// The sandbox's routing statuses (crates/sandbox/src/kustomer/model.rs).
const K_AVAILABLE: &str = "64f0a1c2e4b0a1b2c3d4e501";
const K_LUNCH: &str = "64f0a1c2e4b0a1b2c3d4e504";
const K_TRAINING: &str = "64f0a1c2e4b0a1b2c3d4e505";
const K_FOCUS: &str = "64f0a1c2e4b0a1b2c3d4e506";

/// Clicks "Test connection" and waits for the lines `ids` (in words, each `ok` or `bad`).
async fn test_connection(browser: &Browser, ids: &[&str]) -> TestResult<Vec<String>> {
    // An earlier test's lines are marked, so that only the new ones (new elements) count.
    browser
        .eval("document.querySelectorAll('#test-results li').forEach(li => li.dataset.old = '1'); return null")
        .await?;
    click(browser, "#test-connection").await?;
    let css = ids
        .iter()
        .map(|id| format!("#{id}:not([data-old])"))
        .collect::<Vec<_>>()
        .join(", ");
    let script = format!("return document.querySelectorAll({css:?}).length");
    let done = wait_for(
        "the connection results",
        Duration::from_secs(15),
        || async {
            let n = browser.eval(&script).await.ok()?;
            (n == json!(ids.len())).then_some(())
        },
    )
    .await;
    if let Err(e) = done {
        let shown = text(browser, "#test-results").await?;
        return Err(format!("{e}; the page shows {shown:?}").into());
    }
    let mut out = Vec::new();
    for id in ids {
        out.push(text(browser, &format!("#{id}:not([data-old])")).await?);
    }
    Ok(out)
}

async fn class_of(browser: &Browser, css: &str) -> TestResult<Value> {
    let script = format!("return document.querySelector({css:?})?.className ?? null");
    browser.eval(&script).await
}

/// The next request to `path_prefix` on `service` (`ccai`, `kustomer`) is answered `code` by the
/// sandbox: the company's credential refused, as a real tenant would after a key is revoked.
async fn refuse_next(sandbox: &Sandbox, service: &str, path_prefix: &str, code: u16) -> TestResult {
    let res = sandbox
        .http
        .post(sandbox.url("/sandbox/faults"))
        .json(&json!({
            "service": service,
            "path_prefix": path_prefix,
            "faults": [{"kind": "status", "code": code}],
        }))
        .send()
        .await?;
    assert!(res.status().is_success(), "faults: {}", res.status());
    Ok(())
}

const CHECKS: [&str; 4] = ["test-server", "test-ccai", "test-kustomer", "test-fields"];

/// Issue 16: the connection section holds no vendor credential, and "Test connection" asks the company
/// server, which checks both vendors with the company's credentials.
#[tokio::test]
async fn issue16_connection_test_asks_the_server_which_checks_both_vendors() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    let inputs = browser
        .eval("return [...document.querySelectorAll('#connection input')].map(i => i.id)")
        .await?;
    assert_eq!(
        inputs,
        json!(["server-url"]),
        "the only field is the server's address"
    );
    let lines = test_connection(&browser, &CHECKS).await?;
    assert!(
        lines[0].contains("The company server answers at http://127.0.0.1:"),
        "server: {}",
        lines[0]
    );
    assert!(
        lines[1].contains("CCAI answers the server with the company's API token"),
        "ccai: {}",
        lines[1]
    );
    assert!(
        lines[2].contains("Kustomer answers the server") && lines[2].contains("6 routing statuses"),
        "kustomer: {}",
        lines[2]
    );
    // A new tenant: none of F1's fields exist yet, and the line says where to create them.
    assert!(
        lines[3].contains("0 of the 12 custom fields") && lines[3].contains("Custom fields below"),
        "fields: {}",
        lines[3]
    );
    for (id, class) in [
        ("#test-server", "ok"),
        ("#test-ccai", "ok"),
        ("#test-kustomer", "ok"),
        ("#test-fields", "bad"),
    ] {
        assert_eq!(class_of(&browser, id).await?, json!(class), "{id}");
    }
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue16_connection_test_says_when_the_server_does_not_answer() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    set_value(&browser, "#server-url", "http://127.0.0.1:9").await?;
    click(&browser, "#save-server-url").await?;
    wait_text(&browser, "#company-message", "Saved").await?;
    let lines = test_connection(&browser, &["test-server"]).await?;
    assert!(
        lines[0].contains("Nothing answered at http://127.0.0.1:9"),
        "server: {}",
        lines[0]
    );
    assert_eq!(class_of(&browser, "#test-server").await?, json!("bad"));
    browser.close().await;
    Ok(())
}

/// A vendor refusing the company's credential (401), on either side: the admin reads which of the
/// server's credentials to fix, and the other side is still checked. (CCAI answers a wrong token with
/// `WWW-Authenticate: Basic`; the server meets it now, not the browser.)
#[tokio::test]
async fn issue16_connection_test_names_a_vendor_refusing_the_company_credential_401() -> TestResult
{
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    // (service, route refused, its line, what it says, the other line, what that says)
    let cases = [
        (
            "kustomer",
            "/v1/routing/statuses",
            2,
            "Kustomer refused the company's API key (401)",
            1,
            "CCAI answers",
        ),
        (
            "ccai",
            "/manager/api/v1/user_statuses",
            1,
            "CCAI refused the company's API token (401)",
            2,
            "Kustomer answers",
        ),
    ];
    for (service, route, refused, says, other, other_says) in cases {
        refuse_next(&sandbox, service, route, 401).await?;
        let lines = test_connection(&browser, &CHECKS).await?;
        assert!(
            lines[refused].contains(says),
            "{service}: {}",
            lines[refused]
        );
        let id = format!("#{}", CHECKS[refused]);
        assert_eq!(class_of(&browser, &id).await?, json!("bad"), "{id}");
        assert!(
            lines[other].contains(other_says),
            "the other side is still checked: {}",
            lines[other]
        );
    }
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s3_seed_example_mapping_round_trips() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    enable_inheritance(&browser, &sandbox).await?;
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
    let stored = stored(&sandbox)?;
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
    enable_inheritance(&browser, &sandbox).await?;
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
    assert_eq!(stored(&sandbox)?["mapping"], json!([]), "nothing saved");
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
    // Saved on an earlier day; since then a status was deleted in Kustomer and another in CCAI (the
    // server checks every save, so only its store can hold such rows).
    store_settings_row(&sandbox, stored.clone())?;
    let browser = open_options(&sandbox, json!({})).await?;
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
        server_settings(&sandbox)?["version"],
        json!(1),
        "nothing saved"
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
    let mapping = e2e::options_page::stored(&sandbox)?["mapping"].clone();
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
        server_settings(&sandbox)?["version"],
        json!(0),
        "nothing saved"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn p2_inheritance_before_kustomer_statuses_is_refused_with_the_reason() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = e2e::options_page::signed_in(&sandbox, "en-US").await?;
    // Kustomer refuses the server's API key its routing statuses (a role taken away).
    sandbox
        .control(
            "/sandbox/faults",
            json!({ "service": "kustomer", "path_prefix": "/v1/routing/statuses", "method": "GET",
                    "faults": [{ "kind": "status", "code": 403 }], "times": 5 }),
        )
        .await?;
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    let said = wait_text(&browser, "#step-statuses", "403").await?;
    assert!(said.contains("Kustomer"), "the vendor is named: {said}");
    click(&browser, "#enable-inheritance").await?;
    let said = wait_text(&browser, "#setup-state", "step 1 comes first").await?;
    assert!(said.contains("403"), "{said}");
    assert_eq!(
        server_settings(&sandbox)?["version"],
        json!(0),
        "nothing saved"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue7_malformed_import_changes_nothing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let sync = json!({ "schema": 2, "direction": "OneWay", "priority": "LatestChangeWins", "inheritance": true,
        "fields": [], "custom_data": [], "mapping": [{ "kustomer": K_LUNCH, "ccai": -2, "preferred": false }] });
    let browser = open_options(&sandbox, sync).await?;
    let before = server_settings(&sandbox)?;

    let bad_files = [
        ("{ not json", "This is not JSON."),
        (
            r#"{"format":"something-else","connection":{},"sync":{}}"#,
            "not a settings file",
        ),
        // Read here, refused by the server's check against the live statuses, in the admin's words.
        (
            r#"{"format":"ccai-kustomer-config","connection":{"kustomer_base":"http://x","ccai_base":"http://y","ccai_user":"u","agent_email":"a@b"},
               "sync":{"schema":2,"direction":"Bidirectional","inheritance":true,"mapping":[{"kustomer":"64f0a1c2e4b0a1b2c3d4e504","ccai":-7}]}}"#,
            "Mapping: In-call is a status only CCAI sets",
        ),
        (
            r#"{"format":"ccai-server-settings","settings":{"direction":7}}"#,
            "not a settings file exported",
        ),
    ];
    for (file, said) in bad_files {
        set_value(&browser, "#import-text", file).await?;
        click(&browser, "#import").await?;
        wait_text(&browser, "#import-problems", said).await?;
        wait_text(&browser, "#transfer-state", "Nothing imported").await?;
        assert_eq!(
            server_settings(&sandbox)?,
            before,
            "the import of {file} changed the settings"
        );
        set_value(&browser, "#import-text", "").await?;
        click(&browser, "#export").await?; // resets the status line between attempts
        wait_text(&browser, "#transfer-state", "exported").await?;
    }
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn issue7_export_holds_no_secret_and_imports_back() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let sync = json!({ "schema": 2, "direction": "Bidirectional", "priority": "CrmOverridesNext", "inheritance": true,
        "fields": [], "custom_data": [], "mapping": [{ "kustomer": K_LUNCH, "ccai": -2, "preferred": false }] });
    let browser = open_options(&sandbox, sync).await?;
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
        !exported.contains(sandbox::CCAI_TOKEN) && !exported.contains(sandbox::KUSTOMER_API_KEY),
        "{exported}"
    );
    let file: Value = serde_json::from_str(&exported)?;
    assert_eq!(file["format"], json!("ccai-server-settings"));
    assert_eq!(file["settings"]["priority"], json!("CrmOverridesNext"));

    // Another save replaces the settings; importing the file brings them back as the next version.
    seed_settings(&sandbox, json!({ "schema": 2, "inheritance": false })).await?;
    let version = server_settings(&sandbox)?["version"].clone();
    set_value(&browser, "#import-text", &exported).await?;
    click(&browser, "#import").await?;
    wait_text(&browser, "#transfer-state", "Configuration imported.").await?;
    let now = server_settings(&sandbox)?;
    assert_eq!(now["version"], json!(version.as_u64().unwrap_or(0) + 1));
    assert_eq!(now["settings"]["mapping"], file["settings"]["mapping"]);
    assert_eq!(now["settings"]["direction"], json!("Bidirectional"));
    // The page shows what was imported.
    let sel = mapping_select(K_LUNCH);
    wait_for(
        "the imported row shown",
        Duration::from_secs(10),
        || async {
            let v = browser
                .eval(&format!(
                    "return document.querySelector({sel:?})?.value ?? null"
                ))
                .await
                .ok()?;
            (v == json!("-2")).then_some(())
        },
    )
    .await?;
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
    let fields = stored(&sandbox)?["fields"].clone();
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
    let stored = stored(&sandbox)?;
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
    let stored = stored(&sandbox)?;
    assert_eq!(
        (stored["direction"].clone(), stored["priority"].clone()),
        (json!("Bidirectional"), json!("CrmOverridesNext"))
    );
    browser.close().await;
    Ok(())
}

/// S9: Kustomer documents no API for team routing settings or teams (API-NOTES B8), so the page checks
/// nothing by a call and lists every prerequisite to check by hand, saying why.
#[tokio::test]
async fn s9_bidirectional_prerequisites_are_listed_to_check_by_hand() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    wait_text(&browser, "#setup", "Kustomer documents no API").await?;
    let manual = browser
        .eval("return document.querySelectorAll('#s9-manual li').length")
        .await?;
    assert_eq!(manual, json!(6));
    let button = browser
        .eval("return document.querySelectorAll('#check-s9').length")
        .await?;
    assert_eq!(
        button,
        json!(0),
        "no check that would call an undocumented route"
    );
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

/// Before issue 16 the settings lived in the admin's browser (`sync` in `chrome.storage.local`): an
/// update offers to import them into the company server while it has none, migrated.
#[tokio::test]
async fn p1_an_update_keeps_a_schema_1_configuration() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = e2e::options_page::signed_in(&sandbox, "en-US").await?;
    let v1 = json!({ "schema": 1, "direction": "Bidirectional", "priority": "CrmOverridesNext",
        "mapping": [{ "kustomer": K_LUNCH, "ccai": -2 }] });
    storage_set(&browser, "sync", v1).await?;
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    wait_text(&browser, "#earlier", "Settings kept in this browser").await?;
    click(&browser, "#import-earlier").await?;
    wait_text(&browser, "#earlier-state", "now the company's").await?;
    let now = server_settings(&sandbox)?;
    assert_eq!(now["version"], json!(1));
    let stored = &now["settings"];
    assert_eq!(stored["schema"], json!(2));
    assert_eq!(
        stored["inheritance"],
        json!(true),
        "a working v1 mapping keeps syncing"
    );
    assert_eq!(stored["direction"], json!("Bidirectional"));
    assert_eq!(stored["mapping"][0]["kustomer"], json!(K_LUNCH));
    let sel = format!("{} option:checked", mapping_select(K_LUNCH));
    wait_for("Lunch shown as Break", Duration::from_secs(10), || async {
        (text(&browser, &sel).await.ok()? == "Break").then_some(())
    })
    .await?;
    // The offer is gone: the server has settings now.
    let offers = browser
        .eval("return document.querySelectorAll('#earlier').length")
        .await?;
    assert_eq!(offers, json!(0));
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
    let lines = test_connection(&browser, &CHECKS).await?;
    assert!(
        lines[0].contains("El servidor de la empresa responde"),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].contains("6 estados de enrutamiento"),
        "{}",
        lines[2]
    );
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
    enable_inheritance(&browser, &sandbox).await?;
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

/// Issue 16: every agent's adapter gets an admin's save at once, through the server's push. The agent
/// is in Lunch in Kustomer while inheritance is off (CCAI is not told); the admin enables inheritance
/// in the options page in another tab; the open adapter applies the mapping at once, no reload.
#[tokio::test]
async fn issue16_an_admins_save_reaches_an_open_adapter_at_once() -> TestResult {
    use e2e::kustomer_page::seed_mapping;
    let sandbox = Sandbox::start().await?;
    seed_settings(
        &sandbox,
        json!({ "schema": 2, "inheritance": false, "mapping": seed_mapping() }),
    )
    .await?;
    let browser = e2e::options_page::signed_in(&sandbox, "en-US").await?;
    let options = browser.client.window().await?;
    let agent = browser.open_agent_tab(&sandbox).await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    wait_adapter_text(&browser, "#sync-state", "live").await?;
    let before = sandbox.ccai_status().await?;
    assert_ne!(before, -3, "the agent starts elsewhere than Special Task");
    browser.pick_kustomer_status(K_LUNCH).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        sandbox.ccai_status().await?,
        before,
        "inheritance off: CCAI is not told"
    );

    browser.client.switch_to_window(options).await?;
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    enable_inheritance(&browser, &sandbox).await?;

    // The adapter in the other tab applies Lunch → Special Task (-3) at once (the seed mapping: Meal
    // is not settable by name, A9).
    browser.client.switch_to_window(agent).await?;
    sandbox
        .wait_ccai_status(
            -3,
            "CCAI Special Task once inheritance is on, without a reload",
        )
        .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "Special Task").await?;
    browser.close().await;
    Ok(())
}

/// Issue 16: a save made from an old version (another admin saved meanwhile) is refused and said so;
/// what this admin typed stays, the field they did not touch shows the other admin's value, and saving
/// again keeps both changes.
#[tokio::test]
async fn issue16_a_stale_save_is_refused_and_told_and_loses_nothing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_options(&sandbox, json!({})).await?;
    click(&browser, "label[for=dir-both]").await?;
    // Meanwhile another admin saves other countries.
    seed_settings(&sandbox, json!({ "schema": 2, "phone_countries": ["MX"] })).await?;
    click(&browser, "#save-sync").await?;
    let said = wait_text(
        &browser,
        "#sync-state",
        "another admin saved the settings meanwhile",
    )
    .await?;
    assert!(said.contains("save again"), "{said}");
    let now = stored(&sandbox)?;
    assert_eq!(
        now["direction"],
        json!("OneWay"),
        "nothing of the stale save"
    );
    assert_eq!(now["phone_countries"], json!(["MX"]));
    let checked = browser
        .eval("return document.querySelector('#dir-both').checked")
        .await?;
    assert_eq!(checked, json!(true), "what the admin chose is still there");
    wait_for(
        "the other admin's countries shown",
        Duration::from_secs(10),
        || async {
            let v = browser
                .eval("return document.querySelector('#phone-countries').value")
                .await
                .ok()?;
            (v == json!("MX")).then_some(())
        },
    )
    .await?;

    click(&browser, "#save-sync").await?;
    wait_text(&browser, "#sync-state", "Sync settings saved.").await?;
    let now = server_settings(&sandbox)?;
    assert_eq!(now["version"], json!(2));
    assert_eq!(now["settings"]["direction"], json!("Bidirectional"));
    assert_eq!(
        now["settings"]["phone_countries"],
        json!(["MX"]),
        "theirs kept"
    );
    browser.close().await;
    Ok(())
}

/// Issue 16: the server decides who is an admin. An agent who is not one, signed in, is told that only
/// admins change the settings and gets no editor; the settings stay as they are.
#[tokio::test]
async fn issue16_an_agent_who_is_not_an_admin_cannot_change_the_settings() -> TestResult {
    const BO: &str = "bo@example.com";
    let sandbox = Sandbox::start().await?;
    // Bo, an agent in both vendors but not among the server's admins, signed in to Kustomer here.
    let browser = e2e::options_page::signed_in_as(&sandbox, "en-US", Some(BO)).await?;
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    let said = wait_text(&browser, "#access", "Only the company's admins").await?;
    assert!(said.contains(BO), "{said}");
    for section in ["#mapping", "#sync", "#custom-data", "#transfer", "#fields"] {
        let n = browser
            .eval(&format!(
                "return document.querySelectorAll({section:?}).length"
            ))
            .await?;
        assert_eq!(n, json!(0), "{section} is offered to a non-admin");
    }
    assert_eq!(server_settings(&sandbox)?["version"], json!(0));
    // The connection test shows a non-admin the server, and not the server's check of the vendors.
    let lines = test_connection(&browser, &["test-server", "test-vendors"]).await?;
    assert!(
        lines[0].contains("The company server answers"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("Only an admin can see"), "{}", lines[1]);
    browser.close().await;
    Ok(())
}
