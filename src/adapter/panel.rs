//! The expanded panel: who is signed in, what Kustomer shows, and what needs the agent's attention.

use web_sys::Element;

use crate::chrome::i18n::t;
use crate::frame::{AdapterState, Role};
use crate::sync::Driver;
use crate::ui::{self, bind};

pub fn bind(state: AdapterState, driver: &Driver) {
    let panel = ui::by_id::<Element>("panel");
    bind::flag(&panel, "hidden", move || state.minimised.get());
    bind::text(&ui::by_id("kustomer-status"), move || {
        state.page.with(|page| match page {
            None => t("kustomerWaiting"),
            Some(f) if !f.markup_found => t("kustomerStatusNotFound"),
            Some(f) => f
                .status_name
                .clone()
                .unwrap_or_else(|| t("kustomerStatusNotFound")),
        })
    });
    bind::text(&ui::by_id("owner-text"), move || match state.role.get() {
        Role::Owner => t("ownerThisTab"),
        Role::Follower => t("ownerOtherTab"),
        Role::Unknown => String::new(),
    });
    let use_this_tab = ui::by_id::<Element>("use-this-tab");
    bind::flag(&use_this_tab, "hidden", move || {
        state.role.get() != Role::Follower
    });
    let d = driver.clone();
    ui::on(&use_this_tab, "click", move |_: web_sys::Event| {
        d.use_this_tab()
    });
    bind::text(&ui::by_id("sync-state"), move || {
        state.sync.get().unwrap_or_default()
    });
    let sign_in = ui::by_id::<Element>("sign-in-again");
    bind::flag(&sign_in, "hidden", move || !state.paused.get());
    let d = driver.clone();
    ui::on(&sign_in, "click", move |_: web_sys::Event| {
        d.sign_in_again()
    });
    let notice = ui::by_id::<Element>("notice");
    bind::text(&notice, move || {
        state.notice.get().map(|n| n.text()).unwrap_or_default()
    });
    bind::attr(&notice, "class", move || {
        Some(
            match state.notice.get() {
                Some(n) if n.is_problem() => "notice problem",
                _ => "notice",
            }
            .to_owned(),
        )
    });
}
