//! The bottom-left status dropdown (SPEC S1): a button and a listbox of CCAI's statuses, driven by
//! the keyboard as the ARIA listbox pattern says.

use ccai_core::status::CcaiStatus;
use web_sys::{Element, HtmlElement, KeyboardEvent};

use super::{ask, ViewState};
use crate::chrome::i18n::{t, t1};
use crate::frame::Intent;
use crate::ui::{self, bind, Var};

pub fn bind(state: ViewState) {
    let shown = state.shown;
    let open = Var::new(false);
    let active = Var::new(0usize);
    let button = ui::by_id::<HtmlElement>("status-button");
    let list = ui::by_id::<HtmlElement>("status-list");

    let label = move || match state.current_status() {
        Some(s) => s.name,
        None => t("statusUnknown"),
    };
    let open_menu = {
        let list = list.clone();
        move || {
            let index = shown.with(|v| v.statuses.iter().position(|s| Some(s.id.0) == v.current));
            active.set(index.unwrap_or(0));
            open.set(true);
            let list = list.clone();
            ui::request_animation_frame(move || {
                let _ = list.focus();
            });
        }
    };
    let close_menu = {
        let button = button.clone();
        move || {
            open.set(false);
            let _ = button.focus();
        }
    };
    let choose = {
        let close_menu = close_menu.clone();
        move |status: CcaiStatus| {
            close_menu();
            change_status(status);
        }
    };

    bind::attr(&button, "aria-expanded", move || {
        Some(open.get().to_string())
    });
    bind::attr(&button, "aria-label", move || {
        Some(t1("statusButtonLabel", &label()))
    });
    bind::flag(&button, "disabled", move || {
        shown.with(|v| v.statuses.is_empty())
    });
    bind::attr(&button, "aria-busy", move || {
        Some(shown.with(|v| v.busy).to_string())
    });
    if let Some(dot) = button.first_element_child() {
        bind::attr(&dot, "data-status-id", move || {
            shown.with(|v| v.current).map(|i| i.to_string())
        });
    }
    if let Some(name) = button.last_element_child() {
        bind::text(&name, label);
    }
    {
        let (open_menu, close_menu) = (open_menu.clone(), close_menu.clone());
        ui::on(&button, "click", move |_: web_sys::Event| {
            if open.get() {
                close_menu()
            } else {
                open_menu()
            }
        });
    }
    ui::on(&button, "keydown", move |ev: KeyboardEvent| {
        if matches!(ev.key().as_str(), "ArrowUp" | "ArrowDown") {
            ev.prevent_default();
            open_menu();
        }
    });

    bind::attr(&list, "aria-activedescendant", move || {
        Some(format!("status-option-{}", active.get()))
    });
    bind::flag(&list, "hidden", move || !open.get());
    {
        let choose = choose.clone();
        ui::on(&list, "keydown", move |ev: KeyboardEvent| {
            let count = shown.with(|v| v.statuses.len());
            if count == 0 {
                return;
            }
            match ev.key().as_str() {
                "ArrowDown" => active.update(|i| *i = (*i + 1) % count),
                "ArrowUp" => active.update(|i| *i = (*i + count - 1) % count),
                "Home" => active.set(0),
                "End" => active.set(count - 1),
                "Enter" | " " => {
                    if let Some(s) = shown.with(|v| v.statuses.get(active.get()).cloned()) {
                        choose(s);
                    }
                }
                "Escape" | "Tab" => close_menu(),
                _ => return,
            }
            ev.prevent_default();
        });
    }
    ui::on(&list, "focusout", move |_: web_sys::Event| {
        ui::request_animation_frame(move || {
            let focused_inside = ui::document()
                .active_element()
                .and_then(|el| el.closest("#status-list").ok().flatten())
                .is_some();
            if !focused_inside {
                open.set(false)
            }
        })
    });
    // The options' clicks and hovers, by delegation: the options are remade when the list changes.
    ui::on(&list, "click", move |ev: web_sys::Event| {
        if let Some(i) = option_index(&ev) {
            if let Some(s) = shown.with(|v| v.statuses.get(i).cloned()) {
                choose(s);
            }
        }
    });
    ui::on(&list, "mousemove", move |ev: web_sys::Event| {
        if let Some(i) = option_index(&ev).filter(|i| *i != active.get()) {
            active.set(i);
        }
    });
    let options = list.clone();
    ui::watch(
        move || shown.with(|v| (v.statuses.clone(), v.current, active.get())),
        move |_, (statuses, current, active)| render_options(&options, statuses, *current, *active),
    );
}

/// One `option` per status, by position: its id, its status, its text, whether it is the current
/// status (`aria-selected`) and whether the keyboard is on it (`active`).
fn render_options(list: &Element, statuses: &[CcaiStatus], current: Option<i64>, active: usize) {
    let names: Vec<String> = statuses.iter().map(|s| s.name.clone()).collect();
    bind::lines(list, "li", &names);
    let items = list.children();
    for (i, s) in statuses.iter().enumerate() {
        let Some(li) = items.item(i as u32) else {
            continue;
        };
        set(&li, "id", &format!("status-option-{i}"));
        set(&li, "role", "option");
        set(&li, "data-status-id", &s.id.0.to_string());
        set(&li, "aria-selected", &(current == Some(s.id.0)).to_string());
        let _ = li.class_list().toggle_with_force("active", active == i);
    }
}

fn set(el: &Element, name: &str, value: &str) {
    if el.get_attribute(name).as_deref() != Some(value) {
        let _ = el.set_attribute(name, value);
    }
}

/// The position of the option an event happened on, if it happened on one.
fn option_index(ev: &web_sys::Event) -> Option<usize> {
    use wasm_bindgen::JsCast;
    let target = ev.target()?.dyn_into::<Element>().ok()?;
    let option = target.closest("[role=option]").ok()??;
    option.id().strip_prefix("status-option-")?.parse().ok()
}

/// S1: the agent picks a status; CCAI's confirmation (or refusal, in its own words) is what shows.
/// Only the owner's relay writes (key and term on every request): the engine's status sync holds a
/// pick made before this tab's term and relays or refuses it then (issue 14).
fn change_status(status: CcaiStatus) {
    ask(Intent::Pick(status.id.0));
}
