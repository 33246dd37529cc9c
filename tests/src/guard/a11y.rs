//! The accessibility audit: axe-core (installed by `npm ci`, never fetched at run time) inside
//! headless Chromium, over every screen in [`SCREENS`], in every language in [`LANGS`]. A new screen
//! is one more line in [`SCREENS`].

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::{sandbox_config, wait_for, Adapter, Browser, BrowserOptions, Sandbox, TestResult};

/// WCAG 2.1 A and AA, as axe tags them.
pub const WCAG_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// The browser languages every screen is audited in (`--lang`).
pub const LANGS: &[&str] = &["en-US", "es"];

/// Which extension page a screen is on.
#[derive(Clone, Copy, Debug)]
pub enum Page {
    /// The adapter frame inside the sandbox's Kustomer page.
    Adapter,
    /// The options page in its own tab.
    Options,
    /// The operations page (issue 18) in its own tab.
    Operations,
}

/// What the extension is configured with before the page opens.
#[derive(Clone, Copy, Debug)]
pub enum Conn {
    /// The sandbox: everything answers.
    Sandbox,
    /// Nothing stored: the adapter says to open the options page.
    Nothing,
    /// A CCAI base where nothing listens.
    CcaiUnreachable,
}

/// One step towards a screen, run inside the page (the adapter's frame for [`Page::Adapter`]).
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// Waits until this JavaScript expression is truthy (10 s).
    Until(&'static str),
    /// Clicks the element.
    Click(&'static str),
    /// Types `value` into the field (sets it and fires `input` and `change`, as typing does).
    Fill(&'static str, &'static str),
    /// POSTs the JSON body to a sandbox control path, e.g. an incoming call.
    Control(&'static str, &'static str),
}

/// A screen to audit: its name (for the report and the screenshot), where, how configured, how reached.
#[derive(Clone, Copy, Debug)]
pub struct Screen {
    pub name: &'static str,
    pub page: Page,
    pub conn: Conn,
    pub steps: &'static [Step],
}

const STATUSES_LOADED: Step =
    Step::Until("document.querySelectorAll('#status-list [role=option]').length > 0");

/// Every screen that exists. One line per screen.
#[rustfmt::skip]
pub const SCREENS: &[Screen] = &[
    Screen { name: "adapter-open", page: Page::Adapter, conn: Conn::Sandbox, steps: &[STATUSES_LOADED] },
    Screen { name: "adapter-minimised", page: Page::Adapter, conn: Conn::Sandbox, steps: &[STATUSES_LOADED, Step::Click("#panel-toggle"), Step::Until("document.querySelector('#panel').hidden")] },
    Screen { name: "adapter-status-list-open", page: Page::Adapter, conn: Conn::Sandbox, steps: &[STATUSES_LOADED, Step::Click("#status-button"), Step::Until("!document.querySelector('#status-list').hidden")] },
    Screen { name: "adapter-not-configured", page: Page::Adapter, conn: Conn::Nothing, steps: &[Step::Until("document.querySelector('#notice').textContent.length > 0")] },
    Screen { name: "adapter-ccai-unreachable", page: Page::Adapter, conn: Conn::CcaiUnreachable, steps: &[Step::Until("document.querySelector('#notice.problem') && document.querySelector('#notice').textContent.length > 0")] },
    Screen { name: "adapter-dial-refused", page: Page::Adapter, conn: Conn::Sandbox, steps: &[STATUSES_LOADED, Step::Fill("#dial-input", "call me maybe"), Step::Click("#call-button"), Step::Until("document.querySelector('#call-message').textContent.length > 0")] },
    Screen { name: "adapter-in-call", page: Page::Adapter, conn: Conn::Sandbox, steps: &[STATUSES_LOADED, Step::Fill("#dial-input", "+34 612 34 56 78"), Step::Click("#call-button"), Step::Until("document.querySelector('#call-view #call-status')")] },
    Screen { name: "adapter-incoming-call", page: Page::Adapter, conn: Conn::Sandbox, steps: &[STATUSES_LOADED, Step::Until("document.querySelector('#owner-text').textContent.length > 0"), Step::Control("/sandbox/ccai/calls/incoming", r#"{"end_user_number": "+14155550132"}"#), Step::Until("document.querySelector('#call-view #call-status') && document.querySelector('#in-ccai')")] },
    Screen { name: "options", page: Page::Options, conn: Conn::Sandbox, steps: &[Step::Until("document.querySelectorAll('#mapping tbody select').length > 0")] },
    Screen { name: "operations", page: Page::Operations, conn: Conn::Sandbox, steps: &[Step::Until("document.querySelector('#ops-updated')")] },
    Screen { name: "options-unconfigured", page: Page::Options, conn: Conn::Nothing, steps: &[Step::Until("document.querySelector('#access')?.textContent.length > 0")] },
];

/// One axe violation on one screen in one language.
#[derive(Clone, Debug)]
pub struct Violation {
    pub screen: String,
    pub lang: String,
    pub rule: String,
    pub help: String,
    pub targets: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} [{}] {}: {} at {:?}",
            self.screen, self.lang, self.rule, self.help, self.targets
        )
    }
}

fn axe_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/axe-core/axe.min.js")
}

