//! The fidelity check (issue 16): every request the product (extension and company server) makes to
//! the imitated vendors is recorded with the API-NOTES section that documents it, or with why no
//! section does. `GET /sandbox/fidelity` reports the ledger; the end-to-end suite and the bench add
//! the undocumented ones up as `api_undocumented_calls` (`tests/src/fidelity.rs`).
//!
//! Requests of the imitated Kustomer page itself (its own app, signed in by its session cookie, with
//! no `Authorization` header) are Kustomer's, not the product's, and are not counted.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::state::App;

/// What a request was, by the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Documented, in this section of API-NOTES.md.
    Documented(&'static str),
    /// Not documented, and why (said in words, for the report).
    Undocumented(&'static str),
}

/// One kind of request seen: method, route and verdict, with how many times.
#[derive(Clone, Debug, Serialize)]
pub struct Seen {
    pub method: String,
    pub route: String,
    /// The API-NOTES section, when documented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<&'static str>,
    /// Why it is not documented, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<&'static str>,
    pub count: u64,
}

/// Every kind of product request seen since the sandbox started (a reset keeps it: it is the run's).
#[derive(Default)]
pub struct Ledger(Mutex<BTreeMap<(String, String, &'static str), Seen>>);

/// The ledger as `GET /sandbox/fidelity` reports it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub documented: Vec<Seen>,
    pub undocumented: Vec<Seen>,
    /// Requests to undocumented routes or in undocumented ways, in all.
    pub undocumented_calls: u64,
}

impl Ledger {
    fn note(&self, method: &Method, route: &str, verdict: Verdict) {
        let (section, why, key) = match verdict {
            Verdict::Documented(s) => (Some(s), None, s),
            Verdict::Undocumented(w) => (None, Some(w), w),
        };
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.entry((method.to_string(), route.to_owned(), key))
            .or_insert_with(|| Seen {
                method: method.to_string(),
                route: route.to_owned(),
                section,
                why,
                count: 0,
            })
            .count += 1;
    }

    pub fn report(&self) -> Report {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (documented, undocumented): (Vec<Seen>, Vec<Seen>) =
            seen.values().cloned().partition(|s| s.section.is_some());
        let undocumented_calls = undocumented.iter().map(|s| s.count).sum();
        Report {
            documented,
            undocumented,
            undocumented_calls,
        }
    }
}

/// Records each request to `/kapi`, `/ccai` and Kustomer's upload service, then lets it through.
pub async fn record(State(app): State<App>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        // No route: a path the sandbox does not have at all.
        .unwrap_or_else(|| req.uri().path().to_owned());
    let is_page = !req.headers().contains_key(header::AUTHORIZATION)
        && crate::kustomer::access::session_cookie(req.headers()).is_some();
    if !is_page {
        let verdict = classify(
            req.method(),
            &route,
            req.uri().path(),
            req.uri().query().unwrap_or(""),
            req.headers(),
        );
        app.fidelity.note(req.method(), &route, verdict);
    }
    next.run(req).await
}

/// A request to a path no route of the sandbox has: under `/kapi` or `/ccai`, a product request the
/// contract does not know (recorded as such); elsewhere, nobody's. Either way, 404.
pub async fn unknown(State(app): State<App>, req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/kapi/") || path.starts_with("/ccai/") {
        app.fidelity
            .note(req.method(), path, Verdict::Undocumented("no such route"));
    }
    axum::http::StatusCode::NOT_FOUND.into_response()
}

/// The contract's word on one request: its method, its route (as the sandbox declares it, with the
/// `/kapi` or `/ccai` prefix), the path and query as sent, and its headers.
pub fn classify(
    method: &Method,
    route: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
) -> Verdict {
    use Verdict::{Documented as D, Undocumented as U};
    let m = method.as_str();
    let has_param = |name: &str| {
        query
            .split('&')
            .any(|kv| kv.split('=').next() == Some(name))
    };
    if let Some(r) = route.strip_prefix("/ccai") {
        if headers.contains_key("idempotency-key") || headers.contains_key("x-owner-epoch") {
            return U("CCAI honours no Idempotency-Key or X-Owner-Epoch (A7)");
        }
        return match (m, r) {
            ("GET", "/manager/api/v1/user_statuses") => D("A9"),
            ("GET", "/manager/api/v1/agents") if has_param("email") => {
                U("the agents list has no documented email filter (A10)")
            }
            ("GET", "/manager/api/v1/agents") => D("A10"),
            ("GET", "/manager/api/v1/agent_activity_logs") => D("A11"),
            ("GET", "/manager/api/v1/calls") => D("A17"),
            ("POST", "/apps/api/v1/agent_statuses") => D("A8"),
            ("POST", "/apps/api/v1/calls") => D("A13"),
            _ => U("no such CCAI route in API-NOTES"),
        };
    }
    if route == "/uploads/kustomer" {
        return D("B14");
    }
    let Some(r) = route.strip_prefix("/kapi") else {
        return U("no such vendor route");
    };
    if headers.contains_key("idempotency-key") {
        return U("Kustomer has no idempotency key (B18)");
    }
    let lookup = path.rsplit('/').next().unwrap_or("");
    match (m, r) {
        ("POST", "/oauth/token") => D("B3"),
        ("GET", "/v1/users/current") => D("B6"),
        ("GET", "/v1/auth/tokens/current") => D("B2"),
        ("GET", "/v1/routing/statuses") => D("B7"),
        ("GET", "/v1/routing/work-sessions") => D("B8"),
        ("GET", "/v1/routing/users/{id}/work-sessions") => D("B8"),
        ("GET" | "PUT", "/v1/routing/work-sessions/{id}") => D("B8"),
        ("GET", "/v1/customers") if has_param("phone") || has_param("email") => {
            U("customers are looked up by /v1/customers/phone=… or email=… (B9), not ?phone=")
        }
        ("GET", "/v1/customers") => D("B5"),
        ("POST", "/v1/customers") => D("B10"),
        ("GET", "/v1/customers/{id}")
            if lookup.starts_with("phone=")
                || lookup.starts_with("email=")
                || lookup.starts_with("externalId=") =>
        {
            D("B9")
        }
        ("PUT" | "PATCH", "/v1/customers/{id}") => D("B10"),
        ("GET", "/v1/customers/{id}/conversations") => D("B9"),
        ("POST", "/v1/customers/{id}/messages") | ("POST", "/v1/messages") => D("B12"),
        ("POST", "/v1/notes") | ("POST", "/v1/notes/bulk") => D("B13"),
        ("PUT" | "PATCH", "/v1/notes/{id}") => D("B13"),
        ("POST", "/v1/attachments") => D("B14"),
        ("GET" | "POST", "/v1/conversations") => D("B11"),
        ("PUT" | "PATCH", "/v1/conversations/{id}") => D("B11"),
        ("POST", "/v1/conversations/{id}/{kind}") if path.ends_with("/messages") => D("B12"),
        (_, "/v1/conversations/{id}/{kind}") if path.ends_with("/attachments") => {
            U("attachments go through POST /v1/attachments (B14), not the conversation's path")
        }
        ("GET" | "PUT", "/v1/metadata/{resource}") => D("B15"),
        ("GET", "/v1/customers/{id}") => {
            U("reading one customer by id is not in API-NOTES (B9 lists look-ups)")
        }
        ("GET", "/v1/conversations/{id}") => {
            U("reading one conversation by id is not in API-NOTES (B11)")
        }
        ("GET", "/v1/users/{id}") => U("reading one user by id is not in API-NOTES (B6)"),
        (_, "/v1/routing/settings") | (_, "/v1/teams") => {
            U("team routing settings and teams are not documented (B8)")
        }
        (_, "/v1/sandbox-stream") | (_, "/v1/sandbox-events") => {
            U("the imitated page's own feed, not a Kustomer API")
        }
        _ => U("no such Kustomer route in API-NOTES"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(method: Method, route: &str, path: &str, query: &str) -> Verdict {
        classify(&method, route, path, query, &HeaderMap::new())
    }

    #[test]
    fn documented_routes_name_their_section() {
        let cases = [
            (
                Method::POST,
                "/ccai/apps/api/v1/agent_statuses",
                "/ccai/apps/api/v1/agent_statuses",
                "",
                "A8",
            ),
            (
                Method::GET,
                "/ccai/manager/api/v1/agents",
                "/ccai/manager/api/v1/agents",
                "page=1&per=100",
                "A10",
            ),
            (
                Method::GET,
                "/kapi/v1/customers/{id}",
                "/kapi/v1/customers/phone=+34612345678",
                "",
                "B9",
            ),
            (
                Method::GET,
                "/kapi/v1/customers/{id}",
                "/kapi/v1/customers/externalId=ccaik:1",
                "",
                "B9",
            ),
            (
                Method::POST,
                "/kapi/oauth/token",
                "/kapi/oauth/token",
                "",
                "B3",
            ),
            (
                Method::GET,
                "/kapi/v1/routing/work-sessions",
                "/kapi/v1/routing/work-sessions",
                "active=true",
                "B8",
            ),
            (
                Method::POST,
                "/kapi/v1/conversations/{id}/{kind}",
                "/kapi/v1/conversations/c1/messages",
                "",
                "B12",
            ),
        ];
        for (m, route, path, query, section) in cases {
            assert_eq!(
                verdict(m, route, path, query),
                Verdict::Documented(section),
                "{route} {path}"
            );
        }
    }

    #[test]
    fn invented_routes_and_uses_are_caught() {
        let cases = [
            (
                Method::GET,
                "/ccai/manager/api/v1/agents",
                "/ccai/manager/api/v1/agents",
                "email=a%40b.c",
            ),
            (
                Method::GET,
                "/kapi/v1/customers",
                "/kapi/v1/customers",
                "phone=%2B34612345678",
            ),
            (
                Method::GET,
                "/kapi/v1/customers/{id}",
                "/kapi/v1/customers/abc",
                "",
            ),
            (
                Method::POST,
                "/kapi/v1/conversations/{id}/{kind}",
                "/kapi/v1/conversations/c1/attachments",
                "",
            ),
            (Method::GET, "/kapi/v1/nowhere", "/kapi/v1/nowhere", ""),
        ];
        for (m, route, path, query) in cases {
            assert!(
                matches!(verdict(m, route, path, query), Verdict::Undocumented(_)),
                "{route} {path}?{query}"
            );
        }
        let mut headers = HeaderMap::new();
        headers.insert("idempotency-key", "k1".parse().expect("header"));
        for route in ["/ccai/apps/api/v1/agent_statuses", "/kapi/v1/customers"] {
            assert!(
                matches!(
                    classify(&Method::POST, route, route, "", &headers),
                    Verdict::Undocumented(_)
                ),
                "{route} with Idempotency-Key"
            );
        }
    }
}
