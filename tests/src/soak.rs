//! The relay soak (issue 5): a seeded random schedule of status changes across three tabs, with CCAI
//! faults of every kind and owner tabs crashed or closed mid-stream. Used by the soak test (CI size)
//! and by `./build.sh bench` (larger).

use std::time::Duration;

use serde_json::{json, Value};

use ccai_core::mapping::{Mapping, MappingEntry};
use ccai_core::reconcile::{Decision, Direction, Priority, Reconciler, SyncConfig, SyncEvent};
use ccai_core::status::{
    CcaiCatalog, CcaiStatus, CcaiStatusId, KustomerCatalog, KustomerStatus, KustomerStatusId,
    StatusType,
};

use crate::kustomer_page::{kstatus, seed_mapping};
use crate::{wait_for, Browser, Sandbox, TestResult};

/// The Kustomer statuses the soak clicks in the page's own menu.
const STATUSES: [&str; 4] = [
    kstatus::AVAILABLE,
    kstatus::FOCUS,
    kstatus::LUNCH,
    kstatus::TRAINING,
];

/// What CCAI should be told, decided by the product's own reconciler under the seed's mapping, one
/// way, the latest change winning (what [`Browser::seeded`] configures), not by a copy of its rules:
/// each click is a Kustomer change, and each CCAI status it asks for is applied before the next.
struct Expected {
    reconciler: Reconciler,
    at_ms: u64,
    /// CCAI's statuses in order, from the agent's start (Available in both).
    ccai: Vec<i64>,
}

impl Expected {
    fn new() -> TestResult<Self> {
        // The seed's rows, checked as the adapter checks them (against catalogs holding their statuses).
        let rows: Vec<MappingEntry> = serde_json::from_value(seed_mapping())?;
        let kustomer: KustomerCatalog = rows
            .iter()
            .map(|r| KustomerStatus {
                id: r.kustomer.clone(),
                name: r.kustomer.as_str().into(),
                status_type: StatusType::Available,
                system: false,
            })
            .collect();
        let ccai: CcaiCatalog = rows
            .iter()
            .map(|r| CcaiStatus {
                id: r.ccai,
                name: r.ccai.0.to_string(),
                color: None,
            })
            .collect();
        let mapping = Mapping::validate(&rows, &kustomer, &ccai)
            .map_err(|problems| format!("the seed mapping: {problems:?}"))?;
        let config = SyncConfig {
            direction: Direction::OneWay,
            priority: Priority::LatestChangeWins,
        };
        let mut expected = Expected {
            reconciler: Reconciler::new(config, mapping),
            at_ms: 0,
            ccai: vec![0],
        };
        expected.feed(SyncEvent::SignedIn {
            kustomer: KustomerStatusId::new(kstatus::AVAILABLE),
            ccai: CcaiStatusId(0),
            kustomer_email: "agent@example.com".into(),
            ccai_email: "agent@example.com".into(),
            at_ms: 0,
            ccai_picked_at_ms: None,
        });
        Ok(expected)
    }

    fn click(&mut self, kustomer: &str) {
        self.at_ms += 1;
        self.feed(SyncEvent::KustomerChanged {
            status: KustomerStatusId::new(kustomer),
            at_ms: self.at_ms,
        });
    }

    fn feed(&mut self, event: SyncEvent) {
        for decision in self.reconciler.handle(event) {
            if let Decision::SetCcai { status } = decision {
                self.ccai.push(status.0);
                self.at_ms += 1;
                let applied = SyncEvent::CcaiChanged {
                    status,
                    at_ms: self.at_ms,
                    by_system: false,
                };
                self.feed(applied);
            }
        }
    }
}

/// What the soak found. Every count but `changes` must be 0, and `final_ok` true.
#[derive(Debug, Clone, PartialEq)]
pub struct SoakReport {
    pub changes: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub reordered: usize,
    pub final_ok: bool,
    pub faults: usize,
    pub owner_crashes: usize,
}

/// A small deterministic generator (xorshift64*), so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn fault(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => json!({ "kind": "status", "code": 500 }),
        1 => json!({ "kind": "status", "code": 503 }),
        2 => json!({ "kind": "drop" }),
        3 => json!({ "kind": "lost_response" }),
        4 => json!({ "kind": "status", "code": 429, "retry_after_s": 0 }),
        _ => json!({ "kind": "latency", "ms": 150 }),
    }
}

