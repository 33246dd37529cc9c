//! The bottom-left status dropdown (SPEC S1): a button and a listbox of CCAI's statuses, driven by
//! the keyboard as the ARIA listbox pattern says.

use ccai_core::status::CcaiStatus;
use leptos::ev::KeyboardEvent;
use leptos::html::{Button, Ul};
use leptos::prelude::*;

use crate::chrome::i18n::{t, t1};
use crate::frame::AdapterState;
use crate::sync::SyncHandle;

#[component]
pub fn StatusMenu() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let sync = expect_context::<SyncHandle>();
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let button_ref = NodeRef::<Button>::new();
    let list_ref = NodeRef::<Ul>::new();

    let label = move || match state.current_status() {
        Some(s) => s.name,
        None => t("statusUnknown"),
    };
    let open_menu = move || {
        let current = state.current.get_untracked();
        let index = state
            .statuses
            .with_untracked(|all| all.iter().position(|s| Some(s.id.0) == current));
        active.set(index.unwrap_or(0));
        open.set(true);
        request_animation_frame(move || {
            if let Some(list) = list_ref.get_untracked() {
                let _ = list.focus();
            }
        });
    };
    let close_menu = move || {
        open.set(false);
        if let Some(button) = button_ref.get_untracked() {
            let _ = button.focus();
        }
    };
    let choose = move |status: CcaiStatus| {
        close_menu();
        change_status(sync, status);
    };
    let on_button_key = move |ev: KeyboardEvent| {
        if matches!(ev.key().as_str(), "ArrowUp" | "ArrowDown") {
            ev.prevent_default();
            open_menu();
        }
    };
    let on_list_key = move |ev: KeyboardEvent| {
        let count = state.statuses.with_untracked(Vec::len);
        if count == 0 {
            return;
        }
        match ev.key().as_str() {
            "ArrowDown" => active.update(|i| *i = (*i + 1) % count),
            "ArrowUp" => active.update(|i| *i = (*i + count - 1) % count),
            "Home" => active.set(0),
            "End" => active.set(count - 1),
            "Enter" | " " => {
                if let Some(s) = state
                    .statuses
                    .with_untracked(|all| all.get(active.get_untracked()).cloned())
                {
                    choose(s);
                }
            }
            "Escape" | "Tab" => close_menu(),
            _ => return,
        }
        ev.prevent_default();
    };

    view! {
        <div class="status-menu">
            <button
                id="status-button"
                class="status-button"
                node_ref=button_ref
                aria-haspopup="listbox"
                aria-controls="status-list"
                aria-expanded=move || open.get().to_string()
                aria-label=move || t1("statusButtonLabel", &label())
                disabled=move || state.statuses.with(Vec::is_empty)
                aria-busy=move || state.busy.get().to_string()
                on:click=move |_| if open.get_untracked() { close_menu() } else { open_menu() }
                on:keydown=on_button_key
            >
                <span class="dot" data-status-id=move || state.current.get().map(|i| i.to_string())></span>
                <span class="status-name">{label}</span>
            </button>
            <ul
                id="status-list"
                role="listbox"
                node_ref=list_ref
                tabindex="0"
                aria-label=t("statusListLabel")
                aria-activedescendant=move || format!("status-option-{}", active.get())
                hidden=move || !open.get()
                on:keydown=on_list_key
                on:focusout=move |_| request_animation_frame(move || {
                    let focused_inside = document()
                        .active_element()
                        .and_then(|el| el.closest("#status-list").ok().flatten())
                        .is_some();
                    if !focused_inside { open.set(false) }
                })
            >
                {move || state.statuses.get().into_iter().enumerate().map(|(i, s)| {
                    let selected = move || (state.current.get() == Some(s.id.0)).to_string();
                    let name = s.name.clone();
                    let status = s.clone();
                    view! {
                        <li
                            id=format!("status-option-{i}")
                            role="option"
                            data-status-id=s.id.0.to_string()
                            aria-selected=selected
                            class:active=move || active.get() == i
                            on:click=move |_| choose(status.clone())
                            on:mousemove=move |_| active.set(i)
                        >{name}</li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// S1: the agent picks a status; CCAI's confirmation (or refusal, in its own words) is what shows.
/// Only the owner's relay writes (key and term on every request): status sync's machine holds a pick
/// made before this tab's term and relays or refuses it then, as the menu once posted to CCAI itself
/// from any tab (issue 14).
fn change_status(sync: SyncHandle, status: CcaiStatus) {
    sync.with_value(|driver| driver.choose(status.id.0));
}
