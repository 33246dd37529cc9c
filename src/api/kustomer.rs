//! Kustomer: routing statuses, the signed-in user and their work session (API-NOTES.md). JSON:API
//! framing: `{"data": …, "links": {"next": …}}`, resources `{type, id, attributes}`.

use ccai_core::status::{KustomerStatus, KustomerStatusId, StatusType};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::config::Config;
use crate::http::{Call, HttpError};

/// JSON:API framing, shared with `kustomer_metadata`.
#[derive(Deserialize)]
pub(crate) struct Document<T> {
    pub(crate) data: T,
    #[serde(default)]
    links: Option<Links>,
}

#[derive(Deserialize)]
struct Links {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Resource<A> {
    pub(crate) id: String,
    pub(crate) attributes: A,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusAttributes {
    name: String,
    status_type: StatusType,
    #[serde(default)]
    system: bool,
}

#[derive(Deserialize)]
struct UserAttributes {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionAttributes {
    #[serde(default)]
    signed_out_at: Option<String>,
}

/// The API key's Kustomer user; the options page compares its e-mail with the CCAI agent's (A5).
pub struct User {
    pub id: String,
    pub email: String,
}

/// The user's live work session: where Kustomer keeps their current status.
pub struct WorkSession {
    pub id: String,
}

pub(crate) fn call(config: &Config, method: &'static str, url: String) -> Call {
    Call {
        method,
        url,
        auth: format!("Bearer {}", config.kustomer_key),
        headers: vec![],
    }
}

pub(crate) fn url(config: &Config, path: &str) -> String {
    format!("{}{}", config.kustomer_base.trim_end_matches('/'), path)
}

async fn get<T: DeserializeOwned>(config: &Config, url: String) -> Result<Document<T>, HttpError> {
    call(config, "GET", url).send::<(), _>(None).await
}

/// Every item of a paginated list, following `links.next` for at most `max_pages` pages (a server
/// that always links onwards cannot keep us here). A next link is resolved against the API's origin,
/// as Kustomer writes them origin-relative.
pub(crate) async fn all_pages<A: DeserializeOwned>(
    config: &Config,
    path: &str,
    max_pages: usize,
) -> Result<Vec<Resource<A>>, HttpError> {
    let mut next = Some(url(config, path));
    let mut all = Vec::new();
    for _ in 0..max_pages {
        let Some(page_url) = next.take() else { break };
        let doc: Document<Vec<Resource<A>>> = get(config, page_url.clone()).await?;
        all.extend(doc.data);
        next = doc
            .links
            .and_then(|l| l.next)
            .and_then(|n| resolve(&n, &page_url));
    }
    Ok(all)
}

/// Every routing status (the endpoint is paginated).
pub async fn routing_statuses(config: &Config) -> Result<Vec<KustomerStatus>, HttpError> {
    let all = all_pages::<StatusAttributes>(config, "/v1/routing/statuses", 50).await?;
    Ok(all
        .into_iter()
        .map(|r| KustomerStatus {
            id: KustomerStatusId(r.id),
            name: r.attributes.name,
            status_type: r.attributes.status_type,
            system: r.attributes.system,
        })
        .collect())
}

fn resolve(link: &str, base: &str) -> Option<String> {
    web_sys::Url::new_with_base(link, base)
        .ok()
        .map(|u| u.href())
}

pub async fn current_user(config: &Config) -> Result<User, HttpError> {
    let doc: Document<Resource<UserAttributes>> =
        get(config, url(config, "/v1/users/current")).await?;
    Ok(User {
        id: doc.data.id,
        email: doc.data.attributes.email,
    })
}

/// The live work session (not signed out), if the user has one.
pub async fn live_work_session(
    config: &Config,
    user_id: &str,
) -> Result<Option<WorkSession>, HttpError> {
    let path = format!(
        "/v1/routing/users/{}/work-sessions",
        js_sys::encode_uri_component(user_id)
    );
    let doc: Document<Vec<Resource<SessionAttributes>>> = get(config, url(config, &path)).await?;
    Ok(doc
        .data
        .into_iter()
        .find(|r| r.attributes.signed_out_at.is_none())
        .map(|r| WorkSession { id: r.id }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    status_id: &'a str,
}

/// Bidirectional sync (S4): sets the agent's Kustomer status, which Kustomer pushes to its page.
pub async fn set_status(
    config: &Config,
    session_id: &str,
    status: &KustomerStatusId,
) -> Result<(), HttpError> {
    let path = format!(
        "/v1/routing/work-sessions/{}",
        js_sys::encode_uri_component(session_id)
    );
    let body = StatusBody {
        status_id: status.as_str(),
    };
    let _: serde::de::IgnoredAny = call(config, "PUT", url(config, &path))
        .send(Some(&body))
        .await?;
    Ok(())
}
