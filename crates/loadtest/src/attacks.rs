//! Acting as someone else, every way an agent in the middle of the load might try: a forged agent in
//! a body, no session, a made-up or altered one, a signed-out one, an expired one, a spent refresh
//! token, an agent's session on admin routes. Each attempt that is answered 2xx where it must be
//! refused, or that changes another agent at CCAI, counts as one success (the figure must be 0).

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::agent::sign_in;
use crate::world::{SeededAgent, World, STATUSES};

pub struct Report {
    pub attempts: u32,
    pub succeeded: u32,
    pub details: Vec<String>,
}

/// The statuses CCAI applied to `agent` (the sandbox's log), oldest first.
async fn applied_to(world: &World, agent: i64) -> Option<usize> {
    let v = world
        .get_json(&world.sb(&format!("/sandbox/ccai/applied?agent_id={agent}")))
        .await?;
    v.as_array().map(Vec::len)
}

pub async fn run(
    world: &World,
    mallory: &SeededAgent,
    victim: &SeededAgent,
    leaver: &SeededAgent,
) -> Report {
    let mut r = Report {
        attempts: 0,
        succeeded: 0,
        details: Vec::new(),
    };
    let Ok(m) = sign_in(world, &mallory.email).await else {
        r.details
            .push("could not sign the attacker in: nothing tried".into());
        return r;
    };
    let victim_before = applied_to(world, victim.ccai_agent_id).await;
    let epoch = world
        .http
        .post(world.api("/api/v1/owner"))
        .bearer_auth(&m.session)
        .send()
        .await
        .ok();
    let epoch = match epoch {
        Some(resp) => resp
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v["epoch"].as_u64()),
        None => None,
    }
    .unwrap_or(0);

    // 1. A body naming the victim, on the status and call routes.
    let forged_status = json!({
        "key": "forged-status", "epoch": epoch, "kustomer_status_id": STATUSES[2].0,
        "changed_at_ms": 1, "agent_id": victim.ccai_agent_id, "ccai_agent_id": victim.ccai_agent_id,
        "agent_email": victim.email, "email": victim.email, "agent_ids": [victim.ccai_agent_id],
    });
    let _ = try_it(
        world,
        &mut r,
        "forged status body",
        Method::POST,
        "/api/v1/status",
        Some(&m.session),
        Some(forged_status),
        true,
    )
    .await;
    let forged_call = json!({
        "number": "+14155550132", "agent_email": victim.email, "agent_id": victim.ccai_agent_id,
    });
    let _ = try_it(
        world,
        &mut r,
        "forged call body",
        Method::POST,
        "/api/v1/calls",
        Some(&m.session),
        Some(forged_call),
        true,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    r.attempts += 1;
    let victim_after = applied_to(world, victim.ccai_agent_id).await;
    if victim_before.is_some() && victim_after != victim_before {
        r.succeeded += 1;
        r.details.push(format!(
            "the victim's ccai status changed: {victim_before:?} → {victim_after:?} entries"
        ));
    }

    // 2. No session, a made-up one, an altered one.
    let mut altered = m.session.clone();
    let last = altered
        .pop()
        .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
    altered.push(last);
    let routes = [
        (Method::POST, "/api/v1/status"),
        (Method::POST, "/api/v1/owner"),
        (Method::POST, "/api/v1/owner/status"),
        (Method::POST, "/api/v1/calls"),
        (Method::GET, "/api/v1/events"),
        (Method::GET, "/api/v1/me"),
    ];
    let body = json!({"key": "k", "epoch": epoch, "kustomer_status_id": STATUSES[1].0, "changed_at_ms": 1, "number": "+14155550132"});
    for token in [
        None,
        Some("made-up-session-token".to_owned()),
        Some(altered),
    ] {
        for (method, path) in &routes {
            try_it(
                world,
                &mut r,
                "no or bad session",
                method.clone(),
                path,
                token.as_deref(),
                Some(body.clone()),
                false,
            )
            .await;
        }
    }

    // 3. An agent's session on admin routes.
    for (method, path) in [
        (Method::GET, "/admin/v1/settings".to_owned()),
        (Method::GET, "/admin/v1/agents".to_owned()),
        (
            Method::POST,
            format!("/admin/v1/agents/{}/signout", victim.email),
        ),
    ] {
        try_it(
            world,
            &mut r,
            "agent on admin route",
            method,
            &path,
            Some(&m.session),
            Some(json!({})),
            false,
        )
        .await;
    }

    // 4. A signed-out session, and an expired one.
    if let Ok(l) = sign_in(world, &leaver.email).await {
        let _ = world
            .http
            .post(world.api("/auth/signout"))
            .bearer_auth(&l.session)
            .send()
            .await;
        for (method, path) in &routes {
            try_it(
                world,
                &mut r,
                "signed-out session",
                method.clone(),
                path,
                Some(&l.session),
                Some(body.clone()),
                false,
            )
            .await;
        }
    }
    if let Ok(e) = sign_in(world, &leaver.email).await {
        // Its expiry moved into the past, as time would.
        let _ = world.server.state.0.store.lock().execute(
            "UPDATE sessions SET token_expires_ms = 0 WHERE email = ?1",
            [&leaver.email],
        );
        for (method, path) in &routes {
            try_it(
                world,
                &mut r,
                "expired session",
                method.clone(),
                path,
                Some(&e.session),
                Some(body.clone()),
                false,
            )
            .await;
        }
    }

    // 5. A refresh token used twice (rotation: the second use must fail).
    let refreshed = world
        .http
        .post(world.api("/auth/refresh"))
        .json(&json!({ "refresh": m.refresh }))
        .send()
        .await;
    if refreshed.is_ok_and(|x| x.status().is_success()) {
        try_it(
            world,
            &mut r,
            "spent refresh token",
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({ "refresh": m.refresh })),
            false,
        )
        .await;
    }
    r
}

/// One attempt. `allowed`: the route may answer 2xx (the attack is judged by its effect instead).
#[allow(clippy::too_many_arguments)]
async fn try_it(
    world: &World,
    r: &mut Report,
    what: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    allowed: bool,
) -> Option<u16> {
    let mut req = world.http.request(method.clone(), world.api(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body.filter(|_| method != Method::GET) {
        req = req.json(&b);
    }
    let code = req.send().await.ok()?.status().as_u16();
    if !allowed {
        r.attempts += 1;
        if (200..300).contains(&code) {
            r.succeeded += 1;
            r.details
                .push(format!("{what}: {method} {path} answered {code}"));
        }
    }
    Some(code)
}
