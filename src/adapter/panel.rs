//! The expanded panel: who is signed in, what Kustomer shows, and what needs the agent's attention.

use web_sys::Element;

use super::{ask, ViewState};
use crate::frame::Intent;
use crate::ui::{self, bind};

pub fn bind(view: ViewState) {
    let shown = view.shown;
    let panel = ui::by_id::<Element>("panel");
    bind::flag(&panel, "hidden", move || view.minimised.get());
    bind::text(&ui::by_id("kustomer-status"), move || {
        shown.with(|v| v.kustomer_status.clone())
    });
    bind::text(&ui::by_id("owner-text"), move || {
        shown.with(|v| v.owner.clone())
    });
    let use_this_tab = ui::by_id::<Element>("use-this-tab");
    bind::flag(&use_this_tab, "hidden", move || !shown.with(|v| v.follower));
    ui::on(&use_this_tab, "click", move |_: web_sys::Event| {
        ask(Intent::UseThisTab)
    });
    bind::text(&ui::by_id("sync-state"), move || {
        shown.with(|v| v.sync.clone()).unwrap_or_default()
    });
    let sign_in = ui::by_id::<Element>("sign-in-again");
    bind::flag(&sign_in, "hidden", move || !shown.with(|v| v.paused));
    ui::on(&sign_in, "click", move |_: web_sys::Event| {
        ask(Intent::SignIn)
    });
    let notice = ui::by_id::<Element>("notice");
    bind::text(&notice, move || {
        shown.with(|v| v.notice.clone()).unwrap_or_default()
    });
    bind::attr(&notice, "class", move || {
        Some(
            if shown.with(|v| v.notice.is_some() && v.notice_problem) {
                "notice problem"
            } else {
                "notice"
            }
            .to_owned(),
        )
    });
}
