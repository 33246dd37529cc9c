//! Kustomer's side of a call or chat (SPEC A3, A4): the conversation for the other party, found through
//! Kustomer's API (customer by phone or e-mail, then their conversations; created when there is none),
//! and its assignment to the agent who answered. JSON:API framing as in `kustomer.rs`.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::http::{Call, HttpError};

#[derive(Deserialize)]
struct Document<T> {
    data: T,
}

#[derive(Deserialize)]
struct Resource<A: Default> {
    id: String,
    #[serde(default)]
    attributes: A,
}

#[derive(Default, Deserialize)]
struct ConversationAttributes {
    #[serde(default)]
    status: String,
}

#[derive(Default, Deserialize)]
struct Nothing {}

#[derive(Serialize)]
struct NewCustomer<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phones: Vec<Phone<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    emails: Vec<Email<'a>>,
}

#[derive(Serialize)]
struct Phone<'a> {
    phone: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct Email<'a> {
    email: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

/// The other party of a call or chat: how Kustomer finds their customer, and how a new one is made.
#[derive(Clone, Copy, Debug)]
pub enum Party<'a> {
    /// A caller or callee, by E.164 number.
    Phone(&'a str),
    /// A chat's customer: by e-mail when the chat gives one (the stabler key), else by number.
    Chat {
        name: &'a str,
        email: Option<&'a str>,
        phone: Option<&'a str>,
    },
}

impl Party<'_> {
    /// Kustomer's customer search for this party, if it has anything to search by.
    fn search(&self) -> Option<String> {
        match *self {
            Party::Phone(e164) => Some(format!("phone={}", enc(e164))),
            Party::Chat { email: Some(e), .. } => Some(format!("email={}", enc(e))),
            Party::Chat { phone: Some(p), .. } => Some(format!("phone={}", enc(p))),
            Party::Chat { .. } => None,
        }
    }

    fn new_customer(&self) -> NewCustomer<'_> {
        match *self {
            Party::Phone(e164) => NewCustomer {
                name: e164,
                phones: vec![Phone {
                    phone: e164,
                    kind: "mobile",
                }],
                emails: vec![],
            },
            Party::Chat { name, email, phone } => NewCustomer {
                name,
                phones: phone
                    .map(|phone| Phone {
                        phone,
                        kind: "mobile",
                    })
                    .into_iter()
                    .collect(),
                emails: email
                    .map(|email| Email {
                        email,
                        kind: "other",
                    })
                    .into_iter()
                    .collect(),
            },
        }
    }

    /// Kustomer's channel for a conversation created for this party.
    fn channel(&self) -> &'static str {
        match self {
            Party::Phone(_) => "voice",
            Party::Chat { .. } => "chat",
        }
    }
}

#[derive(Serialize)]
struct NewConversation<'a> {
    customer: &'a str,
    name: &'a str,
    channel: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Assign<'a> {
    assigned_users: [&'a str; 1],
}

fn call(config: &Config, method: &'static str, path: &str) -> Call {
    Call {
        method,
        url: format!("{}{}", config.kustomer_base.trim_end_matches('/'), path),
        auth: format!("Bearer {}", config.kustomer_key),
        headers: vec![],
    }
}

fn enc(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// The id of the conversation to open for a call or chat with `party`. Several customers may share a
/// number (Kustomer matches national and international forms): when the agent is already on one of
/// their conversations (`on_screen`), that one stays; else the first customer's newest conversation
/// that is not done; else a new one (and a new customer when none matches). `subject` names a new one.
/// With `keep_on_screen_if_unknown` (an outbound call the agent placed, e.g. from a number in a
/// message), a number no customer has leaves the agent on the conversation they are reading instead
/// of creating a customer.
pub async fn conversation_for(
    config: &Config,
    party: Party<'_>,
    on_screen: Option<&str>,
    keep_on_screen_if_unknown: bool,
    subject: &str,
) -> Result<String, HttpError> {
    let found: Document<Vec<Resource<Nothing>>> = match party.search() {
        Some(query) => {
            let path = format!("/v1/customers?{query}");
            call(config, "GET", &path).send::<(), _>(None).await?
        }
        None => Document { data: Vec::new() },
    };
    let mut first: Option<(String, Option<String>)> = None;
    for customer in found.data.into_iter().take(5) {
        let path = format!("/v1/customers/{}/conversations", enc(&customer.id));
        let list: Document<Vec<Resource<ConversationAttributes>>> =
            call(config, "GET", &path).send::<(), _>(None).await?;
        if let Some(c) = list.data.iter().find(|c| Some(c.id.as_str()) == on_screen) {
            return Ok(c.id.clone());
        }
        if first.is_none() {
            let open = list
                .data
                .into_iter()
                .find(|c| c.attributes.status != "done")
                .map(|c| c.id);
            first = Some((customer.id, open));
        }
    }
    let customer = match first {
        Some((_, Some(open))) => return Ok(open),
        Some((customer, None)) => customer,
        None if keep_on_screen_if_unknown && on_screen.is_some() => {
            return Ok(on_screen.unwrap_or_default().to_owned());
        }
        None => {
            let made: Document<Resource<Nothing>> = call(config, "POST", "/v1/customers")
                .send(Some(&party.new_customer()))
                .await?;
            made.data.id
        }
    };
    let body = NewConversation {
        customer: &customer,
        name: subject,
        channel: party.channel(),
    };
    let made: Document<Resource<Nothing>> = call(config, "POST", "/v1/conversations")
        .send(Some(&body))
        .await?;
    Ok(made.data.id)
}

/// A4: the conversation is assigned to the Kustomer user who answered.
pub async fn assign(config: &Config, conversation: &str, user_id: &str) -> Result<(), HttpError> {
    let path = format!("/v1/conversations/{}", enc(conversation));
    let _: serde::de::IgnoredAny = call(config, "PATCH", &path)
        .send(Some(&Assign {
            assigned_users: [user_id],
        }))
        .await?;
    Ok(())
}
