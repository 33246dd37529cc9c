//! Who is signed in: agents (as both vendors know them, with their own Kustomer tokens), sessions
//! (hashed session and refresh tokens), OAuth sign-ins in flight and SSE tickets. No secret a client
//! holds is stored in clear: only its SHA-256 (see `session::hash`).

use super::db::{self, params, OptionalExtension, Row};

use super::{Store, StoreError};
use crate::http::auth::Agent;

pub const SCHEMA_V1: &str = "
CREATE TABLE agents (
    email TEXT PRIMARY KEY,
    kustomer_user_id TEXT NOT NULL,
    ccai_agent_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    kustomer_access TEXT NOT NULL,
    kustomer_refresh TEXT,
    kustomer_expires_at_ms INTEGER,
    signed_in_at_ms INTEGER NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL REFERENCES agents(email),
    token_hash TEXT NOT NULL UNIQUE,
    token_expires_ms INTEGER NOT NULL,
    refresh_hash TEXT NOT NULL UNIQUE,
    prev_refresh_hash TEXT,
    refresh_expires_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER,
    revoked_reason TEXT
);
CREATE INDEX sessions_by_email ON sessions(email, revoked_ms);
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    verifier TEXT NOT NULL,
    redirect TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE TABLE event_tickets (
    ticket_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
";

/// The agent's own Kustomer tokens (B3), kept server-side for the writes that must be theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KustomerTokens {
    pub access: String,
    pub refresh: Option<String>,
    pub expires_at_ms: Option<u64>,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub email: String,
    pub token_expires_ms: u64,
    pub revoked: Option<String>,
}

/// What presenting a refresh token did.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    Rotated {
        session_id: String,
        email: String,
    },
    /// Not a refresh token we know (never issued, or its session is gone).
    Unknown,
    /// The refresh token before the current one: a copy is in someone else's hands, so the session
    /// was revoked.
    Reused,
    Expired,
    Revoked,
}

/// New token hashes for a session.
pub struct NewTokens<'a> {
    pub token_hash: &'a str,
    pub token_expires_ms: u64,
    pub refresh_hash: &'a str,
    pub refresh_expires_ms: u64,
}

fn agent_of(r: &Row) -> db::Result<Agent> {
    Ok(Agent {
        email: r.get(0)?,
        kustomer_user_id: r.get(1)?,
        ccai_agent_id: r.get(2)?,
        name: r.get(3)?,
    })
}

impl Store {
    pub fn save_agent(
        &self,
        agent: &Agent,
        tokens: &KustomerTokens,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO agents (email, kustomer_user_id, ccai_agent_id, name, kustomer_access,
                kustomer_refresh, kustomer_expires_at_ms, signed_in_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (email) DO UPDATE SET kustomer_user_id = excluded.kustomer_user_id,
                ccai_agent_id = excluded.ccai_agent_id, name = excluded.name,
                kustomer_access = excluded.kustomer_access, kustomer_refresh = excluded.kustomer_refresh,
                kustomer_expires_at_ms = excluded.kustomer_expires_at_ms,
                signed_in_at_ms = excluded.signed_in_at_ms",
            params![
                agent.email,
                agent.kustomer_user_id,
                agent.ccai_agent_id,
                agent.name,
                tokens.access,
                tokens.refresh,
                tokens.expires_at_ms.map(|v| v as i64),
                now_ms as i64
            ],
        )?;
        Ok(())
    }