/// Clicks `ids` in Kustomer's own status menu of the current tab, 25 ms apart, inside the page.
async fn click_in_page(browser: &Browser, ids: &[&str]) -> TestResult {
    let script = "const [ids, done] = [arguments[0], arguments[arguments.length - 1]];
        (async () => {
          for (const id of ids) {
            document.querySelector('[data-kt=routing-status-button]').click();
            document.querySelector(`[data-kt=routing-status-menu] [data-status-id='${id}']`).click();
            await new Promise(r => setTimeout(r, 25));
          }
          done('ok');
        })().catch(e => done(String(e)));";
    let r = browser
        .client
        .execute_async(script, vec![json!(ids)])
        .await?;
    if r != json!("ok") {
        return Err(format!("clicking in the page failed: {r}").into());
    }
    Ok(())
}

/// Plays `changes` status changes with `seed`; returns what CCAI ended up applying, judged.
pub async fn run_soak(changes: usize, seed: u64) -> TestResult<SoakReport> {
    let sandbox = Sandbox::start().await?;
    let browser = Browser::seeded(&sandbox).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    let mut tabs = vec![browser.client.window().await?];
    for _ in 0..2 {
        tabs.push(browser.open_agent_tab(&sandbox).await?);
    }
    tokio::time::sleep(Duration::from_millis(800)).await;

    let mut rng = Rng(seed | 1);
    let mut expected = Expected::new()?;
    let mut last = kstatus::AVAILABLE;
    let (mut done, mut faults, mut crashes) = (0, 0, 0);
    let mut waiting: Vec<Value> = Vec::new();
    while done < changes {
        if rng.below(3) == 0 {
            let n = 1 + rng.below(2) as usize;
            waiting.extend((0..n).map(|_| fault(&mut rng)));
        }
        // The company server merges the agent's changes into far fewer CCAI writes than clicks:
        // faults queued faster than writes meet them would pile up into one outage at the end. The
        // drawn faults wait until CCAI has met the last ones, then go together.
        if !waiting.is_empty() && faults_pending(&sandbox).await? == 0 {
            let list = std::mem::take(&mut waiting);
            faults += list.len();
            sandbox
                .control(
                    "/sandbox/faults",
                    json!({ "service": "ccai", "path_prefix": "/apps/api/v1/agent_statuses", "method": "POST", "faults": list }),
                )
                .await?;
        }
        if rng.below(10) == 0 {
            // An owner (or any tab: the soak does not look) crashes or is closed; a new tab opens.
            let victim = rng.below(tabs.len() as u64) as usize;
            browser
                .client
                .switch_to_window(tabs[victim].clone())
                .await?;
            if rng.below(2) == 0 {
                browser.crash_renderer().await;
                let _ = browser.client.close_window().await;
            } else {
                browser.client.close_window().await?;
            }
            crashes += 1;
            tabs.remove(victim);
            // WebDriver needs a live window to open a new one from.
            browser.client.switch_to_window(tabs[0].clone()).await?;
            tabs.push(browser.open_agent_tab(&sandbox).await?);
        }
        let tab = rng.below(tabs.len() as u64) as usize;
        browser.client.switch_to_window(tabs[tab].clone()).await?;
        let batch = (5 + rng.below(20) as usize).min(changes - done);
        let mut ids = Vec::with_capacity(batch);
        for _ in 0..batch {
            let id = loop {
                let s = STATUSES[rng.below(STATUSES.len() as u64) as usize];
                if s != last {
                    break s;
                }
            };
            last = id;
            ids.push(id);
            expected.click(id);
        }
        // A freshly opened tab may still be loading its page.
        browser.wait_kustomer_menu().await?;
        click_in_page(&browser, &ids).await?;
        done += batch;
    }

    // The outage ends with the last change: faults still queued would each meet one of the server's
    // retries of the last write, at a back-off that grows to 30 s, and a dozen of them outlast the
    // settling wait below without anything being lost (a 3,000-change bench run ended that way: CCAI
    // had the agent's last status, the server was still retrying a write whose answer was dropped).
    // The faults that fired are what the soak tests.
    sandbox
        .http
        .delete(sandbox.url("/sandbox/faults"))
        .send()
        .await?
        .error_for_status()?;
    let agent = expected.ccai;
    let want = *agent.last().unwrap_or(&0);
    let final_ok = wait_for(
        "CCAI to settle on the agent's last status",
        Duration::from_secs(90),
        // Not "no fault pending": the last faults drawn wait for a write, and once CCAI has the
        // agent's last status the server has nothing more to write. Nothing open at the server
        // either, or CCAI might only pass through that status on the way.
        || async {
            let open = match &sandbox.company.server {
                Some(server) => {
                    server::status::store::open_count(&server.state.0.store.lock()).ok()?
                }
                None => return None,
            };
            (open == 0 && sandbox.ccai_status().await.ok()? == want).then_some(())
        },
    )
    .await
    .is_ok();

    let received = sandbox.ccai_received().await?;
    if !final_ok {
        leave_evidence(&sandbox, &received, &agent);
    }
    let applied: Vec<&Value> = received
        .iter()
        .filter(|r| r["applied"] == json!(true) && r["agent_id"] == json!(11))
        .collect();
    // Through the company server no key of ours reaches CCAI: a change applied twice shows as a status
    // that CCAI changed to more often than the agent changed to it (a repeat of the status CCAI has
    // already is no change: the sandbox says `unchanged`).
    let mut times = std::collections::HashMap::<i64, (usize, usize)>::new();
    for r in &applied {
        if r["outcome"] == "applied" {
            if let Some(s) = r["status_id"].as_i64() {
                times.entry(s).or_default().0 += 1;
            }
        }
    }
    for s in dedup(&agent) {
        times.entry(s).or_default().1 += 1;
    }
    let duplicated = times
        .values()
        .map(|(ccai, agent)| ccai.saturating_sub(*agent))
        .sum();
    let applied_ids: Vec<i64> = applied
        .iter()
        .filter_map(|r| r["status_id"].as_i64())
        .collect();
    let agent_distinct = dedup(&agent);
    let reordered = out_of_order(&applied_ids, &agent_distinct);
    let lost = usize::from(!final_ok);
    browser.close().await;
    sandbox.inner.stop().await;
    Ok(SoakReport {
        changes,
        lost,
        duplicated,
        reordered,
        final_ok,
        faults,
        owner_crashes: crashes,
    })
}

