//! The values that cross the layer: parameters in (`ToParam`, `Params`, `params!`), rows and columns
//! out (`Row`, `FromColumn`), each read or written as either engine needs.

use rusqlite::types::ValueRef;
use tokio_postgres::types::{FromSql, Type};

use super::{DbError, Result};

/// A parameter's value, before it meets an engine.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

pub trait ToParam {
    fn param(&self) -> Param<'_>;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn param(&self) -> Param<'_> {
                Param::Int(*self as i64)
            }
        }
    )*};
}
int_param!(i64, i32, i16, u32, u16, u8, bool);

impl ToParam for f64 {
    fn param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}
impl ToParam for str {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for String {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn param(&self) -> Param<'_> {
        (**self).param()
    }
}
impl<T: ToParam> ToParam for Option<T> {
    fn param(&self) -> Param<'_> {
        self.as_ref().map_or(Param::Null, ToParam::param)
    }
}

/// What a statement's parameters can be given as: `params![…]`, an array, or `[]`.
pub trait Params {
    fn values(&self) -> Vec<Param<'_>>;
}
impl Params for &[&dyn ToParam] {
    fn values(&self) -> Vec<Param<'_>> {
        self.iter().map(|p| p.param()).collect()
    }
}
impl Params for [&dyn ToParam; 0] {
    fn values(&self) -> Vec<Param<'_>> {
        Vec::new()
    }
}
macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: ToParam> Params for [T; $n] {
            fn values(&self) -> Vec<Param<'_>> {
                self.iter().map(ToParam::param).collect()
            }
        }
    )*};
}
array_params!(1, 2, 3, 4);

/// rusqlite's `params!`, for this layer.
#[macro_export]
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        &[$(&$p as &dyn $crate::store::db::ToParam),*] as &[&dyn $crate::store::db::ToParam]
    };
}
/// One row of a result, from either engine.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Pg(&'a tokio_postgres::Row),
}

impl Row<'_> {
    pub fn get<I: ColumnIndex, T: FromColumn>(&self, index: I) -> Result<T> {
        let index = index.index();
        match self {
            Row::Sqlite(r) => T::from_sqlite(r.get_ref(index)?)
                .map_err(|reason| DbError::Column { index, reason }),
            Row::Pg(r) => T::from_pg(r, index).map_err(|reason| DbError::Column { index, reason }),
        }
    }
}

/// Columns are read by position (as every query of the store does).
pub trait ColumnIndex {
    fn index(self) -> usize;
}
impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// A Rust value read from a column of either engine. Integers read from any integer column (and
/// PostgreSQL's booleans as 0/1), so both schemas may pick their natural types.
pub trait FromColumn: Sized {
    fn from_sqlite(v: ValueRef<'_>) -> std::result::Result<Self, String>;
    fn from_pg(r: &tokio_postgres::Row, i: usize) -> std::result::Result<Self, String>;
}

fn pg_get<'a, T: FromSql<'a>>(
    r: &'a tokio_postgres::Row,
    i: usize,
) -> std::result::Result<T, String> {
    r.try_get(i).map_err(|e| e.to_string())
}

impl FromColumn for i64 {
    fn from_sqlite(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        v.as_i64().map_err(|e| e.to_string())
    }
    fn from_pg(r: &tokio_postgres::Row, i: usize) -> std::result::Result<Self, String> {
        let ty = r.columns().get(i).map(|c| c.type_().clone());
        match ty {
            Some(Type::INT4) => pg_get::<i32>(r, i).map(i64::from),
            Some(Type::INT2) => pg_get::<i16>(r, i).map(i64::from),
            Some(Type::BOOL) => pg_get::<bool>(r, i).map(i64::from),
            _ => pg_get::<i64>(r, i),
        }
    }
}
impl FromColumn for u32 {
    fn from_sqlite(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        u32::try_from(i64::from_sqlite(v)?).map_err(|e| e.to_string())
    }
    fn from_pg(r: &tokio_postgres::Row, i: usize) -> std::result::Result<Self, String> {
        u32::try_from(i64::from_pg(r, i)?).map_err(|e| e.to_string())
    }
}
impl FromColumn for bool {
    fn from_sqlite(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        Ok(i64::from_sqlite(v)? != 0)
    }
    fn from_pg(r: &tokio_postgres::Row, i: usize) -> std::result::Result<Self, String> {
        Ok(i64::from_pg(r, i)? != 0)
    }
}
impl FromColumn for f64 {
    fn from_sqlite(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        v.as_f64().map_err(|e| e.to_string())
    }
    fn from_pg(r: &tokio_postgres::Row, i: usize) -> std::result::Result<Self, String> {
        pg_get(r, i)
    }
}
impl FromColumn for String {
    fn from_sqlite(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        v.as_str().map(str::to_owned).map_err(|e| e.to_string())
    }
    fn from_pg(r: &tokio_postgres::Row, i: usize) -> std::result::Result<Self, String> {
        pg_get(r, i)
    }
}
impl<T: FromColumn> FromColumn for Option<T> {
    fn from_sqlite(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_sqlite(v).map(Some),
        }
    }
    fn from_pg(r: &tokio_postgres::Row, i: usize) -> std::result::Result<Self, String> {
        if pg_get::<Nullness>(r, i)?.0 {
            Ok(None)
        } else {
            T::from_pg(r, i).map(Some)
        }
    }
}

/// Whether a PostgreSQL value is NULL, whatever its type.
struct Nullness(bool);
impl<'a> FromSql<'a> for Nullness {
    fn from_sql(
        _: &Type,
        _: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Nullness(false))
    }
    fn from_sql_null(
        _: &Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Nullness(true))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}
