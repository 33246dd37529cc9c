//! For the tests and the benches: the database a test's server runs on. By default the SQLite file the
//! test named; with `CCAI_TEST_DB=postgres`, a database of its own on the PostgreSQL at
//! `CCAI_TEST_PG_URL` (`scripts/test-pg.sh` starts one; `./build.sh test` runs the server's tests both
//! ways). The same file path always gives the same database, so a test that restarts its server on
//! the same file finds its state again. A run asked for PostgreSQL without a URL fails: it never
//! silently falls back to SQLite.

use std::hash::{Hash, Hasher};
use std::path::Path;

use super::{connect, Database, StoreError};

/// `CCAI_TEST_DB=postgres` (any other value, or none: SQLite).
pub const BACKEND_VAR: &str = "CCAI_TEST_DB";
/// The PostgreSQL the tests may create databases on (its user may `CREATE DATABASE`).
pub const PG_URL_VAR: &str = "CCAI_TEST_PG_URL";

/// Whether this test run puts the servers on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(BACKEND_VAR).is_ok_and(|v| v == "postgres")
}

/// The database for a test's server whose SQLite file would be `sqlite_path`.
pub fn database_for(sqlite_path: &Path) -> Database {
    if !on_postgres() {
        return Database::Sqlite(sqlite_path.to_path_buf());
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    sqlite_path.hash(&mut h);
    let name = format!("ccai_test_{:016x}", h.finish());
    match postgres_database(&name) {
        Ok(db) => db,
        Err(e) => panic!("{BACKEND_VAR}=postgres: {e}"),
    }
}

/// A database `name` on the tests' PostgreSQL, created if it does not exist yet.
pub fn postgres_database(name: &str) -> Result<Database, StoreError> {
    let base = std::env::var(PG_URL_VAR).map_err(|_| StoreError::Unreachable {
        url: format!("${PG_URL_VAR}"),
        reason: "not set: start one with scripts/test-pg.sh start (./build.sh test does)".into(),
    })?;
    let admin = connect(
        &Database::parse(&base).map_err(|reason| StoreError::Unreachable {
            url: format!("${PG_URL_VAR}"),
            reason,
        })?,
    )?;
    let exists = admin.query_all(
        "SELECT 1 FROM pg_database WHERE datname = ?1",
        [name],
        |_| Ok(()),
    )?;
    if exists.is_empty() {
        // Two tests may race to create it: the loser's "already exists" is fine.
        if let Err(e) = admin.execute_batch(&format!("CREATE DATABASE {name}")) {
            if !e.to_string().contains("already exists") {
                return Err(e.into());
            }
        }
    }
    Ok(Database::Postgres(with_database(&base, name)))
}

/// `base` with its database (the URL's path) replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (before_query, query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let scheme_end = before_query.find("://").map_or(0, |i| i + 3);
    let authority_end = before_query[scheme_end..]
        .find('/')
        .map_or(before_query.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &before_query[..authority_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_name_replaces_the_path() {
        assert_eq!(
            super::with_database("postgres://u@h:5/ccai?sslmode=disable", "t1"),
            "postgres://u@h:5/t1?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h:5", "t1"),
            "postgres://u@h:5/t1"
        );
    }
}
