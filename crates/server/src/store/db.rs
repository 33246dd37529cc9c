//! One small layer that speaks SQLite (rusqlite) and PostgreSQL (tokio-postgres) with rusqlite's shape:
//! `execute`, `query_row`, `prepare` + `query_map`, `transaction`, `params!`, `.optional()`. The store's
//! code is written once, in the SQL both engines read (`?N` parameters, `ON CONFLICT`, `RETURNING`);
//! on PostgreSQL `?N` becomes `$N` and each parameter is converted to the type the statement declares.
//! Calls are synchronous and short, as they were on SQLite alone: a PostgreSQL call waits for its
//! answer while the connection itself runs on the store's own runtime (`pg_runtime`), so a caller on
//! any tokio runtime (current-thread test runtimes included) may block on it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use rusqlite::types::Value;
use tokio_postgres::types::{ToSql, Type};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgresql: {}", chain(.0))]
    Pg(#[from] tokio_postgres::Error),
    #[error("the query returned no row")]
    NoRows,
    #[error("column {index}: {reason}")]
    Column { index: usize, reason: String },
    #[error("postgresql: the store's runtime could not start: {0}")]
    Runtime(String),
}

impl DbError {
    /// The connection to PostgreSQL is gone (the server restarted, the network dropped): reconnect.
    pub fn is_disconnect(&self) -> bool {
        matches!(self, DbError::Pg(e) if e.is_closed())
    }
}

/// An error and its causes, in words (tokio-postgres keeps the server's message in the source).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// rusqlite's `OptionalExtension`, for this layer's results.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

mod values;
pub use crate::params;
pub use values::{ColumnIndex, FromColumn, Param, Params, Row, ToParam};

/// A PostgreSQL connection and its prepared statements (by the store's SQL text).
pub struct Pg {
    client: tokio_postgres::Client,
    prepared: RefCell<HashMap<String, tokio_postgres::Statement>>,
}

impl Pg {
    pub fn new(client: tokio_postgres::Client) -> Pg {
        Pg {
            client,
            prepared: RefCell::new(HashMap::new()),
        }
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        if let Some(s) = self.prepared.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = wait(self.client.prepare(&dollar_params(sql)))?;
        self.prepared.borrow_mut().insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<tokio_postgres::Row>> {
        let stmt = self.statement(sql)?;
        let values = pg_values(stmt.params(), params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v as _).collect();
        Ok(wait(self.client.query(&stmt, &refs))?)
    }

    fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        let values = pg_values(stmt.params(), params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v as _).collect();
        Ok(wait(self.client.execute(&stmt, &refs))?)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        Ok(wait(self.client.batch_execute(sql))?)
    }
}

/// Each parameter as the Rust type PostgreSQL declared for it (it infers them from the statement).
fn pg_values(types: &[Type], params: &[Param<'_>]) -> Vec<Box<dyn ToSql + Sync>> {
    types
        .iter()
        .zip(params.iter().copied().chain(std::iter::repeat(Param::Null)))
        .map(|(ty, p)| -> Box<dyn ToSql + Sync> {
            match (ty.clone(), p) {
                (Type::INT8, Param::Int(v)) => Box::new(v),
                (Type::INT8, Param::Null) => Box::new(None::<i64>),
                (Type::INT4, Param::Int(v)) => Box::new(v as i32),
                (Type::INT4, Param::Null) => Box::new(None::<i32>),
                (Type::INT2, Param::Int(v)) => Box::new(v as i16),
                (Type::INT2, Param::Null) => Box::new(None::<i16>),
                (Type::BOOL, Param::Int(v)) => Box::new(v != 0),
                (Type::BOOL, Param::Null) => Box::new(None::<bool>),
                (Type::FLOAT8, Param::Real(v)) => Box::new(v),
                (Type::FLOAT8, Param::Int(v)) => Box::new(v as f64),
                (Type::FLOAT8, Param::Null) => Box::new(None::<f64>),
                (_, Param::Text(s)) => Box::new(s.to_owned()),
                (_, Param::Int(v)) => Box::new(v.to_string()),
                (_, Param::Real(v)) => Box::new(v.to_string()),
                (_, Param::Null) => Box::new(None::<String>),
            }
        })
        .collect()
}

/// `?N` → `$N`, outside quoted text (the store writes SQLite's numbered parameters).
pub fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '?' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// The runtime that drives every PostgreSQL connection of the process (one small thread).
pub fn pg_runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RT: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ccai-store-pg")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| DbError::Runtime(e.clone()))
}

