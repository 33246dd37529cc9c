//! Relay and failover figures for `./build.sh bench` (issues 4 and 5). Each returns `(key, value)`
//! pairs; the bench binary prints them beside their budgets and writes them to `target/bench.json`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::wd::WindowHandle;
use serde_json::{json, Value};

use crate::kustomer_page::kstatus;
use crate::{wait_for, Adapter, Browser, Sandbox, TestResult};

pub type Figures = Vec<(String, f64)>;

fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// The sandbox's clock (`at_ms` in its logs) on the wall clock, which the browser shares.
fn sandbox_offset(sandbox: &Sandbox) -> f64 {
    wall_ms() - sandbox.inner.app().at_ms()
}

pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (v.len() as f64 - 1.0)).round() as usize;
    v[rank.min(v.len() - 1)]
}

async fn setup(tabs: usize) -> TestResult<(Sandbox, Browser, Vec<WindowHandle>)> {
    let sandbox = Sandbox::start().await?;
    let browser = Browser::seeded(&sandbox).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    let mut handles = vec![browser.client.window().await?];
    for _ in 1..tabs {
        handles.push(browser.open_agent_tab(&sandbox).await?);
    }
    Ok((sandbox, browser, handles))
}

/// The tab that says it drives the status. On a timeout, what each tab said last.
async fn owner(browser: &Browser, tabs: &[WindowHandle]) -> TestResult<usize> {
    let said = std::cell::RefCell::new(Vec::new());
    let found = wait_for("one owner tab", Duration::from_secs(15), || async {
        let mut words = Vec::new();
        for tab in tabs {
            browser.client.switch_to_window(tab.clone()).await.ok()?;
            // The words in the page, shown or not: a tab in the background still says them.
            let text = match Adapter::enter(browser).await {
                Ok(adapter) => {
                    let v = adapter
                        .eval("return document.querySelector('#owner-text').textContent + ' | ' + document.querySelector('#notice').textContent + ' | ' + document.querySelector('#sync-state').textContent")
                        .await;
                    adapter.leave().await.ok()?;
                    v.map_or_else(
                        |e| format!("({e})"),
                        |v| v.as_str().unwrap_or("").to_owned(),
                    )
                }
                Err(e) => format!("(no adapter: {e})"),
            };
            words.push(text);
        }
        let owners: Vec<usize> = (0..words.len())
            .filter(|&i| words[i].contains("This tab"))
            .collect();
        *said.borrow_mut() = words;
        (owners.len() == 1).then(|| owners[0])
    })
    .await;
    found.map_err(|e| format!("{e}: the tabs said {:?}", said.borrow()).into())
}

/// Wall-clock times at which CCAI applied each status change, in order.
async fn applied_at(sandbox: &Sandbox, offset: f64) -> TestResult<Vec<(i64, f64)>> {
    Ok(sandbox
        .ccai_received()
        .await?
        .iter()
        .filter(|r| r["applied"] == json!(true))
        .filter_map(|r| Some((r["status_id"].as_i64()?, r["at_ms"].as_f64()? + offset)))
        .collect())
}

/// Clicks per WebDriver script: 80 × 250 ms stays well inside its 30 s script timeout.
const CLICKS_PER_SCRIPT: usize = 80;

