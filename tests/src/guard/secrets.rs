//! No vendor credential in the browser (issue 16): the CCAI API token, the Kustomer API key and the
//! agent's Kustomer tokens are the company server's alone (every message: `messages.rs`). After an agent has signed in and changed status (the moment the extension
//! used to need them most) and an admin's "Test connection" (the server using both), the options
//! page, every extension storage area and every file of the built extension are searched for them;
//! the bench reports the count as `browser_secrets_found` (budget 0).

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Locator;

use crate::kustomer_page::kstatus;
use crate::{extension_dir, wait_for, Browser, Sandbox, TestResult};

/// The company's vendor credentials, as the sandbox knows them (`crates/sandbox/src/auth.rs`), and
/// the form CCAI's HTTP Basic sends them in, base64("sandbox:sandbox-ccai-token").
pub fn vendor_secrets() -> Vec<String> {
    vec![
        sandbox::CCAI_TOKEN.to_owned(),
        sandbox::KUSTOMER_API_KEY.to_owned(),
        "c2FuZGJveDpzYW5kYm94LWNjYWktdG9rZW4".to_owned(),
    ]
}

/// Every extension storage area, read from an extension page.
const STORAGE: &str = "const done = arguments[arguments.length - 1];
    Promise.all(['local', 'session', 'sync'].map(a =>
        chrome.storage[a].get(null).then(v => [a, v], e => [a, 'refused: ' + e])))
      .then(all => done(Object.fromEntries(all)));";

/// What was searched and where a secret was found ("<place>: <secret>").
#[derive(Debug, Default)]
pub struct Scan {
    pub places: usize,
    pub found: Vec<String>,
}

impl Scan {
    pub fn search(&mut self, place: &str, text: &str, secrets: &[String]) {
        self.places += 1;
        for s in secrets.iter().filter(|s| text.contains(s.as_str())) {
            self.found.push(format!("{place}: {s}"));
        }
    }
}

/// The vendor connection as versions before issue 16 kept it in `chrome.storage.local` (key
/// `config`), with the company's credentials: what an update finds in every agent's browser.
const EARLIER_CONNECTION: &str = "const done = arguments[arguments.length - 1];
    chrome.storage.local.set({ config: { kustomer_base: 'https://acme.api.kustomerapp.com',
        kustomer_key: arguments[0], ccai_base: 'https://acme.uc1.ccaiplatform.com', ccai_user: 'acme',
        ccai_token: arguments[1], agent_email: 'agent@example.com' } })
      .then(() => done('ok'), e => done(String(e)));";

/// Updates a browser that an earlier version configured with the vendor connection, signs the agent
/// (an admin of the company server) in on the sandbox's page, changes their status in Kustomer and
/// waits for CCAI to have it, runs the options page's "Test connection", then searches what that page
/// shows, `chrome.storage.{local,session,sync}` and the built extension's files.
pub async fn browser_secrets(sandbox: &Sandbox) -> TestResult<Scan> {
    let mut secrets = vendor_secrets();
    let browser = Browser::seeded(sandbox).await?;
    // `seeded` left the browser on an extension page, whose storage this is.
    let earlier = browser
        .client
        .execute_async(
            EARLIER_CONNECTION,
            vec![sandbox::KUSTOMER_API_KEY.into(), sandbox::CCAI_TOKEN.into()],
        )
        .await?;
    if earlier != serde_json::json!("ok") {
        return Err(format!("could not store the earlier connection: {earlier}").into());
    }
    let browser = super::hostile::agent_page_in(browser, sandbox).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "the agent's Kustomer change to reach CCAI")
        .await?;
    // The admin's side too: the options page's "Test connection" makes the server use both
    // credentials; what the page shows of it is searched with the storage.
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#test-connection"))
        .await?
        .click()
        .await?;
    let shown = wait_for(
        "the server's check of both vendors",
        Duration::from_secs(15),
        || async {
            let n = browser
                .eval("return document.querySelectorAll('#test-ccai, #test-kustomer').length")
                .await
                .ok()?;
            if n != serde_json::json!(2) {
                return None;
            }
            browser.eval("return document.body.innerText").await.ok()
        },
    )
    .await?;
    let storage = browser.client.execute_async(STORAGE, vec![]).await?;
    browser.close().await;
    // The agent's Kustomer tokens, which only the company server may hold, as the sandbox issued them.
    secrets.extend(sandbox.inner.app().lock().kustomer.oauth.known_tokens());
    let session = &storage["session"]["company.session"]["session"];
    if !session.is_string() {
        return Err(format!("the agent is not signed in to the company server: {storage}").into());
    }
    let mut scan = Scan::default();
    let shown = shown.as_str().unwrap_or_default();
    scan.search("the options page after Test connection", shown, &secrets);
    for area in ["local", "session", "sync"] {
        let text = storage[area].to_string();
        scan.search(&format!("chrome.storage.{area}"), &text, &secrets);
    }
    let dir = extension_dir();
    let files = files_under(&dir);
    if files.len() < 5 {
        return Err(format!(
            "only {} files in {}: is it built?",
            files.len(),
            dir.display()
        )
        .into());
    }
    for file in files {
        let bytes = std::fs::read(&file)?;
        let text = String::from_utf8_lossy(&bytes);
        let name = file
            .strip_prefix(&dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        scan.search(&name, &text, &secrets);
    }
    Ok(scan)
}

/// The sandbox build's defaults (`build.sh --sandbox`, `sandbox-defaults.json`) as `build.sh` writes
/// them: a demo build must not ship a credential either.
pub fn build_script_secrets() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = std::fs::read_to_string(root.join("build.sh")).unwrap_or_default();
    let mut scan = Scan::default();
    let defaults: String = script
        .lines()
        .skip_while(|l| !l.contains("sandbox-defaults.json\" <<JSON"))
        .take_while(|l| *l != "JSON")
        .collect();
    scan.search(
        "build.sh's sandbox-defaults.json",
        &defaults,
        &vendor_secrets(),
    );
    scan.found
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                stack.push(entry.path());
            }
        } else {
            out.push(path);
        }
    }
    out
}
