//! Customer look-up by a unique value (API-NOTES B9), on the customer's own path:
//! `GET /v1/customers/phone={phone}`, `/v1/customers/email={email}`,
//! `/v1/customers/externalId={externalId}` → `{"data": customer}`, or 404.
//!
//! Not documented (B9): the phone format in the path, encoding rules, several matches. The sandbox's
//! choices: the value is percent-decoded (`%2B34…` and `+34…` are the same; a `+` in a path is a plus);
//! a phone matches on its digits, ignoring formatting and a leading `+` or `00`, and a national number
//! matches an international one ending with it (≥ 9 digits; `customers::phone_matches`); an e-mail
//! matches case-insensitively; an external id exactly. Several matches (possible for phones
//! written differently): the most recently updated customer.

use axum::response::Response;

use super::customer_index::{email_key, external_id_key, phone_digits_key};
use super::customers::{customer_json, phone_matches};
use super::jsonapi;
use super::model::Customer;
use crate::state::App;

/// Whether a customer has the value looked up.
type Matcher<'a> = Box<dyn Fn(&Customer) -> bool + 'a>;

/// `Some(answer)` when `segment` is a look-up (`phone=…`, `email=…`, `externalId=…`).
pub fn by_key(app: &App, segment: &str) -> Option<Response> {
    let (key, value) = segment.split_once('=')?;
    let value = value.trim();
    let (matches, filed_under): (Matcher<'_>, Option<String>) = match key {
        "phone" => (
            Box::new(move |c| c.phones.iter().any(|(p, _)| phone_matches(p, value))),
            phone_digits_key(value),
        ),
        "email" => (
            Box::new(move |c| {
                c.emails
                    .iter()
                    .any(|e| e.trim().eq_ignore_ascii_case(value))
            }),
            Some(email_key(value)),
        ),
        "externalId" => (
            Box::new(move |c| c.external_ids.iter().any(|x| x.trim() == value)),
            Some(external_id_key(value)),
        ),
        _ => return None,
    };
    let st = app.lock();
    let k = &st.kustomer;
    let found = k
        .customer_index
        .candidates(filed_under.as_deref())
        .into_iter()
        .filter_map(|i| k.customers.get(i))
        .filter(|c| matches(c))
        // The last of equals: the newest of those updated in the same millisecond.
        .max_by(|a, b| a.updated_at.cmp(&b.updated_at));
    Some(match found {
        Some(c) if !value.is_empty() => jsonapi::one(customer_json(c)),
        _ => jsonapi::error(
            axum::http::StatusCode::NOT_FOUND,
            format!("no customer with {key} {value}"),
        ),
    })
}
