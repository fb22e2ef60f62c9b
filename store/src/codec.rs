//! How domain enums are stored: as their stable code (TEXT). `Coded<T>` reads and writes any
//! [`Code`] enum, so no state or kind is ever compared or stored as a free string.

use hoctap_domain::code::Code;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// A domain enum as an SQL value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coded<T>(pub T);

impl<T: Code> ToSql for Coded<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.code()))
    }
}

impl<T: Code> FromSql for Coded<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        T::from_code(s).map(Coded).ok_or_else(|| {
            FromSqlError::Other(format!("unknown {} code \"{s}\" in the database", T::WHAT).into())
        })
    }
}

/// Read an enum column.
pub fn get<T: Code>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<T> {
    row.get::<_, Coded<T>>(idx).map(|c| c.0)
}

/// Read a nullable enum column.
pub fn get_opt<T: Code>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<T>> {
    row.get::<_, Option<Coded<T>>>(idx).map(|c| c.map(|c| c.0))
}
