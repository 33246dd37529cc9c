//! The Web Locks API (`navigator.locks`), shared by every extension page and frame of this profile:
//! one refresh of the company session at a time across tabs.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["navigator", "locks"], js_name = request)]
    fn request_js(name: &str, callback: &js_sys::Function) -> Result<Promise, JsValue>;
}

type Work<T> = Pin<Box<dyn Future<Output = T>>>;

/// Runs `work` while holding the exclusive lock `name`; the lock is released when `work` ends (or when
/// this page goes away). Where Web Locks fail `work` runs unguarded: correctness then rests on the
/// server, which refuses a refresh token used twice (the session is signed out, never duplicated).
pub async fn with_lock<T: 'static>(name: &str, work: impl Future<Output = T> + 'static) -> T {
    let work: Rc<RefCell<Option<Work<T>>>> = Rc::new(RefCell::new(Some(Box::pin(work))));
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let (w, o) = (work.clone(), out.clone());
    let callback = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |_lock: JsValue| {
        let taken = w.borrow_mut().take();
        let o = o.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            if let Some(work) = taken {
                *o.borrow_mut() = Some(work.await);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    if let Ok(p) = request_js(name, callback.as_ref().unchecked_ref()) {
        let _ = JsFuture::from(p).await;
    }
    drop(callback);
    let done = out.borrow_mut().take();
    if let Some(v) = done {
        return v;
    }
    let left = work.borrow_mut().take();
    match left {
        Some(work) => work.await,
        // The callback took the work but the page is going away mid-way: nothing to return to.
        None => std::future::pending().await,
    }
}
