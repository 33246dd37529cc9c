//! Bindings from [`Var`](super::Var)s to the frame's markup, and its event listeners.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, EventTarget};

use super::var::register;
use crate::chrome::i18n::t;

/// The element of our own markup with this id, as the type it is (a missing one is a bug in
/// `adapter.html` that every browser test would show).
pub fn by_id<E: JsCast>(id: &str) -> E {
    super::document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into().ok())
        .unwrap_or_else(|| panic!("adapter.html has no #{id} of that kind"))
}

/// Runs `act` with what `compute` gives, at mount and after every change of it (with the value it
/// replaces, `None` the first time).
pub fn watch<V: PartialEq + 'static>(
    compute: impl Fn() -> V + 'static,
    mut act: impl FnMut(Option<&V>, &V) + 'static,
) {
    let mut last: Option<V> = None;
    register(Box::new(move || {
        let now = compute();
        if last.as_ref() != Some(&now) {
            act(last.as_ref(), &now);
            last = Some(now);
        }
    }));
}

/// Keeps `el`'s text as `f` says (a text, never markup).
pub fn text(el: &Element, f: impl Fn() -> String + 'static) {
    text_dyn(el.clone(), Box::new(f));
}

/// Keeps the attribute `name` as `f` says; `None` removes it.
pub fn attr(el: &Element, name: &'static str, f: impl Fn() -> Option<String> + 'static) {
    attr_dyn(el.clone(), name, Box::new(f));
}

/// Keeps a boolean attribute (`hidden`, `disabled`) present while `f` is true.
pub fn flag(el: &Element, name: &'static str, f: impl Fn() -> bool + 'static) {
    attr(el, name, move || f().then(String::new));
}

/// Keeps the class `name` on `el` while `f` is true.
pub fn class(el: &Element, name: &'static str, f: impl Fn() -> bool + 'static) {
    let el = el.clone();
    watch(f, move |_, on| {
        let _ = el.class_list().toggle_with_force(name, *on);
    });
}

// The bindings' bodies are compiled once, not once per binding: only the closures differ (issue 19).
fn text_dyn(el: Element, f: Box<dyn Fn() -> String>) {
    watch(f, move |_, now| el.set_text_content(Some(now)));
}

fn attr_dyn(el: Element, name: &'static str, f: Box<dyn Fn() -> Option<String>>) {
    watch(f, move |_, now| {
        let _ = match now {
            Some(v) => el.set_attribute(name, v),
            None => el.remove_attribute(name),
        };
    });
}

/// Listens to `event` on `target` for the frame's life.
pub fn on<E: JsCast>(target: &EventTarget, event: &str, mut f: impl FnMut(E) + 'static) {
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if let Ok(e) = e.dyn_into::<E>() {
            f(e);
        }
    });
    let _ = target.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
    cb.forget();
}

/// Fills the markup's words from `_locales`: `data-t` is an element's text, `data-t-label` its
/// accessible name, `data-t-placeholder` its placeholder.
pub fn localize(root: &Element) {
    for (selector, attribute) in [
        ("data-t", None),
        ("data-t-label", Some("aria-label")),
        ("data-t-placeholder", Some("placeholder")),
    ] {
        let Ok(found) = root.query_selector_all(&format!("[{selector}]")) else {
            continue;
        };
        for i in 0..found.length() {
            let Some(el) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let Some(key) = el.get_attribute(selector) else {
                continue;
            };
            let words = t(&key);
            let _ = match attribute {
                None => {
                    el.set_text_content(Some(&words));
                    Ok(())
                }
                Some(name) => el.set_attribute(name, &words),
            };
        }
    }
}

/// Keeps `parent`'s children as one `tag` element per line, by position: those already there are
/// reused (their text changed only where it differs), extras removed.
pub fn lines(parent: &Element, tag: &str, lines: &[String]) {
    let children = parent.children();
    for (i, line) in lines.iter().enumerate() {
        let el = match children.item(i as u32) {
            Some(el) => el,
            None => {
                let Ok(el) = super::document().create_element(tag) else {
                    return;
                };
                let _ = parent.append_child(&el);
                el
            }
        };
        if el.text_content().as_deref() != Some(line.as_str()) {
            el.set_text_content(Some(line));
        }
    }
    while children.length() > lines.len() as u32 {
        if let Some(last) = children.item(children.length() - 1) {
            last.remove();
        }
    }
}