/// `relay_ms_*`: from the agent's click in Kustomer's own menu to CCAI receiving the change, `n`
/// changes clicked in the owner tab and `n` in a follower tab. The clicks are made inside the page,
/// 250 ms apart, and timed there on the wall clock. Since issue 16 the change goes through the company
/// server, whose one CCAI budget (10 requests/s here) spreads requests ~105 ms apart: an agent who
/// clicks faster has a waiting change replaced by the newer one (never sent, by design), so clicks
/// closer than the spread would time a queue, not the relay.
pub async fn relay(n: usize) -> TestResult<Figures> {
    if n == 0 {
        return Ok(Vec::new()); // `--relay-changes 0`: the failover figures alone
    }
    let (sandbox, browser, tabs) = setup(2).await?;
    let owner = owner(&browser, &tabs).await?;
    let mut all = Vec::new();
    let mut per_tab = Vec::new();
    // Each click must be a real change, so the alternation continues across the two phases.
    for (phase, (label, tab)) in [("owner", owner), ("follower", 1 - owner)]
        .into_iter()
        .enumerate()
    {
        browser.client.switch_to_window(tabs[tab].clone()).await?;
        let offset = sandbox_offset(&sandbox);
        let before = applied_at(&sandbox, offset).await?.len();
        let script = "const [n, start, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
            const ids = ['64f0a1c2e4b0a1b2c3d4e504', '64f0a1c2e4b0a1b2c3d4e505'];
            (async () => {
              const times = [];
              for (let i = 0; i < n; i++) {
                document.querySelector('[data-kt=routing-status-button]').click();
                const item = document.querySelector(`[data-kt=routing-status-menu] [data-status-id='${ids[(start + i) % 2]}']`);
                times.push(performance.timeOrigin + performance.now());
                item.click();
                await new Promise(r => setTimeout(r, 250));
              }
              done(times);
            })().catch(e => done(String(e)));";
        // In rounds of at most CLICKS_PER_SCRIPT: one script of 200 clicks 250 ms apart would
        // outlast WebDriver's script timeout (30 s), which ended `./build.sh bench` here.
        let mut times: Vec<f64> = Vec::with_capacity(n);
        while times.len() < n {
            let round = (n - times.len()).min(CLICKS_PER_SCRIPT);
            let clicked: Vec<f64> = serde_json::from_value(
                browser
                    .client
                    .execute_async(script, vec![json!(round), json!(phase * n + times.len())])
                    .await?,
            )?;
            times.extend(clicked);
        }
        wait_for(
            "every change to reach CCAI",
            Duration::from_secs(30),
            || async {
                (applied_at(&sandbox, offset).await.ok()?.len() >= before + n).then_some(())
            },
        )
        .await?;
        // Each click's latency is to the first change CCAI applied after it: clicks are farther
        // apart than the relay takes, and a write of the server's own (its work-session poll, S8)
        // may also land, so pairing by position could pair a click with the wrong write.
        let applied = applied_at(&sandbox, offset).await?;
        let mut after = applied[before..].iter().map(|(_, at)| *at).peekable();
        let lat: Vec<f64> = times
            .iter()
            .filter_map(|t| {
                while after.next_if(|at| at < t).is_some() {}
                after.next().map(|at| at - t)
            })
            .collect();
        println!(
            "relay from the {label} tab: p50 {:.1} ms, p99 {:.1} ms",
            percentile(&lat, 50.0),
            percentile(&lat, 99.0)
        );
        per_tab.push((label, lat.clone()));
        all.extend(lat);
    }
    browser.close().await;
    sandbox.inner.stop().await;
    let mut out = vec![
        ("relay_ms_p50".to_string(), percentile(&all, 50.0)),
        ("relay_ms_p99".to_string(), percentile(&all, 99.0)),
    ];
    for (label, lat) in per_tab {
        out.push((format!("relay_ms_p50_{label}"), percentile(&lat, 50.0)));
    }
    Ok(out)
}

/// How the owner goes away in a failover trial.
#[derive(Clone, Copy, Debug)]
pub enum Loss {
    Close,
    Crash,
    /// The owner tab navigates to another site (its page may enter the back/forward cache).
    NavigateAway,
    /// Page Lifecycle freeze (CDP `Page.setWebLifecycleState`).
    Freeze,
}

