//! A value the frame shows, and the one refresh that follows its changes.

use std::cell::{Cell, RefCell};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A value the frame shows. `Copy`, so event handlers and tasks capture it freely: it is made once per
/// frame at mount and lives as long as the frame (leaked on purpose; a frame never unmounts).
pub struct Var<T: 'static>(&'static RefCell<T>);

impl<T> Clone for Var<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Var<T> {}

impl<T: 'static> Var<T> {
    pub fn new(value: T) -> Self {
        Var(Box::leak(Box::new(RefCell::new(value))))
    }

    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.0.borrow().clone()
    }

    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0.borrow())
    }

    /// Replaces the value; the frame refreshes after the current task.
    pub fn set(&self, value: T) {
        *self.0.borrow_mut() = value;
        changed();
    }

    pub fn update(&self, f: impl FnOnce(&mut T)) {
        f(&mut self.0.borrow_mut());
        changed();
    }
}

/// The bindings and whether a refresh is already queued. One per frame: a thread-local, as every
/// view library keeps its runtime (WASM in a page has one thread).
#[derive(Default)]
struct Runtime {
    bindings: RefCell<Vec<Box<dyn FnMut()>>>,
    queued: Cell<bool>,
    tick: RefCell<Option<js_sys::Function>>,
}

thread_local! {
    static RUNTIME: Runtime = Runtime::default();
}

/// Registers a binding and runs it at once, so the first paint shows it.
pub(super) fn register(mut binding: Box<dyn FnMut()>) {
    binding();
    RUNTIME.with(|rt| rt.bindings.borrow_mut().push(binding));
}

/// A value changed: one refresh in a microtask, however many changed in this task (a task sets
/// several in a row; the paint that follows shows them all). Called by [`Var`]'s setters, and by
/// whoever changed something the bindings read that is not a `Var` (the call board, the clock).
pub fn changed() {
    RUNTIME.with(|rt| {
        if rt.queued.replace(true) {
            return;
        }
        let tick = rt
            .tick
            .borrow_mut()
            .get_or_insert_with(|| {
                Closure::<dyn FnMut()>::new(refresh)
                    .into_js_value()
                    .unchecked_into()
            })
            .clone();
        if let Some(w) = web_sys::window() {
            w.queue_microtask(&tick);
        }
    });
}

/// Runs every binding. A binding that sets a value (a watcher) queues one more refresh; bindings
/// act only on change, so that settles.
fn refresh() {
    // Taken out while they run: a binding may register none, but may read and set values freely.
    let mut bindings = RUNTIME.with(|rt| {
        rt.queued.set(false);
        std::mem::take(&mut *rt.bindings.borrow_mut())
    });
    for binding in bindings.iter_mut() {
        binding();
    }
    RUNTIME.with(|rt| {
        let mut slot = rt.bindings.borrow_mut();
        let added = std::mem::take(&mut *slot);
        *slot = bindings;
        slot.extend(added);
    });
}
