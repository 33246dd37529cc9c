//! The server's one SQLite file. Each part of the server owns its tables and lists their migrations
//! here under its own component name; `schema_version` remembers, per component, the last migration
//! applied. Each migration runs in one transaction with its version bump, so a crash mid-migration
//! leaves the file as it was before that migration.

pub mod identity;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the database file is from a newer server: {component} is at version {found}, this server knows {known}")]
    TooNew {
        component: &'static str,
        found: u32,
        known: u32,
    },
}

/// One schema step of one component. `version` counts from 1 within the component, in order.
pub struct Migration {
    pub component: &'static str,
    pub version: u32,
    pub sql: &'static str,
}

/// Every migration of every component. Add yours at the end of your component's run; never edit one
/// that has landed (a deployed file already ran it): add the next version instead.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        component: "identity",
        version: 1,
        sql: identity::SCHEMA_V1,
    },
    Migration {
        component: "settings",
        version: 1,
        sql: crate::settings::SCHEMA_V1,
    },
    Migration {
        component: "status",
        version: 1,
        sql: crate::status::store::SCHEMA_V1,
    },
    Migration {
        component: "records",
        version: 1,
        sql: crate::records::store::SCHEMA_V1,
    },
];

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        // WAL + synchronous=NORMAL: a commit survives a killed process; a power cut may lose the last
        // commits. Set `synchronous=FULL` where power loss matters more than speed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, MIGRATIONS)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    /// The connection, for one short piece of work (never held across an `.await`).
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back on drop).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The version of `component` this file is at (0: none applied).
    pub fn schema_version(&self, component: &str) -> Result<u32, StoreError> {
        version_of(&self.lock(), component)
    }
}

fn version_of(conn: &Connection, component: &str) -> Result<u32, StoreError> {
    Ok(conn
        .query_row(
            "SELECT version FROM schema_version WHERE component = ?1",
            [component],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Applies what `migrations` has beyond each component's recorded version.
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            component TEXT PRIMARY KEY,
            version INTEGER NOT NULL
        );",
    )?;
    for m in migrations {
        let tx = conn.transaction()?;
        let at = version_of(&tx, m.component)?;
        if m.version <= at {
            continue;
        }
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_version (component, version) VALUES (?1, ?2)
             ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            params![m.component, m.version],
        )?;
        tx.commit()?;
    }
    // A file written by a newer server has versions this one does not know: refuse it rather than
    // run on a schema it cannot read.
    for m in migrations {
        let known = migrations
            .iter()
            .filter(|x| x.component == m.component)
            .map(|x| x.version)
            .max()
            .unwrap_or(0);
        let found = version_of(conn, m.component)?;
        if found > known {
            return Err(StoreError::TooNew {
                component: m.component,
                found,
                known,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[Migration] = &[
        Migration {
            component: "a",
            version: 1,
            sql: "CREATE TABLE t (x INTEGER);",
        },
        Migration {
            component: "a",
            version: 2,
            sql: "ALTER TABLE t ADD COLUMN y INTEGER;",
        },
    ];

    #[test]
    fn migrations_apply_once_and_a_failing_one_changes_nothing() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrate(&mut conn, &M[..1]).expect("v1");
        migrate(&mut conn, M).expect("v2");
        migrate(&mut conn, M).expect("again: nothing to do");
        assert_eq!(version_of(&conn, "a").expect("version"), 2);
        let broken = [Migration {
            component: "a",
            version: 3,
            sql: "CREATE TABLE u (z INTEGER); THIS IS NOT SQL;",
        }];
        assert!(migrate(&mut conn, &broken).is_err());
        assert_eq!(version_of(&conn, "a").expect("version"), 2);
        let u: Option<String> = conn
            .query_row("SELECT name FROM sqlite_master WHERE name = 'u'", [], |r| {
                r.get(0)
            })
            .optional()
            .expect("query");
        assert_eq!(
            u, None,
            "the failed migration's first statement was rolled back"
        );
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrate(&mut conn, M).expect("v2");
        let err = migrate(&mut conn, &M[..1]).expect_err("older server");
        assert!(err.to_string().contains("newer server"));
    }
}
