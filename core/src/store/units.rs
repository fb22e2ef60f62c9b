//! Administrative units in the two-tier structure in force since 1 July 2025:
//! province (official code) → commune (official code) → hamlet (thôn / tổ dân phố, local id).
//! There is no district tier; records from before July 2025 keep their legacy codes.

use super::{Result, Store, StoreError};
use crate::{clock, text};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// A hamlet (thôn) or urban residential group (tổ dân phố).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hamlet {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub commune_code: Option<String>,
    pub local_code: Option<String>,
}

/// What is needed to add a hamlet.
#[derive(Debug, Clone, Default)]
pub struct NewHamlet {
    pub name: String,
    /// `thon` (default) or `to_dan_pho`.
    pub kind: Option<String>,
    pub commune_code: Option<String>,
    pub local_code: Option<String>,
    pub legacy_commune_code: Option<String>,
}

fn hamlet_from_row(r: &Row<'_>) -> rusqlite::Result<Hamlet> {
    Ok(Hamlet {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        commune_code: r.get(3)?,
        local_code: r.get(4)?,
    })
}

const HAMLET_COLS: &str = "id, name, kind, commune_code, local_code";

impl Store {
    /// Add a province by its official code.
    pub fn add_province(&self, code: &str, name: &str) -> Result<()> {
        let code = code.trim();
        if code.is_empty() {
            return Err(StoreError::Invalid(
                "Mã tỉnh không được để trống / province code is empty".into(),
            ));
        }
        self.conn.execute(
            "INSERT INTO province (code, name) VALUES (?1, ?2)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name",
            params![code, text::clean(name)],
        )?;
        Ok(())
    }

    /// Add a commune (xã, phường or đặc khu) by its official code.
    pub fn add_commune(
        &self,
        code: &str,
        province_code: &str,
        name: &str,
        kind: &str,
        legacy: (Option<&str>, Option<&str>),
    ) -> Result<()> {
        if !matches!(kind, "xa" | "phuong" | "dac_khu") {
            return Err(StoreError::Invalid(format!(
                "Loại đơn vị cấp xã không hợp lệ: {kind} (xa, phuong, dac_khu) / invalid commune kind"
            )));
        }
        self.conn.execute(
            "INSERT INTO commune (code, province_code, name, kind, legacy_district_code, legacy_commune_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind",
            params![code.trim(), province_code.trim(), text::clean(name), kind, legacy.0, legacy.1],
        )?;
        Ok(())
    }

    /// Add a hamlet. Names are unique within a commune (compared after NFC cleaning).
    pub fn add_hamlet(&self, new: &NewHamlet) -> Result<Hamlet> {
        let name = text::clean(&new.name);
        if name.is_empty() {
            return Err(StoreError::Invalid(
                "Tên thôn không được để trống / hamlet name is empty".into(),
            ));
        }
        let kind = new.kind.clone().unwrap_or_else(|| "thon".to_string());
        if !matches!(kind.as_str(), "thon" | "to_dan_pho") {
            return Err(StoreError::Invalid(format!(
                "Loại thôn không hợp lệ: {kind} (thon, to_dan_pho) / invalid hamlet kind"
            )));
        }
        if self.hamlet_by_name(&name)?.is_some() {
            return Err(StoreError::Invalid(format!(
                "Thôn \"{name}\" đã có / hamlet \"{name}\" already exists"
            )));
        }
        let id = clock::new_id();
        let now = clock::now();
        self.conn.execute(
            "INSERT INTO hamlet (id, commune_code, local_code, name, name_fold, sort_key, kind,
                                 legacy_commune_code, created_at, created_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                new.commune_code,
                new.local_code,
                name,
                text::fold(&name),
                text::label_sort_key(&name),
                kind,
                new.legacy_commune_code,
                now.utc,
                now.offset_minutes
            ],
        )?;
        self.hamlet(&id)
    }

    /// A hamlet by id.
    pub fn hamlet(&self, id: &str) -> Result<Hamlet> {
        self.conn
            .prepare_cached(&format!("SELECT {HAMLET_COLS} FROM hamlet WHERE id = ?1"))?
            .query_row([id], hamlet_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "thôn / hamlet",
                id: id.to_string(),
            })
    }

    /// Find a hamlet by name, ignoring case and diacritics when no exact (NFC) match exists.
    /// An ambiguous folded name is an error that lists the candidates.
    pub fn hamlet_by_name(&self, name: &str) -> Result<Option<Hamlet>> {
        let name = text::clean(name);
        let exact = self
            .conn
            .prepare_cached(&format!("SELECT {HAMLET_COLS} FROM hamlet WHERE name = ?1"))?
            .query_row([&name], hamlet_from_row)
            .optional()?;
        if exact.is_some() {
            return Ok(exact);
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {HAMLET_COLS} FROM hamlet WHERE name_fold = ?1 ORDER BY sort_key"
        ))?;
        let found: Vec<Hamlet> = stmt
            .query_map([text::fold(&name)], hamlet_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.into_iter().next()),
            _ => Err(StoreError::Invalid(format!(
                "Tên thôn \"{name}\" khớp nhiều thôn: {} — hãy gõ đủ dấu / ambiguous hamlet name",
                found
                    .iter()
                    .map(|h| h.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Find a hamlet by id or name, or fail with a clear error.
    pub fn resolve_hamlet(&self, id_or_name: &str) -> Result<Hamlet> {
        if clock::is_id(id_or_name) {
            if let Ok(h) = self.hamlet(id_or_name) {
                return Ok(h);
            }
        }
        self.hamlet_by_name(id_or_name)?
            .ok_or_else(|| StoreError::NotFound {
                kind: "thôn / hamlet",
                id: id_or_name.to_string(),
            })
    }

    /// All hamlets in Vietnamese order.
    pub fn hamlets(&self) -> Result<Vec<Hamlet>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {HAMLET_COLS} FROM hamlet ORDER BY sort_key"
        ))?;
        let rows = stmt
            .query_map([], hamlet_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