/// axe-core's source, read once. Missing means `npm ci` has not run: say so.
pub fn axe_source() -> TestResult<&'static str> {
    static SOURCE: OnceLock<Result<String, String>> = OnceLock::new();
    SOURCE
        .get_or_init(|| {
            std::fs::read_to_string(axe_path()).map_err(|e| {
                format!(
                    "{}: {e} (run `npm ci`, as scripts/install-deps.sh does)",
                    axe_path().display()
                )
            })
        })
        .as_deref()
        .map_err(|e| e.clone().into())
}

/// Runs axe in the current browsing context (WebDriver's script runs in the page's main world and is
/// not subject to the page's CSP; axe itself needs no eval). Returns the violations as axe reports them.
pub async fn run_axe(browser: &Browser) -> TestResult<Vec<Value>> {
    let loaded = browser
        .client
        .execute(
            &format!("{}\n;return typeof window.axe;", axe_source()?),
            vec![],
        )
        .await?;
    if loaded != json!("object") {
        return Err(format!("axe did not load: typeof axe = {loaded}").into());
    }
    let script = "const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
          .then(r => done({ ok: r.violations.map(v => ({ id: v.id, help: v.help, impact: v.impact,
                targets: v.nodes.map(n => n.target.join(' ') + ' — ' + n.failureSummary) })) }),
                e => done({ error: String(e) }));";
    let r = browser
        .client
        .execute_async(script, vec![json!(WCAG_TAGS)])
        .await?;
    if let Some(e) = r.get("error") {
        return Err(format!("axe failed: {e}").into());
    }
    Ok(r["ok"].as_array().cloned().unwrap_or_default())
}

fn config_for(conn: Conn, sandbox: &Sandbox) -> Option<Value> {
    match conn {
        Conn::Sandbox => Some(sandbox_config(&sandbox.url(""))),
        Conn::Nothing => None,
        Conn::CcaiUnreachable => {
            let mut c = sandbox_config(&sandbox.url(""));
            c["ccai_base"] = json!("http://127.0.0.1:9/ccai");
            Some(c)
        }
    }
}