/// How many injected faults CCAI has not met yet.
async fn faults_pending(sandbox: &Sandbox) -> TestResult<usize> {
    let pending = sandbox.get_json("/sandbox/faults").await?;
    Ok(pending["pending"].as_array().map_or(0, Vec::len))
}

/// A failed soak leaves what a person needs to find the lost change: the agent's last statuses, the
/// last writes CCAI received, and a copy of the company server's database (`status_changes`).
fn leave_evidence(sandbox: &Sandbox, received: &[Value], agent: &[i64]) {
    let tail = |n: usize, len: usize| len.saturating_sub(n);
    eprintln!(
        "the agent's last statuses: {:?}",
        &agent[tail(10, agent.len())..]
    );
    for r in &received[tail(15, received.len())..] {
        eprintln!("ccai received: {r}");
    }
    // SQLite in WAL mode: the recent commits are in the `-wal` file beside it.
    for suffix in ["", "-wal"] {
        let from = sandbox
            .company
            .db_path()
            .with_extension(format!("db{suffix}"));
        let copy = crate::artifacts_dir().join(format!("soak-server.db{suffix}"));
        match std::fs::copy(&from, &copy) {
            Ok(_) => eprintln!("the company server's database: {}", copy.display()),
            Err(e) => eprintln!("{} was not copied: {e}", from.display()),
        }
    }
}

fn dedup(seq: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for s in seq {
        if out.last() != Some(s) {
            out.push(*s);
        }
    }
    out
}

/// How many of CCAI's applied statuses cannot be matched, in order, against the agent's sequence:
/// 0 means CCAI applied an in-order subsequence of what the agent did (skips are allowed, because a
/// queued change may be superseded by a newer one; going back is not).
fn out_of_order(applied: &[i64], agent: &[i64]) -> usize {
    let mut at = 0;
    let mut bad = 0;
    for a in applied {
        match agent[at..].iter().position(|x| x == a) {
            Some(i) => at += i + 1,
            None => bad += 1,
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_are_in_order_but_going_back_is_not() {
        assert_eq!(out_of_order(&[-3, 0], &[0, -3, 1, 0]), 0);
        assert_eq!(out_of_order(&[1, -3], &[0, -3, 1, 0]), 1);
    }

    #[test]
    fn the_expected_ccai_statuses_are_the_reconcilers_under_the_seed_mapping() {
        let mut expected = Expected::new().expect("the seed mapping reads");
        for click in [
            kstatus::FOCUS,
            kstatus::LUNCH,
            kstatus::AVAILABLE,
            kstatus::TRAINING,
        ] {
            expected.click(click);
        }
        // Focus time maps to Available, which CCAI has already: nothing to tell it.
        assert_eq!(expected.ccai, [0, -3, 0, 1]);
    }
}
