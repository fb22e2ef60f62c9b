//! Exports of any filtered queue and of the reports, as CSV (UTF-8 with a BOM, so Excel opens
//! Vietnamese correctly) and XLSX (rust_xlsxwriter in constant-memory mode: rows go to a
//! temporary file, not RAM; dates as dates; a new sheet every 1,048,575 rows, so no row cap).
//! Both are streamed: the queue is read in slices by key, written as it is read, and the
//! response starts before the last row is fetched. Column layouts are fixed and documented in
//! `server/README.md` ([`QUEUE_COLUMNS`], [`REPORT_COLUMNS`]).

use super::dashboard::{self, asked_scope, denominator_label};
use super::forms::{PlaceQuery, QueueQuery};
use super::layout::commune_name;
use super::pages::{self, Refused};
use super::queue::result_text;
use super::session::WebStaff;
use crate::api::AppState;
use crate::db::reports::Report;
use crate::db::review::{self, Cursor, QueueRow};
use crate::db::staff::{audit, AuditAction, Scope};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A decimal (points, percentages).
    Num(f64),
    /// RFC 3339; written as a date-time in Vietnam time (UTC+7).
    Time(String),
    Empty,
}

/// The queue export's columns, in order.
pub const QUEUE_COLUMNS: [&str; 19] = [
    "Mã phiếu",
    "Năm",
    "Mô hình",
    "Loại đối tượng",
    "Đối tượng",
    "Mã hộ",
    "Thôn",
    "Mã xã",
    "Xã",
    "Điểm máy chủ",
    "Điểm thiết bị",
    "Lệch điểm",
    "Kết quả",
    "Ảnh cần",
    "Ảnh đã nhận",
    "Ảnh đáng ngờ",
    "Trạng thái duyệt",
    "Lần sửa",
    "Nhận lúc",
];

/// The report export's columns, in order.
pub const REPORT_COLUMNS: [&str; 14] = [
    "Mã nơi",
    "Nơi",
    "Mô hình",
    "Đăng ký",
    "Đã đánh giá",
    "Đạt",
    "Đã duyệt (đạt)",
    "Mẫu số",
    "Mẫu số là",
    "Tỷ lệ đã duyệt (%)",
    "Chỉ tiêu (%)",
    "Hạn chỉ tiêu",
    "Nguồn chỉ tiêu",
    "So với chỉ tiêu",
];

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "household" => "Hộ gia đình",
        "member" => "Người",
        "hamlet" => "Thôn",
        "clan" => "Dòng họ",
        "unit" => "Đơn vị",
        _ => "",
    }
}

fn opt_text(s: &Option<String>) -> Cell {
    s.clone().map_or(Cell::Empty, Cell::Text)
}

/// A queue row as export cells ([`QUEUE_COLUMNS`]).
pub fn queue_cells(r: &QueueRow) -> Vec<Cell> {
    vec![
        Cell::Text(r.id.clone()),
        Cell::Int(i64::from(r.year)),
        Cell::Text(r.model.title_vi().to_string()),
        Cell::Text(kind_label(&r.subject_kind).to_string()),
        opt_text(&r.subject_name),
        opt_text(&r.roster_code),
        opt_text(&r.hamlet),
        opt_text(&r.commune_code),
        Cell::Text(commune_name(r.commune_code.as_deref())),
        r.server_total
            .map_or(Cell::Empty, |t| Cell::Num(t as f64 / 100.0)),
        Cell::Num(r.device_total as f64 / 100.0),
        Cell::Text(if r.mismatch { "Có" } else { "Không" }.to_string()),
        Cell::Text(result_text(r)),
        Cell::Int(r.evidence_expected),
        Cell::Int(r.evidence_present),
        Cell::Int(r.photo_flags),
        Cell::Text(if r.superseded {
            "Đã có bản sửa".to_string()
        } else {
            r.review_state.label_vi().to_string()
        }),
        Cell::Int(r.revision),
        Cell::Time(r.received_at.clone()),
    ]
}

