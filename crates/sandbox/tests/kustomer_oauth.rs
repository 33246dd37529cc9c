//! Kustomer's OAuth 2.0 as API-NOTES B3 documents it (authorization code + PKCE S256 + refresh
//! tokens), over real HTTP: the authorize page on the page host, the token endpoint on the API host,
//! tokens acting as the signed-in person with that person's roles (B1), deactivation (B6).
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::Env;
use reqwest::{Method, StatusCode};
use sandbox::{OAuthClient, SandboxConfig};
use serde_json::{json, Value};

const CLIENT: &str = "company-server";
const SECRET: &str = "s3cret";
const REDIRECT: &str = "http://127.0.0.1:9/auth/callback";
const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

fn config() -> SandboxConfig {
    SandboxConfig {
        port: 0,
        oauth_clients: vec![OAuthClient {
            client_id: CLIENT.into(),
            client_secret: Some(SECRET.into()),
            redirect_uris: vec![REDIRECT.into()],
        }],
        ..SandboxConfig::default()
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `GET /sandbox/login?email=` → the `ksession=…` cookie pair.
async fn sign_in(env: &Env, email: &str) -> String {
    let (code, v) = env
        .json(env.control(Method::GET, &format!("/login?email={email}")))
        .await;
    assert_eq!(code, 200, "{v}");
    v["cookie"].as_str().expect("cookie").to_owned()
}

/// The authorize URL with PKCE S256 for [`VERIFIER`].
fn authorize_url(env: &Env, redirect: &str, challenge: Option<&str>) -> String {
    let challenge = challenge.map_or_else(|| sandbox_s256(VERIFIER), str::to_owned);
    let q = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", redirect),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("state", "st-1 /+"),
        ("scope", "org.permission.customer.read"),
    ])
    .expect("query");
    format!("{}/oauth/authorize?{q}", env.base)
}

fn sandbox_s256(verifier: &str) -> String {
    sandbox::kustomer::oauth::s256(verifier)
}

/// Follows the authorize step as the signed-in person: the code from the redirect.
async fn code_for(env: &Env, cookie: &str) -> String {
    let res = no_redirects()
        .get(authorize_url(env, REDIRECT, None))
        .header("cookie", cookie)
        .send()
        .await
        .expect("authorize");
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().expect("location");
    let url = reqwest::Url::parse(location).expect("url");
    assert!(location.starts_with(REDIRECT), "{location}");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q.get("state").map(String::as_str), Some("st-1 /+"));
    q["code"].clone()
}

async fn token(env: &Env, form: &[(&str, &str)]) -> (u16, Value) {
    let req = env
        .http
        .post(format!("{}/kapi/oauth/token", env.base))
        .form(form);
    env.json(req).await
}

async fn exchange(env: &Env, code: &str) -> (u16, Value) {
    token(
        env,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

async fn as_token(env: &Env, access: &str, method: Method, path: &str) -> (u16, Value) {
    let req = env
        .http
        .request(method, format!("{}/kapi{path}", env.base))
        .bearer_auth(access);
    env.json(req).await
}

#[tokio::test]
async fn code_with_pkce_gives_tokens_that_act_as_the_signed_in_person() {
    let env = Env::with(config()).await;
    let cookie = sign_in(&env, "bo@example.com").await;
    let code = code_for(&env, &cookie).await;
    let (status, t) = exchange(&env, &code).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    let access = t["access_token"].as_str().expect("access token");
    assert!(t["refresh_token"].is_string());

    let (status, me) = as_token(&env, access, Method::GET, "/v1/users/current").await;
    assert_eq!(status, 200);
    assert_eq!(me["data"]["id"], "u-agent-2");
    let (_, token) = as_token(&env, access, Method::GET, "/v1/auth/tokens/current").await;
    assert_eq!(token["data"]["attributes"]["userId"], "u-agent-2");
    let (_, key) = env
        .json(env.kapi(Method::GET, "/v1/auth/tokens/current"))
        .await;
    assert_eq!(key["data"]["attributes"]["userType"], "machine");
    assert_eq!(me["data"]["attributes"]["email"], "bo@example.com");
    assert_eq!(me["data"]["attributes"]["userType"], "user");

    // The journal shows the one exchange.
    let (_, log) = env
        .json(env.control(Method::GET, "/kustomer/requests"))
        .await;
    let exchanges = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/kapi/oauth/token")
        .count();
    assert_eq!(exchanges, 1);

    // The code is single-use; presenting it again also revokes what it gave (RFC 6749 §4.1.2).
    let (status, err) = exchange(&env, &code).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = as_token(&env, access, Method::GET, "/v1/users/current").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn wrong_verifier_secret_or_redirect_gets_the_oauth_error() {
    let env = Env::with(config()).await;
    let cookie = sign_in(&env, "agent@example.com").await;

    let code = code_for(&env, &cookie).await;
    let bad_verifier = "another-verifier-of-at-least-forty-three-chars-000000";
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
        ("code_verifier", bad_verifier),
    ];
    let (status, err) = token(&env, &form).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );
    assert!(err["error_description"]
        .as_str()
        .unwrap()
        .contains("code_verifier"));

    let code = code_for(&env, &cookie).await;
    let mut form = form;
    form[1].1 = &code;
    form[5].1 = VERIFIER;
    form[4].1 = "not-the-secret";
    let (status, err) = token(&env, &form).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("invalid_client")),
        "{err}"
    );

    form[4].1 = SECRET;
    form[2].1 = "http://127.0.0.1:9/elsewhere";
    let (status, err) = token(&env, &form).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );

    let (status, err) = token(
        &env,
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn the_authorize_page_refuses_unregistered_redirects_and_requires_pkce() {
    let env = Env::with(config()).await;
    let cookie = sign_in(&env, "agent@example.com").await;
    let http = no_redirects();

    // Never redirected to a URI the client did not register (RFC 6749 §4.1.2.1).
    let res = http
        .get(authorize_url(&env, "http://evil.example/cb", None))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());

    // Without S256 the error goes back to the client.
    let url = authorize_url(&env, REDIRECT, None)
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let res = http
        .get(url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(REDIRECT) && location.contains("error=invalid_request"),
        "{location}"
    );
}

