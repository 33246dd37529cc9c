//! What rings, for calls and chats alike: who it is, what they wrote (a chat's first message), and the
//! two buttons. An `alertdialog`, labelled by who and described by the message. Every text is a text
//! node: a customer's message like `<img src=x onerror=…>` shows as those characters.

use leptos::prelude::*;

/// The ids a ringing card's parts get: the call's are fixed (`incoming`, `answer`, `decline`), a chat's
/// carry its CCAI id, as several chats may ring at once.
pub struct CardIds {
    pub card: String,
    pub answer: String,
    pub decline: String,
}

#[component]
pub fn RingCard(
    ids: CardIds,
    /// "Incoming call from …", "Incoming chat from …".
    #[prop(into)]
    title: Signal<String>,
    /// The customer's first message, for a chat.
    #[prop(optional, into)]
    message: Option<Signal<String>>,
    answer_label: String,
    decline_label: String,
    on_answer: Callback<()>,
    on_decline: Callback<()>,
) -> impl IntoView {
    let text_id = format!("{}-text", ids.card);
    let message_id = format!("{}-message", ids.card);
    let described = message.is_some().then(|| message_id.clone());
    view! {
        <div id=ids.card class="incoming" role="alertdialog" aria-labelledby=text_id aria-describedby=described>
            <p id=text_id.clone() class="incoming-text">{move || title.get()}</p>
            {message.map(|m| view! { <p id=message_id class="incoming-message">{move || m.get()}</p> })}
            <button id=ids.answer class="answer" type="button" on:click=move |_| on_answer.run(())>{answer_label}</button>
            <button id=ids.decline class="decline" type="button" on:click=move |_| on_decline.run(())>{decline_label}</button>
        </div>
    }
}