/// A report as export rows ([`REPORT_COLUMNS`]): each place × model, then the totals.
pub fn report_rows(report: &Report) -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    let line = |code: Cell, name: String, f: &crate::db::reports::Figures| {
        vec![
            code,
            Cell::Text(name),
            Cell::Text(f.model.title_vi().to_string()),
            f.registered
                .map_or(Cell::Text("chưa thu".into()), Cell::Int),
            Cell::Int(f.assessed),
            Cell::Int(f.passed),
            Cell::Int(f.approved),
            Cell::Int(f.denominator),
            Cell::Text(denominator_label(f.model).to_string()),
            f.percent_approved.map_or(Cell::Empty, Cell::Num),
            f.target
                .as_ref()
                .map_or(Cell::Empty, |t| Cell::Num(t.percent)),
            f.target
                .as_ref()
                .map_or(Cell::Empty, |t| Cell::Int(i64::from(t.due_year))),
            f.target
                .as_ref()
                .map_or(Cell::Empty, |t| Cell::Text(t.source.clone())),
            Cell::Text(f.light.label_vi().to_string()),
        ]
    };
    for row in &report.rows {
        for f in &row.figures {
            out.push(line(opt_text(&row.place), row.name.clone(), f));
        }
    }
    for f in &report.total {
        out.push(line(
            Cell::Text("TONG".into()),
            format!("Cộng — {}", commune_name(report.scope.commune.as_deref())),
            f,
        ));
    }
    out
}

/// A CSV field: quoted when needed; a text starting like a formula is prefixed with `'` so a
/// spreadsheet does not run it.
fn csv_field(c: &Cell, out: &mut String) {
    let text = match c {
        Cell::Text(s) => {
            if s.starts_with(['=', '+', '-', '@']) {
                format!("'{s}")
            } else {
                s.clone()
            }
        }
        Cell::Int(n) => n.to_string(),
        Cell::Num(x) => format!("{x}"),
        Cell::Time(t) => super::layout::when(t),
        Cell::Empty => String::new(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&text);
    }
}

/// One CSV line (CRLF, as RFC 4180 and Excel expect).
pub fn csv_line(cells: &[Cell]) -> String {
    let mut out = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(c, &mut out);
    }
    out.push_str("\r\n");
    out
}

fn header_line(cols: &[&str]) -> String {
    csv_line(
        &cols
            .iter()
            .map(|c| Cell::Text((*c).to_string()))
            .collect::<Vec<_>>(),
    )
}

/// Rows per read of the database while exporting.
const SLICE: i64 = 5_000;

/// Rows per XLSX sheet (Excel's limit is 1,048,576 rows, one of them the header).
const SHEET_ROWS: u32 = 1_048_575;

fn attachment(name: &str, content_type: &'static str, body: Body) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// Read the filtered queue in slices and send each slice's rows down `tx` until done (or the
/// receiver is gone: the client left).
async fn feed_queue(
    state: AppState,
    scope: Scope,
    filter: review::Filter,
    tx: mpsc::Sender<Result<Vec<QueueRow>, String>>,
) {
    let mut conn = match state.db.pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Err(e.to_string())).await;
            return;
        }
    };
    let mut after: Option<Cursor> = None;
    loop {
        match review::export_slice(&mut conn, &scope, &filter, after.as_ref(), SLICE).await {
            Ok(rows) => {
                let done = i64::try_from(rows.len()).unwrap_or(0) < SLICE;
                after = rows.last().map(|r| Cursor {
                    key: r.received_at.clone(),
                    id: r.id.clone(),
                });
                if !rows.is_empty() && tx.send(Ok(rows)).await.is_err() {
                    return;
                }
                if done {
                    return;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "export read failed");
                let _ = tx.send(Err(e.to_string())).await;
                return;
            }
        }
    }
}

async fn record_export(state: &AppState, who: &WebStaff, what: &str) -> Result<(), Refused> {
    let mut conn = state
        .db
        .pool
        .acquire()
        .await
        .map_err(|e| Refused::from(pages::db_error(&e)))?;
    audit(
        &mut conn,
        Some(&who.staff.id),
        AuditAction::Exported,
        None,
        Some(what),
    )
    .await
    .map_err(|e| Refused::from(pages::db_error(&e)))
}

/// `GET /exports/{queue,report}.{csv,xlsx}?…`.
pub async fn export(
    state: State<AppState>,
    who: WebStaff,
    Path(file): Path<String>,
    queue: Query<QueueQuery>,
    place: Query<PlaceQuery>,
) -> Response {
    if file.starts_with("report.") {
        report_export(state, who, file, place).await
    } else {
        queue_export(state, who, file, queue).await
    }
}