/// Opens `screen` in a new browser in `lang` and leaves WebDriver in the screen's document.
pub async fn open(screen: &Screen, sandbox: &Sandbox, lang: &str) -> TestResult<Browser> {
    // Each screen starts from the sandbox's seed: a call left live by one screen would hide another's.
    sandbox.inner.reset();
    // The options page edits the company's settings on the server: with a connection, the browser is
    // signed in to it first (as the agent, an admin there), as an admin's would be.
    let browser = if matches!(
        (screen.page, screen.conn),
        (Page::Options | Page::Operations, Conn::Sandbox)
    ) {
        crate::options_page::signed_in(sandbox, lang).await?
    } else {
        let browser = Browser::start(BrowserOptions {
            lang: lang.into(),
            ..BrowserOptions::default()
        })
        .await?;
        if let Some(config) = config_for(screen.conn, sandbox) {
            browser.configure(config).await?;
        }
        browser
    };
    match screen.page {
        Page::Adapter => {
            browser.client.goto(&sandbox.url("/")).await?;
            Adapter::enter(&browser).await?;
        }
        Page::Options => {
            browser
                .client
                .goto(&Browser::extension_url("options.html"))
                .await?;
        }
        Page::Operations => {
            browser
                .client
                .goto(&Browser::extension_url("operations.html"))
                .await?;
        }
    }
    for step in screen.steps {
        run_step(&browser, sandbox, *step)
            .await
            .map_err(|e| format!("screen {} [{lang}], {step:?}: {e}", screen.name))?;
    }
    Ok(browser)
}

async fn run_step(browser: &Browser, sandbox: &Sandbox, step: Step) -> TestResult {
    {
        match step {
            Step::Until(expr) => {
                wait_for(expr, Duration::from_secs(10), || async {
                    let v = browser.eval(&format!("return !!({expr})")).await.ok()?;
                    (v == json!(true)).then_some(())
                })
                .await?
            }
            Step::Click(css) => {
                // The frame grows to the panel's size by message: until then a control may lie
                // outside it ("not interactable"), so retry briefly.
                wait_for(css, Duration::from_secs(5), || async {
                    let el = browser.client.find(Locator::Css(css)).await.ok()?;
                    el.click().await.ok()
                })
                .await?
            }
            Step::Fill(css, value) => {
                let script = "const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1];
                    el.dispatchEvent(new Event('input', { bubbles: true }));
                    el.dispatchEvent(new Event('change', { bubbles: true }));";
                browser
                    .client
                    .execute(script, vec![json!(css), json!(value)])
                    .await?;
            }
            Step::Control(path, body) => {
                sandbox.control(path, serde_json::from_str(body)?).await?;
            }
        }
    }
    Ok(())
}

/// The document's `lang`, which must name the language of the words shown (WCAG 3.1.1).
pub async fn document_lang(browser: &Browser) -> TestResult<String> {
    Ok(browser
        .eval("return document.documentElement.lang")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Audits one screen in one language: axe's violations, plus a wrong `<html lang>` as a violation.
pub async fn audit(screen: &Screen, sandbox: &Sandbox, lang: &str) -> TestResult<Vec<Violation>> {
    let browser = open(screen, sandbox, lang).await?;
    let mut out: Vec<Violation> = run_axe(&browser)
        .await?
        .into_iter()
        .map(|v| Violation {
            screen: screen.name.into(),
            lang: lang.into(),
            rule: v["id"].as_str().unwrap_or_default().into(),
            help: v["help"].as_str().unwrap_or_default().into(),
            targets: serde_json::from_value(v["targets"].clone()).unwrap_or_default(),
        })
        .collect();
    let want = lang.split('-').next().unwrap_or(lang);
    let have = document_lang(&browser).await?;
    if have.split('-').next() != Some(want) {
        out.push(Violation {
            screen: screen.name.into(),
            lang: lang.into(),
            rule: "html-lang-matches-messages".into(),
            help: format!("<html lang={have:?}> but the browser's language is {lang}"),
            targets: vec!["html".into()],
        });
    }
    let _ = browser.client.clone().enter_parent_frame().await;
    let _ = browser
        .screenshot(&format!("guard_a11y_{}_{lang}", screen.name))
        .await;
    browser.close().await;
    Ok(out)
}

/// Every screen in every language: all violations found.
pub async fn audit_all(sandbox: &Sandbox) -> TestResult<Vec<Violation>> {
    let mut all = Vec::new();
    for lang in LANGS {
        for screen in SCREENS {
            all.extend(audit(screen, sandbox, lang).await?);
        }
    }
    Ok(all)
}
