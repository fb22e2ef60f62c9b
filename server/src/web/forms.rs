//! What the pages read from query strings and forms: the queue's filter (every value checked;
//! a bad one is dropped and named, never a 500), the place and year of reports, and the
//! encoding of links that carry them.

use crate::db::review::{Cursor, Filter, PageAt, ReviewState, Sort};
use hoctap_domain::model::Model;
use serde::Deserialize;

/// Percent-encode a query value (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The queue's query string, as sent (every field text, checked in [`QueueQuery::parse`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub commune: Option<String>,
    pub hamlet: Option<String>,
    pub model: Option<String>,
    pub year: Option<String>,
    pub state: Option<String>,
    pub mismatch: Option<String>,
    pub missing: Option<String>,
    pub flagged: Option<String>,
    pub returned: Option<String>,
    pub corrected: Option<String>,
    pub superseded: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
    /// How many assessments a bulk action just changed (shown once after it).
    pub done: Option<String>,
}

/// A checked queue query.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub filter: Filter,
    pub sort: Sort,
    pub at: PageAt,
    /// Values that were not understood (shown to the user, otherwise ignored).
    pub ignored: Vec<String>,
    /// A bulk action's count to confirm.
    pub done: Option<i64>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn on(v: &Option<String>) -> bool {
    matches!(nonempty(v), Some("1" | "true" | "on"))
}

impl QueueQuery {
    pub fn parse(&self) -> Parsed {
        let mut ignored = Vec::new();
        let mut filter = Filter {
            commune: nonempty(&self.commune).map(str::to_string),
            hamlet: nonempty(&self.hamlet).map(str::to_string),
            mismatch: on(&self.mismatch),
            missing_evidence: on(&self.missing),
            flagged: on(&self.flagged),
            ever_returned: on(&self.returned),
            corrected: on(&self.corrected),
            with_superseded: on(&self.superseded),
            q: nonempty(&self.q).map(|q| q.chars().take(100).collect()),
            ..Filter::default()
        };
        if let Some(m) = nonempty(&self.model) {
            match Model::from_code(m) {
                Some(m) => filter.model = Some(m),
                None => ignored.push(format!("model={m}")),
            }
        }
        if let Some(y) = nonempty(&self.year) {
            match y.parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => filter.year = Some(y),
                _ => ignored.push(format!("year={y}")),
            }
        }
        if let Some(s) = nonempty(&self.state) {
            match ReviewState::from_code(s) {
                Some(s) => filter.state = Some(s),
                None => ignored.push(format!("state={s}")),
            }
        }
        let sort = match nonempty(&self.sort) {
            None => Sort::Newest,
            Some(s) => Sort::from_code(s).unwrap_or_else(|| {
                ignored.push(format!("sort={s}"));
                Sort::Newest
            }),
        };
        let at = if let Some(c) = nonempty(&self.after) {
            Cursor::decode(c).map_or(PageAt::First, PageAt::After)
        } else if let Some(c) = nonempty(&self.before) {
            Cursor::decode(c).map_or(PageAt::First, PageAt::Before)
        } else {
            PageAt::First
        };
        Parsed {
            filter,
            sort,
            at,
            ignored,
            done: nonempty(&self.done).and_then(|d| d.parse().ok()),
        }
    }
}

/// The query string of a filter and order (without the page), for links and exports.
pub fn filter_query(f: &Filter, sort: Sort) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut add = |k: &str, v: &str| parts.push(format!("{k}={}", url_encode(v)));
    if let Some(c) = &f.commune {
        add("commune", c);
    }
    if let Some(h) = &f.hamlet {
        add("hamlet", h);
    }
    if let Some(m) = f.model {
        add("model", m.code());
    }
    if let Some(y) = f.year {
        add("year", &y.to_string());
    }
    if let Some(s) = f.state {
        add("state", s.code());
    }
    for (on, key) in [
        (f.mismatch, "mismatch"),
        (f.missing_evidence, "missing"),
        (f.flagged, "flagged"),
        (f.ever_returned, "returned"),
        (f.corrected, "corrected"),
        (f.with_superseded, "superseded"),
    ] {
        if on {
            add(key, "1");
        }
    }
    if let Some(q) = &f.q {
        add("q", q);
    }
    if sort != Sort::Newest {
        add("sort", sort.code());
    }
    parts.join("&")
}

/// `?year=&commune=` of the dashboard and reports.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlaceQuery {
    pub year: Option<String>,
    pub commune: Option<String>,
}

impl PlaceQuery {
    /// The year asked (else the current one) and the commune asked, if any.
    pub fn parse(&self) -> (i32, Option<String>) {
        let year = nonempty(&self.year)
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or_else(crate::clock::current_year);
        (year, nonempty(&self.commune).map(str::to_string))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_survives_its_link_and_bad_values_are_named() {
        let q = QueueQuery {
            model: Some("gia_dinh".into()),
            year: Some("2026".into()),
            state: Some("nonsense".into()),
            mismatch: Some("1".into()),
            q: Some("Nguyễn Văn & co".into()),
            ..QueueQuery::default()
        };
        let p = q.parse();
        assert_eq!(p.filter.model, Some(Model::GiaDinh));
        assert_eq!(p.filter.year, Some(2026));
        assert_eq!(p.filter.state, None);
        assert!(p.filter.mismatch);
        assert_eq!(p.ignored, vec!["state=nonsense".to_string()]);
        let link = filter_query(&p.filter, p.sort);
        assert!(
            link.contains("q=Nguy%E1%BB%85n%20V%C4%83n%20%26%20co"),
            "{link}"
        );
        assert!(link.contains("mismatch=1"));
    }
}
