//! The household list: one page of rows at a time (never every household in a view), search
//! as the cadre types (ignoring case and diacritics, Vietnamese name order), a status filter,
//! more rows when scrolled to the end. The rows loaded so far are kept until the search, the
//! filter, the year or the data change.

use crate::core::AppCore;
use crate::error::ErrorInfo;
use crate::screen::Screen;
use crate::view::{filter_options, HouseholdListView, HouseholdRowView};
use hoctap_domain::state::SubjectStatus;
use hoctap_store::assessments::SubjectYear;
use hoctap_store::household_page::PageQuery;
use hoctap_store::households::{HouseholdQuery, HouseholdRow};

fn row_view(r: HouseholdRow, st: SubjectYear) -> HouseholdRowView {
    let status = st.status();
    HouseholdRowView {
        id: r.id,
        head: r.head,
        address: r.address,
        roster_code: r.roster_code,
        hamlet: r.hamlet,
        status,
        status_label: status.label().to_string(),
        total: st.total.map(|p| p.as_f64()),
        comment: st.comment,
    }
}

impl AppCore {
    fn page_size(&self) -> u32 {
        u32::try_from(self.options.page_size)
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(50)
    }

    /// One page: `page_size` rows from `offset`, and whether more follow.
    fn fetch_page(
        &self,
        hamlet_id: &Option<String>,
        search: &str,
        filter: Option<SubjectStatus>,
        offset: u32,
    ) -> Result<(Vec<HouseholdRowView>, bool), ErrorInfo> {
        let size = self.page_size();
        let search = search.trim();
        let mut rows = self.device.store().household_page(&PageQuery {
            list: HouseholdQuery {
                hamlet_id: hamlet_id.clone(),
                search: (!search.is_empty()).then(|| search.to_string()),
                search_address: false,
                limit: Some(size + 1),
                offset: Some(offset),
            },
            year: self.year(),
            status: filter,
        })?;
        let more = rows.len() > size as usize;
        rows.truncate(size as usize);
        Ok((
            rows.into_iter().map(|(r, st)| row_view(r, st)).collect(),
            more,
        ))
    }

    fn list_key(
        hamlet_id: &Option<String>,
        search: &str,
        filter: Option<SubjectStatus>,
        year: i32,
    ) -> String {
        format!(
            "{}|{}|{}|{year}",
            hamlet_id.as_deref().unwrap_or("*"),
            search.trim(),
            filter.map_or("", SubjectStatus::code)
        )
    }

    /// The list view for the screen on top, from the cache when nothing changed.
    pub(crate) fn household_list_view(
        &mut self,
        hamlet_id: &Option<String>,
        search: &str,
        filter: Option<SubjectStatus>,
    ) -> Result<HouseholdListView, ErrorInfo> {
        let key = Self::list_key(hamlet_id, search, filter, self.year());
        if self.list.key == key && self.list.generation == self.generation {
            if let Some(v) = &self.list.view {
                return Ok(v.clone());
            }
        }
        let (rows, has_more) = self.fetch_page(hamlet_id, search, filter, 0)?;
        let store = self.device.store();
        let hamlet_name = match hamlet_id {
            Some(id) => Some(store.hamlet(id)?.name),
            None => None,
        };
        let total = i64::try_from(store.count_households(hamlet_id.as_deref())?).unwrap_or(0);
        let empty_label = rows.is_empty().then(|| {
            if total == 0 {
                "Thôn chưa có hộ nào. Hãy đồng bộ để nhận danh sách hộ, hoặc thêm hộ mới."
                    .to_string()
            } else if !search.trim().is_empty() {
                format!("Không tìm thấy hộ nào khớp \"{}\"", search.trim())
            } else {
                "Không có hộ nào ở trạng thái này".to_string()
            }
        });
        let view = HouseholdListView {
            hamlet_id: hamlet_id.clone(),
            hamlet_name,
            search: search.to_string(),
            filter,
            filters: filter_options(filter),
            rows,
            has_more,
            total,
            empty_label,
        };
        self.list.key = key;
        self.list.generation = self.generation;
        self.list.view = Some(view.clone());
        Ok(view)
    }

    pub(crate) fn on_search(&mut self, text: String) {
        if let Some(Screen::Households { search, .. }) = self.top_mut() {
            *search = text;
        }
    }

    pub(crate) fn on_filter(&mut self, status: Option<SubjectStatus>) {
        if let Some(Screen::Households { filter, .. }) = self.top_mut() {
            *filter = status;
        }
    }

    pub(crate) fn on_load_more(&mut self) {
        let Some(Screen::Households {
            hamlet_id,
            search,
            filter,
        }) = self.top().cloned()
        else {
            return;
        };
        // Make sure the cache holds this screen's first pages, then append the next one.
        let current = match self.household_list_view(&hamlet_id, &search, filter) {
            Ok(v) => v,
            Err(e) => return self.show_error(e),
        };
        if !current.has_more {
            return;
        }
        let offset = u32::try_from(current.rows.len()).unwrap_or(u32::MAX);
        match self.fetch_page(&hamlet_id, &search, filter, offset) {
            Ok((rows, more)) => {
                if let Some(v) = self.list.view.as_mut() {
                    v.rows.extend(rows);
                    v.has_more = more;
                }
            }
            Err(e) => self.show_error(e),
        }
    }
}