/// Waits for a client call; the connection it talks to runs on `pg_runtime`, never on the caller's.
fn wait<F: std::future::Future>(f: F) -> F::Output {
    blocking(|| futures_executor::block_on(f))
}

/// Runs `f`, which blocks on the database. On a multi-threaded tokio runtime (the server's) the worker
/// hands its other tasks to another thread first, so a round trip to PostgreSQL holds up no push,
/// poll or request of anyone else; elsewhere (a current-thread test runtime, a plain thread) it just runs.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// A connection to either engine. Its methods take `&self`, as rusqlite's do.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Pg(Pg),
}

impl Conn {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<u64> {
        let values = params.values();
        match self {
            // Cached: parsing the statement again on every call was ~7 % of the record rules' CPU.
            Conn::Sqlite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?
                as u64),
            Conn::Pg(c) => c.execute(sql, &values),
        }
    }

    /// A statement without parameters or rows (`BEGIN`, `COMMIT`), parsed once per connection.
    fn command(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => {
                c.prepare_cached(sql)?.execute([])?;
                Ok(())
            }
            Conn::Pg(c) => c.batch(sql),
        }
    }

    /// Runs several statements (no parameters), as a migration does.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => c.batch(sql),
        }
    }

    /// The first row's value; `DbError::NoRows` when there is none (`.optional()` turns it into `None`).
    pub fn query_row<P: Params, T>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let values = params.values();
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows =
                    st.query(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)),
                    None => Err(DbError::NoRows),
                }
            }
            Conn::Pg(c) => match c.query(sql, &values)?.first() {
                Some(r) => f(&Row::Pg(r)),
                None => Err(DbError::NoRows),
            },
        }
    }

    /// Every row, mapped.
    pub fn query_all<P: Params, T>(
        &self,
        sql: &str,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let values = params.values();
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows =
                    st.query(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Conn::Pg(c) => c
                .query(sql, &values)?
                .iter()
                .map(|r| f(&Row::Pg(r)))
                .collect(),
        }
    }

    /// rusqlite's `prepare`, kept so a query reads as it did: the statement runs at `query_map`.
    pub fn prepare<'c>(&'c self, sql: &'c str) -> Result<Stmt<'c>> {
        Ok(Stmt { conn: self, sql })
    }

    pub fn prepare_cached<'c>(&'c self, sql: &'c str) -> Result<Stmt<'c>> {
        self.prepare(sql)
    }

    /// `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
    pub fn in_transaction<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&Conn) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// A transaction: rolled back when dropped without `commit` (an error, a panic).
    pub fn transaction(&mut self) -> Result<Tx<'_>> {
        self.command("BEGIN")?;
        Ok(Tx {
            conn: self,
            open: true,
        })
    }
}

fn sqlite_value(p: &Param<'_>) -> Value {
    match *p {
        Param::Null => Value::Null,
        Param::Int(v) => Value::Integer(v),
        Param::Real(v) => Value::Real(v),
        Param::Text(s) => Value::Text(s.to_owned()),
    }
}

pub struct Stmt<'c> {
    conn: &'c Conn,
    sql: &'c str,
}

impl Stmt<'_> {
    pub fn query_map<P: Params, T>(
        &mut self,
        params: P,
        f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        Ok(self
            .conn
            .query_all(self.sql, params, f)?
            .into_iter()
            .map(Ok)
            .collect::<Vec<_>>()
            .into_iter())
    }

    pub fn execute<P: Params>(&mut self, params: P) -> Result<u64> {
        self.conn.execute(self.sql, params)
    }

    pub fn query_row<P: Params, T>(
        &mut self,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.conn.query_row(self.sql, params, f)
    }
}

pub struct Tx<'c> {
    conn: &'c Conn,
    open: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.conn.command("COMMIT")
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the caller already has the error that left the transaction open.
            let _ = self.conn.command("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::dollar_params;

    #[test]
    fn numbered_parameters_become_dollars_outside_quotes() {
        assert_eq!(
            dollar_params("SELECT ?1, '?2' FROM t WHERE a = ?12 AND b = ?"),
            "SELECT $1, '?2' FROM t WHERE a = $12 AND b = ?"
        );
    }
}