    pub fn agent(&self, email: &str) -> Result<Option<Agent>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT email, kustomer_user_id, ccai_agent_id, name FROM agents WHERE email = ?1",
                [email],
                agent_of,
            )
            .optional()?)
    }

    pub fn kustomer_tokens(&self, email: &str) -> Result<Option<KustomerTokens>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT kustomer_access, kustomer_refresh, kustomer_expires_at_ms FROM agents
                 WHERE email = ?1",
                [email],
                |r| {
                    Ok(KustomerTokens {
                        access: r.get(0)?,
                        refresh: r.get(1)?,
                        expires_at_ms: r.get::<_, Option<i64>>(2)?.map(|v| v as u64),
                    })
                },
            )
            .optional()?)
    }

    pub fn set_kustomer_tokens(&self, email: &str, t: &KustomerTokens) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE agents SET kustomer_access = ?2, kustomer_refresh = ?3, kustomer_expires_at_ms = ?4
             WHERE email = ?1",
            params![email, t.access, t.refresh, t.expires_at_ms.map(|v| v as i64)],
        )?;
        Ok(())
    }

    /// Agents with at least one live session (not revoked, refresh not expired): whose standing with
    /// Kustomer is checked.
    pub fn signed_in_agents(&self, now_ms: u64) -> Result<Vec<Agent>, StoreError> {
        let conn = self.lock();
        let mut q = conn.prepare(
            "SELECT a.email, a.kustomer_user_id, a.ccai_agent_id, a.name FROM agents a
             WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.email = a.email
                           AND s.revoked_ms IS NULL AND s.refresh_expires_ms > ?1)
             ORDER BY a.email",
        )?;
        let rows = q.query_map([now_ms as i64], agent_of)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The agents who signed in at or after `since_ms`: their sign-in just asked Kustomer who they are
    /// (B6), so the standing check leaves them for its next round.
    pub fn signed_in_since(&self, since_ms: u64) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut q = conn.prepare("SELECT email FROM agents WHERE signed_in_at_ms >= ?1")?;
        let rows = q.query_map([since_ms as i64], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn create_session(
        &self,
        id: &str,
        email: &str,
        t: &NewTokens,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO sessions (id, email, token_hash, token_expires_ms, refresh_hash,
                refresh_expires_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                email,
                t.token_hash,
                t.token_expires_ms as i64,
                t.refresh_hash,
                t.refresh_expires_ms as i64,
                now_ms as i64
            ],
        )?;
        Ok(())
    }

    pub fn session_by_token(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        self.session_where("token_hash = ?1", token_hash)
    }

    pub fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        self.session_where("id = ?1", id)
    }

    fn session_where(&self, cond: &str, v: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!(
            "SELECT id, email, token_expires_ms, revoked_reason, revoked_ms FROM sessions WHERE {cond}"
        );
        Ok(self
            .lock()
            .query_row(&sql, [v], |r| {
                let revoked_ms: Option<i64> = r.get(4)?;
                let reason: Option<String> = r.get(3)?;
                Ok(SessionRow {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    token_expires_ms: r.get::<_, i64>(2)? as u64,
                    revoked: revoked_ms.map(|_| reason.unwrap_or_else(|| "revoked".into())),
                })
            })
            .optional()?)
    }

    /// Swaps a session's tokens for new ones if `refresh_hash` is its current refresh token.
    pub fn rotate(
        &self,
        refresh_hash: &str,
        next: &NewTokens,
        now_ms: u64,
    ) -> Result<Rotation, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let current: Option<(String, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT id, email, refresh_expires_ms, revoked_ms FROM sessions WHERE refresh_hash = ?1",
                [refresh_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, email, refresh_expires, revoked)) = current else {
            let stolen: Option<String> = tx
                .query_row(
                    "SELECT id FROM sessions WHERE prev_refresh_hash = ?1 AND revoked_ms IS NULL",
                    [refresh_hash],
                    |r| r.get(0),
                )
                .optional()?;
            return Ok(match stolen {
                Some(id) => {
                    tx.execute(
                        "UPDATE sessions SET revoked_ms = ?2, revoked_reason = ?3 WHERE id = ?1",
                        params![id, now_ms as i64, "a refresh token was used twice"],
                    )?;
                    tx.commit()?;
                    Rotation::Reused
                }
                None => Rotation::Unknown,
            });
        };
        if revoked.is_some() {
            return Ok(Rotation::Revoked);
        }
        if refresh_expires as u64 <= now_ms {
            return Ok(Rotation::Expired);
        }
        tx.execute(
            "UPDATE sessions SET token_hash = ?2, token_expires_ms = ?3, refresh_hash = ?4,
                prev_refresh_hash = refresh_hash, refresh_expires_ms = ?5 WHERE id = ?1",
            params![
                id,
                next.token_hash,
                next.token_expires_ms as i64,
                next.refresh_hash,
                next.refresh_expires_ms as i64
            ],
        )?;
        tx.commit()?;
        Ok(Rotation::Rotated {
            session_id: id,
            email,
        })
    }

    /// Revokes one session; true if it was live.
    pub fn revoke_session(&self, id: &str, reason: &str, now_ms: u64) -> Result<bool, StoreError> {
        Ok(self.lock().execute(
            "UPDATE sessions SET revoked_ms = ?2, revoked_reason = ?3 WHERE id = ?1 AND revoked_ms IS NULL",
            params![id, now_ms as i64, reason],
        )? == 1)
    }

    /// Revokes every live session of an agent; returns their ids.
    pub fn revoke_agent(
        &self,
        email: &str,
        reason: &str,
        now_ms: u64,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let ids: Vec<String> = {
            let mut q =
                tx.prepare("SELECT id FROM sessions WHERE email = ?1 AND revoked_ms IS NULL")?;
            let rows = q.query_map([email], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        tx.execute(
            "UPDATE sessions SET revoked_ms = ?2, revoked_reason = ?3 WHERE email = ?1 AND revoked_ms IS NULL",
            params![email, now_ms as i64, reason],
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// Forgets sessions over for more than a day (revoked, or their refresh token expired), and
    /// sign-ins and tickets past their time.
    pub fn prune_identity(&self, now_ms: u64) -> Result<(), StoreError> {
        let day_ago = now_ms.saturating_sub(86_400_000) as i64;
        let conn = self.lock();
        conn.execute(
            "DELETE FROM sessions WHERE refresh_expires_ms < ?1 OR revoked_ms < ?1",
            [day_ago],
        )?;
        conn.execute(
            "DELETE FROM oauth_states WHERE expires_ms < ?1",
            [now_ms as i64],
        )?;
        conn.execute(
            "DELETE FROM event_tickets WHERE expires_ms < ?1",
            [now_ms as i64],
        )?;
        Ok(())
    }

    pub fn put_oauth_state(
        &self,
        state_hash: &str,
        verifier: &str,
        redirect: &str,
        expires_ms: u64,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        // Sign-ins abandoned mid-way leave rows behind: clear the expired ones as new ones arrive.
        conn.execute(
            "DELETE FROM oauth_states WHERE expires_ms < ?1",
            [expires_ms as i64 - 3_600_000],
        )?;
        conn.execute(
            "INSERT INTO oauth_states (state_hash, verifier, redirect, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            params![state_hash, verifier, redirect, expires_ms as i64],
        )?;
        Ok(())
    }

    /// Takes (and deletes: single use) a sign-in's PKCE verifier and final redirect, if not expired.
    pub fn take_oauth_state(
        &self,
        state_hash: &str,
        now_ms: u64,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "DELETE FROM oauth_states WHERE state_hash = ?1 RETURNING verifier, redirect, expires_ms",
                [state_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?)),
            )
            .optional()?
            .filter(|(_, _, exp)| *exp as u64 > now_ms)
            .map(|(v, r, _)| (v, r)))
    }

    pub fn put_ticket(
        &self,
        ticket_hash: &str,
        session_id: &str,
        expires_ms: u64,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "DELETE FROM event_tickets WHERE expires_ms < ?1",
            [expires_ms as i64 - 3_600_000],
        )?;
        conn.execute(
            "INSERT INTO event_tickets (ticket_hash, session_id, expires_ms) VALUES (?1, ?2, ?3)",
            params![ticket_hash, session_id, expires_ms as i64],
        )?;
        Ok(())
    }

    /// Takes (single use) the session an SSE ticket stands for, if not expired.
    pub fn take_ticket(
        &self,
        ticket_hash: &str,
        now_ms: u64,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "DELETE FROM event_tickets WHERE ticket_hash = ?1 RETURNING session_id, expires_ms",
                [ticket_hash],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?
            .filter(|(_, exp)| *exp as u64 > now_ms)
            .map(|(s, _)| s))
    }
}
