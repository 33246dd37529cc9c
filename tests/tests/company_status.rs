//! The status path through the company server (issue 16), as an agent sees it: a second computer
//! taking the status fences the first, which says so; the server stopped and started again in the
//! middle of a burst of changes loses, repeats and reorders none.

use std::time::Duration;

use e2e::kustomer_page::kstatus;
use e2e::{pick_in_adapter, wait_adapter_text, wait_for, Browser, Sandbox, TestResult};

async fn owner_page(sandbox: &Sandbox) -> TestResult<Browser> {
    let browser = Browser::seeded(sandbox).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    wait_adapter_text(&browser, "#sync-state", "live").await?;
    Ok(browser)
}

#[tokio::test]
async fn a_second_computer_taking_the_status_fences_the_first_which_shows_it() -> TestResult {
    let sandbox = Sandbox::start().await?;
    // Two browser profiles: two computers, each signed in to the company server on its own.
    let laptop = owner_page(&sandbox).await?;
    let desktop = owner_page(&sandbox).await?;

    pick_in_adapter(&laptop, -2).await?;
    sandbox
        .wait_ccai_status(-2, "Break from the laptop")
        .await?;
    pick_in_adapter(&desktop, 1).await?;
    sandbox
        .wait_ccai_status(1, "Training from the desktop")
        .await?;

    // The laptop is told, in words, and sends nothing of its own any more.
    wait_adapter_text(&laptop, "#notice", "Another computer took your status").await?;
    let before = sandbox.ccai_applied().await?.len();
    laptop.pick_kustomer_status(kstatus::AVAILABLE).await?;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        sandbox.ccai_applied().await?.len(),
        before,
        "a fenced computer writes nothing by itself"
    );
    assert_eq!(sandbox.ccai_status().await?, 1);

    // The agent picks a status on the laptop: it takes the status back, and the desktop is told.
    pick_in_adapter(&laptop, -2).await?;
    sandbox
        .wait_ccai_status(-2, "Break from the laptop again")
        .await?;
    wait_adapter_text(&desktop, "#notice", "Another computer took your status").await?;
    laptop.close().await;
    desktop.close().await;
    Ok(())
}

#[tokio::test]
async fn the_server_stopped_and_restarted_during_a_burst_loses_repeats_and_reorders_nothing(
) -> TestResult {
    let mut sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    let before = sandbox.ccai_applied().await?.len();

    // A burst of changes in Kustomer's own menu, each to a different CCAI status (so a change
    // applied twice would show); the server goes away in the middle of it and comes back.
    let picks = [
        (kstatus::TRAINING, 1),
        (kstatus::LUNCH, -3),
        (kstatus::OFFLINE, -10),
        (kstatus::AVAILABLE, 0),
    ];
    for (i, (status, _)) in picks.iter().enumerate() {
        if i == 1 {
            sandbox.company.stop().await;
        }
        if i == 3 {
            // The adapter says the changes wait.
            wait_adapter_text(&browser, "#sync-state", "etry").await?;
            sandbox.company.restart().await?;
        }
        browser.pick_kustomer_status(status).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let applied = wait_for(
        "CCAI to apply the last pick",
        Duration::from_secs(40),
        || async {
            let applied = sandbox.ccai_applied().await.ok()?[before..].to_vec();
            (applied.last() == Some(&0)).then_some(applied)
        },
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sandbox.ccai_applied().await?[before..],
        applied[..],
        "nothing more comes later"
    );
    // Every change CCAI got is one the agent made, once, in the agent's order (a change still
    // waiting may be replaced by a newer one: the relay sends the latest), and the last is the last.
    let wanted: Vec<i64> = picks.iter().map(|(_, c)| *c).collect();
    let mut at = 0;
    for status in &applied {
        match wanted[at..].iter().position(|w| w == status) {
            Some(i) => at += i + 1,
            None => {
                panic!("{status} out of order or repeated: applied {applied:?}, picks {wanted:?}")
            }
        }
    }
    // The last change's outcome may have been pushed while the push stream was reconnecting: the
    // server's acceptance stands for it after a while.
    wait_for("sync to be live again", Duration::from_secs(30), || async {
        let state = e2e::adapter_text(&browser, "#sync-state").await.ok()?;
        state.contains("live").then_some(())
    })
    .await?;
    browser.close().await;
    Ok(())
}