/// `GET /exports/queue.{csv,xlsx}?<filter>`.
async fn queue_export(
    State(state): State<AppState>,
    who: WebStaff,
    file: String,
    Query(q): Query<QueueQuery>,
) -> Response {
    let parsed = q.parse();
    let scope = match asked_scope(&who.staff, parsed.filter.commune.as_deref()) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    let xlsx = match file.as_str() {
        "queue.csv" => false,
        "queue.xlsx" => true,
        _ => return pages::not_found(),
    };
    if let Err(resp) = record_export(&state, &who, &file).await {
        return resp.into_response();
    }
    let (rows_tx, rows_rx) = mpsc::channel(2);
    tokio::spawn(feed_queue(state.clone(), scope, parsed.filter, rows_tx));
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M");
    if xlsx {
        let body = xlsx_stream(&QUEUE_COLUMNS, rows_rx, |r| queue_cells(&r));
        attachment(&format!("hang-cho-duyet-{stamp}.xlsx"), XLSX_TYPE, body)
    } else {
        let body = csv_stream(&QUEUE_COLUMNS, rows_rx);
        attachment(&format!("hang-cho-duyet-{stamp}.csv"), CSV_TYPE, body)
    }
}

/// The CSV of the queue as it is read.
fn csv_stream(cols: &[&str], mut rows: mpsc::Receiver<Result<Vec<QueueRow>, String>>) -> Body {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let header = format!("\u{feff}{}", header_line(cols));
    tokio::spawn(async move {
        if tx.send(Ok(Bytes::from(header))).await.is_err() {
            return;
        }
        while let Some(slice) = rows.recv().await {
            let chunk = match slice {
                Ok(rows) => {
                    let mut s = String::with_capacity(rows.len() * 200);
                    for r in &rows {
                        s.push_str(&csv_line(&queue_cells(r)));
                    }
                    Ok(Bytes::from(s))
                }
                // The client sees a broken download, never a silently short file.
                Err(e) => Err(std::io::Error::other(e)),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                return;
            }
        }
    });
    Body::from_stream(ReceiverStream::new(rx))
}

/// A `Write` that sends what is written down a channel in pieces (the XLSX zip as it is made).
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    const PIECE: usize = 64 * 1024;

    fn flush_buf(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = std::mem::replace(&mut self.buf, Vec::with_capacity(Self::PIECE));
        self.tx
            .blocking_send(Ok(Bytes::from(piece)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::PIECE {
            self.flush_buf()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flush_buf()
    }
}

/// Formats of an export workbook.
struct Formats {
    header: Format,
    time: Format,
}

fn formats() -> Formats {
    Formats {
        header: Format::new().set_bold().set_background_color("EEF1F5"),
        time: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
    }
}

fn new_sheet<'a>(
    wb: &'a mut Workbook,
    cols: &[&str],
    f: &Formats,
    n: usize,
) -> Result<&'a mut Worksheet, XlsxError> {
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(if n == 1 {
        "Dữ liệu".to_string()
    } else {
        format!("Dữ liệu {n}")
    })?;
    for (i, c) in cols.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, col, *c, &f.header)?;
        ws.set_column_width(col, 16)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(ws)
}

fn excel_time(rfc3339: &str) -> Option<ExcelDateTime> {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    let local = t.with_timezone(&chrono::Utc) + chrono::Duration::hours(7);
    use chrono::{Datelike, Timelike};
    ExcelDateTime::from_ymd(
        u16::try_from(local.year()).ok()?,
        u8::try_from(local.month()).ok()?,
        u8::try_from(local.day()).ok()?,
    )
    .ok()?
    .and_hms(
        u16::try_from(local.hour()).ok()?,
        u8::try_from(local.minute()).ok()?,
        local.second(),
    )
    .ok()
}

fn write_cells(ws: &mut Worksheet, row: u32, cells: &[Cell], f: &Formats) -> Result<(), XlsxError> {
    for (i, c) in cells.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        match c {
            Cell::Text(s) => {
                ws.write_string(row, col, s)?;
            }
            Cell::Int(n) => {
                ws.write_number(row, col, *n as f64)?;
            }
            // General format: 87.5 reads "87.5", 90 reads "90" (Excel and LibreOffice).
            Cell::Num(x) => {
                ws.write_number(row, col, *x)?;
            }
            Cell::Time(t) => match excel_time(t) {
                Some(dt) => {
                    ws.write_datetime_with_format(row, col, &dt, &f.time)?;
                }
                None => {
                    ws.write_string(row, col, t)?;
                }
            },
            Cell::Empty => {}
        }
    }
    Ok(())
}