/// One failover trial per entry of `losses`: the owner goes away, and at that moment Kustomer gets a
/// new status (as if the agent changed it); the time until CCAI applies it through the new owner.
///
/// After a navigation the change is made 20 ms after the navigation starts (after the owner page's
/// `beforeunload`, so it is a change the new owner must relay), while the navigation goes on: the
/// WebDriver command that starts it answers only once the next page has loaded (over 100 ms here),
/// and waiting for that answer measured WebDriver, not the handover. The figure is still timed from
/// the navigation's start, so it includes those 20 ms.
pub async fn failover(losses: &[Loss]) -> TestResult<Vec<(Loss, f64)>> {
    let (sandbox, browser, mut tabs) = setup(2).await?;
    let elsewhere = crate::plain_page_server("<p>elsewhere</p>")?;
    let mut out = Vec::new();
    let mut next = [kstatus::LUNCH, kstatus::TRAINING].into_iter().cycle();
    let mut want = [-3, 1].into_iter().cycle();
    for loss in losses {
        let o = owner(&browser, &tabs).await?;
        browser.client.switch_to_window(tabs[o].clone()).await?;
        let old_term = server_term(&sandbox)?;
        let offset = sandbox_offset(&sandbox);
        let before = applied_at(&sandbox, offset).await?.len();
        let (status, id) = (
            next.next().unwrap_or(kstatus::LUNCH),
            want.next().unwrap_or(-3),
        );
        let body = json!({ "status_id": status });
        let change = || async {
            sandbox
                .control("/sandbox/kustomer/status", body.clone())
                .await
        };
        let t0 = wall_ms();
        match loss {
            Loss::Close => browser.client.close_window().await?,
            Loss::Crash => browser.crash_renderer().await,
            Loss::NavigateAway => {
                // The change is made as the page starts to leave (a beacon from its `beforeunload`,
                // after the content script's own listener): made by the test 20 ms after asking for
                // the navigation, it sometimes came before a busy browser had begun it, and the owner
                // still in place rightly relayed it.
                let change_url = sandbox.url("/sandbox/kustomer/status");
                browser
                    .client
                    .execute(
                        "const [to, url, body] = arguments;
                         addEventListener('beforeunload', () => navigator.sendBeacon(url,
                             new Blob([body], { type: 'application/json' })), { once: true });
                         setTimeout(() => { location.href = to; }, 0);",
                        vec![json!(elsewhere), json!(change_url), json!(body.to_string())],
                    )
                    .await?;
            }
            Loss::Freeze => {
                browser
                    .cdp("Page.setWebLifecycleState", json!({ "state": "frozen" }))
                    .await?;
            }
        }
        // t0 is taken before the owner goes: the figure includes the navigation or freeze itself,
        // which errs on the slow side.
        if !matches!(loss, Loss::NavigateAway) {
            change().await?;
        }
        let at = wait_for(
            "the new owner to relay",
            Duration::from_secs(20),
            || async {
                let applied = applied_at(&sandbox, offset).await.ok()?;
                applied[before..]
                    .iter()
                    .find(|(s, _)| *s == id)
                    .map(|(_, at)| *at)
            },
        )
        .await?;
        let new_term = applied_term(&sandbox, id)?;
        if new_term <= old_term {
            // The owner relayed it before it left: not a failover, and a figure that flatters.
            return Err(format!(
                "{loss:?}: the change went out under the old term {old_term:?}, not a new one"
            )
            .into());
        }
        out.push((*loss, at - t0));
        // Restore two live tabs for the next trial.
        let gone = tabs.remove(o);
        match loss {
            Loss::Close => {}
            _ => {
                browser.client.switch_to_window(gone).await?;
                let _ = browser.client.close_window().await;
            }
        }
        browser.client.switch_to_window(tabs[0].clone()).await?;
        tabs.push(browser.open_agent_tab(&sandbox).await?);
    }
    browser.close().await;
    sandbox.inner.stop().await;
    Ok(out)
}

