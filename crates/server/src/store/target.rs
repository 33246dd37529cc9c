//! Where the store lives, as one setting: `sqlite:PATH` (or a bare path; default `ccai-server.db`) or a
//! PostgreSQL URL (`postgres://user:password@host:port/database`). The password never appears in a
//! message: `masked` replaces it.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// One SQLite file, for one instance.
    Sqlite(PathBuf),
    /// A PostgreSQL database, for one or several instances.
    Postgres(String),
}

impl Database {
    /// Reads the setting: `postgres://…`/`postgresql://…`, `sqlite:PATH`, or a path.
    pub fn parse(setting: &str) -> Result<Database, String> {
        let s = setting.trim();
        if s.is_empty() {
            return Err("is empty".into());
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            s.parse::<tokio_postgres::Config>()
                .map_err(|e| format!("{}: {e}", mask(s)))?;
            return Ok(Database::Postgres(s.to_owned()));
        }
        if let Some(path) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite: needs a file path (sqlite:ccai-server.db)".into());
            }
            return Ok(Database::Sqlite(path.into()));
        }
        if s.contains("://") {
            return Err(format!(
                "{}: only sqlite:PATH and postgres://… are known",
                mask(s)
            ));
        }
        Ok(Database::Sqlite(s.into()))
    }

    /// The setting as it may be shown (logs, errors, the operations view): no password.
    pub fn masked(&self) -> String {
        match self {
            Database::Sqlite(p) => format!("sqlite:{}", p.display()),
            Database::Postgres(url) => mask(url),
        }
    }
}

impl Default for Database {
    fn default() -> Database {
        Database::Sqlite(PathBuf::from("ccai-server.db"))
    }
}

/// An SQLite file path is the common case in tests and scripts.
impl From<PathBuf> for Database {
    fn from(p: PathBuf) -> Database {
        Database::Sqlite(p)
    }
}

impl From<&std::path::Path> for Database {
    fn from(p: &std::path::Path) -> Database {
        Database::Sqlite(p.to_path_buf())
    }
}

/// The URL with its password (between `user:` and `@` in the authority, or a `password=` query
/// parameter) replaced by `***`.
pub fn mask(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..scheme_end + 3].to_owned();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let parts: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            out.push_str(&parts.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_names_one_engine() {
        assert_eq!(
            Database::parse("ccai-server.db"),
            Ok(Database::Sqlite("ccai-server.db".into()))
        );
        assert_eq!(
            Database::parse("sqlite:/var/lib/ccai.db"),
            Ok(Database::Sqlite("/var/lib/ccai.db".into()))
        );
        assert_eq!(
            Database::parse("postgres://ccai:pw@db:5432/ccai"),
            Ok(Database::Postgres("postgres://ccai:pw@db:5432/ccai".into()))
        );
        let err = Database::parse("mysql://root:hunter2@db/x").expect_err("unknown engine");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask("postgres://ccai:s3cret@db.example:5432/ccai?sslmode=disable"),
            "postgres://ccai:***@db.example:5432/ccai?sslmode=disable"
        );
        assert_eq!(
            mask("postgres://db/ccai?user=x&password=s3cret"),
            "postgres://db/ccai?user=x&password=***"
        );
        assert_eq!(mask("postgres://ccai@db/ccai"), "postgres://ccai@db/ccai");
    }
}