/// The XLSX of rows arriving on `rows`, made on a blocking thread and streamed as it is saved.
fn xlsx_stream<T: Send + 'static>(
    cols: &'static [&'static str],
    mut rows: mpsc::Receiver<Result<Vec<T>, String>>,
    to_cells: impl Fn(T) -> Vec<Cell> + Send + 'static,
) -> Body {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let fail = |tx: &mpsc::Sender<Result<Bytes, std::io::Error>>, e: String| {
            tracing::error!(error = %e, "XLSX export failed");
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        };
        let f = formats();
        let mut wb = Workbook::new();
        // Most of saving a large workbook is deflating its sheet XML: level 3 takes about 0.7
        // of the default's time for a file about 6 % larger (rust_xlsxwriter's measurements).
        wb.set_zip_compression_level(3);
        let mut sheet_no = 1usize;
        let mut row: u32 = 1;
        if let Err(e) = new_sheet(&mut wb, cols, &f, sheet_no) {
            return fail(&tx, e.to_string());
        }
        while let Some(slice) = rows.blocking_recv() {
            let slice = match slice {
                Ok(s) => s,
                Err(e) => return fail(&tx, e),
            };
            for item in slice {
                if row > SHEET_ROWS {
                    sheet_no += 1;
                    row = 1;
                    if let Err(e) = new_sheet(&mut wb, cols, &f, sheet_no) {
                        return fail(&tx, e.to_string());
                    }
                }
                let cells = to_cells(item);
                let written = wb
                    .worksheet_from_index(sheet_no - 1)
                    .and_then(|ws| write_cells(ws, row, &cells, &f));
                if let Err(e) = written {
                    return fail(&tx, e.to_string());
                }
                row += 1;
            }
        }
        let mut out = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(ChannelWriter::PIECE),
        };
        if let Err(e) = wb.save_to_writer(&mut out) {
            return fail(&tx, e.to_string());
        }
        if let Err(e) = std::io::Write::flush(&mut out) {
            tracing::warn!(error = %e, "XLSX export not delivered");
        }
    });
    Body::from_stream(ReceiverStream::new(rx))
}

/// `GET /exports/report.{csv,xlsx}?year=&commune=`.
async fn report_export(
    State(state): State<AppState>,
    who: WebStaff,
    file: String,
    Query(q): Query<PlaceQuery>,
) -> Response {
    let xlsx = match file.as_str() {
        "report.csv" => false,
        "report.xlsx" => true,
        _ => return pages::not_found(),
    };
    let report = match dashboard::load(&state, &who.staff, &q).await {
        Ok(r) => r,
        Err(refused) => return refused.into_response(),
    };
    if let Err(resp) = record_export(&state, &who, &file).await {
        return resp.into_response();
    }
    let rows = report_rows(&report);
    let place = report
        .scope
        .commune
        .clone()
        .unwrap_or_else(|| "tinh".into());
    let name = format!("bao-cao-{}-{place}", report.year);
    if xlsx {
        let (tx, rx) = mpsc::channel(1);
        let _ = tx.send(Ok(rows)).await;
        drop(tx);
        let body = xlsx_stream(&REPORT_COLUMNS, rx, |cells: Vec<Cell>| cells);
        attachment(&format!("{name}.xlsx"), XLSX_TYPE, body)
    } else {
        let mut s = format!("\u{feff}{}", header_line(&REPORT_COLUMNS));
        for r in &rows {
            s.push_str(&csv_line(r));
        }
        attachment(&format!("{name}.csv"), CSV_TYPE, Body::from(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_it_must_and_defuses_formulas() {
        let line = csv_line(&[
            Cell::Text("Nguyễn Văn \"Tèo\", con".into()),
            Cell::Text("=HYPERLINK(\"x\")".into()),
            Cell::Int(42),
            Cell::Num(87.5),
            Cell::Empty,
        ]);
        assert_eq!(
            line,
            "\"Nguyễn Văn \"\"Tèo\"\", con\",\"'=HYPERLINK(\"\"x\"\")\",42,87.5,\r\n"
        );
    }

    #[test]
    fn times_are_vietnam_time() {
        let t = excel_time("2026-10-05T20:30:00.000Z").map(|d| d.to_excel());
        // 2026-10-06 03:30 in Vietnam.
        let expected = ExcelDateTime::from_ymd(2026, 10, 6)
            .and_then(|d| d.and_hms(3, 30, 0))
            .map(|d| d.to_excel())
            .ok();
        assert_eq!(t, expected);
    }
}