/// The agent's owner term at the company server now (the bench has one agent): the epoch its last
/// claim was given, which every change the owner sends carries.
fn server_term(sandbox: &Sandbox) -> TestResult<Option<u64>> {
    let server = crate::options_page::company(sandbox)?;
    let epoch: Option<i64> =
        server
            .state
            .0
            .store
            .lock()
            .query_row("SELECT MAX(epoch) FROM owner_epochs", [], |r| r.get(0))?;
    Ok(epoch.map(|e| e as u64))
}

/// The owner term under which the company server accepted the newest change to CCAI status `id`
/// that CCAI applied (CCAI's requests carry no term: the server keeps it with the change).
fn applied_term(sandbox: &Sandbox, id: i64) -> TestResult<Option<u64>> {
    let server = crate::options_page::company(sandbox)?;
    let epoch =
        server::store::db::OptionalExtension::optional(server.state.0.store.lock().query_row(
            "SELECT epoch FROM status_changes WHERE ccai_status_id = ?1 AND state = 'applied'
         ORDER BY id DESC LIMIT 1",
            [id],
            |r| r.get::<_, i64>(0),
        ))?;
    Ok(epoch.map(|e| e as u64))
}

/// How many navigations away `failover_figures` times (`bfcache_failover_ms` is their median).
const NAVIGATIONS: usize = 10;

/// Failover figures: `failover_ms_*` over closes and crashes, `bfcache_failover_ms` (median of
/// [`NAVIGATIONS`] trials, with `bfcache_failover_ms_max`), `frozen_failover_ms`.
pub async fn failover_figures(trials: usize) -> TestResult<Figures> {
    let mut losses: Vec<Loss> = (0..trials)
        .map(|i| if i % 2 == 0 { Loss::Close } else { Loss::Crash })
        .collect();
    losses.extend([Loss::NavigateAway; NAVIGATIONS]);
    losses.push(Loss::Freeze);
    let results = failover(&losses).await?;
    let closes: Vec<f64> = results
        .iter()
        .filter(|(l, _)| matches!(l, Loss::Close | Loss::Crash))
        .map(|(_, ms)| *ms)
        .collect();
    let max = closes.iter().copied().fold(f64::NAN, f64::max);
    let navigations: Vec<f64> = results
        .iter()
        .filter(|(l, _)| matches!(l, Loss::NavigateAway))
        .map(|(_, ms)| *ms)
        .collect();
    println!("bfcache failovers (ms): {navigations:.0?}");
    let find = |want: fn(&Loss) -> bool| {
        results
            .iter()
            .find(|(l, _)| want(l))
            .map_or(f64::NAN, |(_, ms)| *ms)
    };
    Ok(vec![
        ("failover_ms_p50".into(), percentile(&closes, 50.0)),
        ("failover_ms_p95".into(), percentile(&closes, 95.0)),
        ("failover_ms_max".into(), max),
        ("bfcache_failover_ms".into(), percentile(&navigations, 50.0)),
        (
            "bfcache_failover_ms_max".into(),
            navigations.iter().copied().fold(f64::NAN, f64::max),
        ),
        (
            "frozen_failover_ms".into(),
            find(|l| matches!(l, Loss::Freeze)),
        ),
    ])
}

/// Soak figures (`soak_*`), from a run larger than the CI test's.
pub async fn soak_figures(changes: usize) -> TestResult<Figures> {
    if changes == 0 {
        return Ok(Vec::new()); // `--soak-changes 0`
    }
    let r = crate::soak::run_soak(changes, 42).await?;
    Ok(vec![
        ("soak_changes".into(), r.changes as f64),
        ("soak_lost".into(), r.lost as f64),
        ("soak_duplicated".into(), r.duplicated as f64),
        ("soak_reordered".into(), r.reordered as f64),
        ("soak_final_ok".into(), if r.final_ok { 1.0 } else { 0.0 }),
    ])
}

/// For callers that keep figures as JSON.
pub fn to_json(figures: &Figures) -> Value {
    Value::Object(figures.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}