#[tokio::test]
async fn a_person_not_signed_in_gets_a_sign_in_form_that_comes_back() {
    let env = Env::with(config()).await;
    let http = no_redirects();
    let url = authorize_url(&env, REDIRECT, None);
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("action=\"/sandbox/login\""), "{html}");
    assert!(
        !html.contains("st-1 /+\""),
        "the state is escaped inside the form"
    );

    // The form's submission: sign in, then back to the same authorize request, which now answers a code.
    let next = url.trim_start_matches(&env.base).to_owned();
    let q = serde_urlencoded::to_string([("email", "bo@example.com"), ("next", next.as_str())])
        .unwrap();
    let res = http
        .get(format!("{}/sandbox/login?{q}", env.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()["location"].to_str().unwrap(), next);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let code = code_for(&env, &cookie).await;
    let (status, _) = exchange(&env, &code).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_expired_access_tokens_are_refused() {
    let env = Env::with(SandboxConfig {
        oauth_access_ttl_s: 1,
        ..config()
    })
    .await;
    let cookie = sign_in(&env, "bo@example.com").await;
    let code = code_for(&env, &cookie).await;
    let (_, t) = exchange(&env, &code).await;
    let access = t["access_token"].as_str().unwrap().to_owned();
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, err) = as_token(&env, &access, Method::GET, "/v1/users/current").await;
    assert_eq!(status, 401);
    assert!(err["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("expired"));

    let form = |r: &str| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", r.to_owned()),
            ("client_id", CLIENT.to_owned()),
            ("client_secret", SECRET.to_owned()),
        ]
    };
    let (status, fresh) = token(&env, &to_pairs(&form(&refresh))).await;
    assert_eq!(status, 200, "{fresh}");
    let (status, me) = as_token(
        &env,
        fresh["access_token"].as_str().unwrap(),
        Method::GET,
        "/v1/users/current",
    )
    .await;
    assert_eq!(
        (status, me["data"]["id"].as_str()),
        (200, Some("u-agent-2"))
    );
    // Rotation: the old refresh token is spent.
    let (status, err) = token(&env, &to_pairs(&form(&refresh))).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

fn to_pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

#[tokio::test]
async fn a_deactivated_users_tokens_and_refresh_are_refused() {
    let env = Env::with(config()).await;
    let cookie = sign_in(&env, "bo@example.com").await;
    let code = code_for(&env, &cookie).await;
    let (_, t) = exchange(&env, &code).await;
    let access = t["access_token"].as_str().unwrap();
    let (status, _) = env
        .json(env.control(Method::POST, "/kustomer/users/u-agent-2/deactivate"))
        .await;
    assert_eq!(status, 200);

    let (status, err) = as_token(&env, access, Method::GET, "/v1/users/current").await;
    assert_eq!(status, 401);
    assert!(err["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("deactivated"));
    let refresh = t["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    let (status, err) = token(&env, &form).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // B6: deactivated, not deleted.
    let (status, u) = env.json(env.kapi(Method::GET, "/v1/users/u-agent-2")).await;
    assert_eq!(
        (status, u["data"]["attributes"]["active"].as_bool()),
        (200, Some(false))
    );
}

#[tokio::test]
async fn a_token_has_its_persons_roles() {
    let env = Env::with(config()).await;
    let body = json!({ "properties": { "queueStr": { "displayName": "Queue" } } });
    for (email, expected) in [("agent@example.com", 403), ("admin@example.com", 200)] {
        let cookie = sign_in(&env, email).await;
        let code = code_for(&env, &cookie).await;
        let (_, t) = exchange(&env, &code).await;
        let req = env
            .http
            .put(format!("{}/kapi/v1/metadata/customer", env.base))
            .bearer_auth(t["access_token"].as_str().unwrap())
            .json(&body);
        let (status, v) = env.json(req).await;
        assert_eq!(status, expected, "{email}: {v}");
    }
}

#[tokio::test]
async fn clients_are_registered_through_the_hook() {
    let env = Env::start().await;
    let client = json!({ "clientId": "public-app", "redirectUris": [REDIRECT] });
    let (status, _) = env
        .json(env.control(Method::POST, "/oauth/clients").json(&client))
        .await;
    assert_eq!(status, 201);
    let (_, all) = env.json(env.control(Method::GET, "/oauth/clients")).await;
    assert_eq!(all[0]["clientId"], "public-app");
}
