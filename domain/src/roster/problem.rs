//! What can be wrong with a roster file: a whole file that cannot be read ([`FileError`]), and
//! the problems of its rows ([`Problem`], reported as [`RowProblem`]s with their line and column),
//! each with a Vietnamese message for the cadre and an English text for logs. Also how shells
//! list them ([`problem_lines`]), so the device and the server print the same report.

use super::cells::{SCHOOLING_HINT, SEX_HINT, YES_NO_HINT};
use super::fields::BIRTH_YEAR_MIN;
use serde::{Deserialize, Serialize};

crate::coded_enum! {
    /// Stable code of a row problem (in `--json` output).
    pub enum ProblemCode("roster problem") {
        UnknownColumn = "unknown_column",
        MissingColumn = "missing_column",
        DuplicateColumn = "duplicate_column",
        UnnamedColumn = "unnamed_column",
        FieldCount = "field_count",
        UnclosedQuote = "unclosed_quote",
        StrayQuote = "stray_quote",
        UnreadableRow = "unreadable_row",
        RequiredCell = "required_cell",
        MissingHead = "missing_head",
        MissingMemberName = "missing_member_name",
        InvalidBirthYear = "invalid_birth_year",
        InvalidSex = "invalid_sex",
        InvalidSchooling = "invalid_schooling",
        InvalidYesNo = "invalid_yes_no",
        UnknownHamlet = "unknown_hamlet",
        Rejected = "rejected",
    }
}

/// What is wrong with one row (or the header) of a roster file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("unknown column \"{header}\"")]
    UnknownColumn { header: String },
    #[error("missing column {column} ({alias})")]
    MissingColumn {
        column: &'static str,
        alias: &'static str,
    },
    #[error("column \"{header}\" appears twice")]
    DuplicateColumn { header: String },
    #[error("a value in column {position}, which has no header")]
    UnnamedColumn { position: usize },
    #[error("{found} fields where the header has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("quote opened here is never closed; lines up to {last_line} unreadable")]
    UnclosedQuote { last_line: u64 },
    #[error("text after a closing quote")]
    StrayQuote,
    #[error("unreadable row: {detail}")]
    UnreadableRow { detail: String },
    #[error("empty {column}: every row needs a hamlet and a household code")]
    RequiredCell { column: &'static str },
    #[error("household {code}: its first row has no head of household")]
    MissingHead { code: String },
    #[error("member details without a member name")]
    MissingMemberName,
    #[error("invalid birth year \"{value}\" (whole year {BIRTH_YEAR_MIN}–{max})")]
    BirthYear { value: String, max: i32 },
    #[error("invalid sex \"{value}\"")]
    Sex { value: String },
    #[error("invalid schooling \"{value}\"")]
    Schooling { value: String },
    #[error("\"{value}\" is not yes or no")]
    YesNo { value: String },
    #[error("unknown hamlet \"{name}\" ({rows} rows); add it or import with --create-hamlets")]
    UnknownHamlet {
        name: String,
        rows: u64,
        /// The command that adds a hamlet where the import runs.
        add_command: &'static str,
    },
    #[error("{detail}")]
    Rejected { message_vi: String, detail: String },
}

impl Problem {
    /// Its stable code.
    pub fn code(&self) -> ProblemCode {
        match self {
            Problem::UnknownColumn { .. } => ProblemCode::UnknownColumn,
            Problem::MissingColumn { .. } => ProblemCode::MissingColumn,
            Problem::DuplicateColumn { .. } => ProblemCode::DuplicateColumn,
            Problem::UnnamedColumn { .. } => ProblemCode::UnnamedColumn,
            Problem::FieldCount { .. } => ProblemCode::FieldCount,
            Problem::UnclosedQuote { .. } => ProblemCode::UnclosedQuote,
            Problem::StrayQuote => ProblemCode::StrayQuote,
            Problem::UnreadableRow { .. } => ProblemCode::UnreadableRow,
            Problem::RequiredCell { .. } => ProblemCode::RequiredCell,
            Problem::MissingHead { .. } => ProblemCode::MissingHead,
            Problem::MissingMemberName => ProblemCode::MissingMemberName,
            Problem::BirthYear { .. } => ProblemCode::InvalidBirthYear,
            Problem::Sex { .. } => ProblemCode::InvalidSex,
            Problem::Schooling { .. } => ProblemCode::InvalidSchooling,
            Problem::YesNo { .. } => ProblemCode::InvalidYesNo,
            Problem::UnknownHamlet { .. } => ProblemCode::UnknownHamlet,
            Problem::Rejected { .. } => ProblemCode::Rejected,
        }
    }

    /// What the cadre reads.
    pub fn message_vi(&self) -> String {
        match self {
            Problem::UnknownColumn { header } => format!(
                "Cột không biết: \"{header}\". Các cột dùng được: {}",
                super::column_list()
            ),
            Problem::MissingColumn { column, alias } => {
                format!("Thiếu cột {alias} ({column}) ở dòng tiêu đề")
            }
            Problem::DuplicateColumn { header } => {
                format!("Cột \"{header}\" có hai lần ở dòng tiêu đề")
            }
            Problem::UnnamedColumn { position } => format!(
                "Có dữ liệu ở cột thứ {position}, nhưng cột này không có tên ở dòng tiêu đề"
            ),
            Problem::FieldCount { expected, found } => format!(
                "Dòng có {found} ô nhưng dòng tiêu đề có {expected} ô; kiểm tra dấu phân cách (dấu phẩy hay chấm phẩy) và dấu ngoặc kép trong dòng"
            ),
            Problem::UnclosedQuote { last_line } => format!(
                "Dấu ngoặc kép (\") mở ở dòng này không được đóng, nên từ dòng này đến hết tệp (dòng {last_line}) không đọc được; thêm dấu \" đóng hoặc bỏ dấu \" thừa"
            ),
            Problem::StrayQuote => "Dấu ngoặc kép (\") đặt sai chỗ: sau dấu \" đóng phải là dấu phân cách hoặc hết dòng; trong ô, viết dấu \" thành \"\"".into(),
            Problem::UnreadableRow { .. } => "Dòng không đọc được".into(),
            Problem::RequiredCell { column } => {
                let what = if *column == "hamlet" { "tên thôn" } else { "mã hộ" };
                format!("Thiếu {what}: dòng nào cũng cần tên thôn và mã hộ")
            }
            Problem::MissingHead { code } => format!(
                "Hộ {code}: dòng đầu tiên của hộ phải có tên chủ hộ (cột chu_ho)"
            ),
            Problem::MissingMemberName => {
                "Dòng có thông tin thành viên nhưng thiếu họ tên thành viên (cột ho_ten)".into()
            }
            Problem::BirthYear { value, max } => format!(
                "Năm sinh không hợp lệ: \"{value}\" (cần năm từ {BIRTH_YEAR_MIN} đến {max}, ví dụ 1980)"
            ),
            Problem::Sex { value } => format!("Giới tính không hợp lệ: \"{value}\" ({SEX_HINT})"),
            Problem::Schooling { value } => {
                format!("Học vấn không hợp lệ: \"{value}\" ({SCHOOLING_HINT})")
            }
            Problem::YesNo { value } => {
                format!("\"{value}\" không hợp lệ: phải là {YES_NO_HINT}")
            }
            Problem::UnknownHamlet {
                name,
                rows,
                add_command,
            } => format!(
                "Thôn \"{name}\" chưa có ({rows} dòng). Thêm thôn bằng `{add_command}`, hoặc nhập lại với --create-hamlets để tạo các thôn có trong tệp"
            ),
            Problem::Rejected { message_vi, .. } => message_vi.clone(),
        }
    }

    /// English, for logs.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}

/// A problem of a roster file where the cadre can find it: the 1-based line (the row number in
/// a spreadsheet), the column as headed in the file when it is about one cell, a stable code and
/// the Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub line: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub code: ProblemCode,
    pub message: String,
}

impl RowProblem {
    /// A problem at `line`, about `column` when given.
    pub fn new(line: u64, column: Option<&str>, problem: &Problem) -> RowProblem {
        RowProblem {
            line,
            column: column.map(str::to_string),
            code: problem.code(),
            message: problem.message_vi(),
        }
    }

    /// `FILE:LINE: message`, with the column when there is one.
    pub fn display_line(&self, file: &str) -> String {
        match &self.column {
            Some(c) => format!("{file}:{}: cột {c}: {}", self.line, self.message),
            None => format!("{file}:{}: {}", self.line, self.message),
        }
    }
}

/// How many problems a shell lists in text mode before it says how many more there are.
pub const SHOWN_PROBLEMS: usize = 100;

/// The text report of a refused file: a headline, then at most `limit` problems (one line
/// each), then how many were not listed. `--json` output lists every one instead.
pub fn problem_lines(file: &str, problems: &[RowProblem], limit: usize) -> Vec<String> {
    let rows: std::collections::BTreeSet<u64> = problems.iter().map(|p| p.line).collect();
    let mut out = vec![format!(
        "Không nhập gì: tệp {file} có {} lỗi ở {} dòng:",
        problems.len(),
        rows.len()
    )];
    out.extend(problems.iter().take(limit).map(|p| p.display_line(file)));
    if problems.len() > limit {
        out.push(format!(
            "… và {} lỗi khác chưa liệt kê (dùng --json để xem tất cả)",
            problems.len() - limit
        ));
    }
    out
}

crate::coded_enum! {
    /// Stable code of a file that cannot be read as a roster.
    pub enum FileErrorCode("roster file error") {
        Empty = "empty_file",
        Pdf = "pdf",
        OldExcel = "old_excel",
        Ods = "ods",
        Markup = "markup",
        NotWorkbook = "not_workbook",
        BadWorkbook = "bad_workbook",
        NoSheet = "no_sheet",
        Binary = "binary",
        UnknownEncoding = "unknown_encoding",
        TooLarge = "too_large",
    }
}

/// How to give the importer a file it reads, in Excel or LibreOffice.
pub const HOW_TO_SAVE: &str = "Hãy mở tệp bằng Excel hoặc LibreOffice Calc rồi lưu lại. Excel: Tệp → Lưu thành (File → Save As), chọn kiểu «CSV UTF-8 (Comma delimited) (*.csv)» hoặc «Excel Workbook (*.xlsx)». LibreOffice: Tệp → Lưu thành, chọn «Văn bản CSV (.csv)» với bộ ký tự «Unicode (UTF-8)», hoặc «Excel 2007-365 (.xlsx)».";

/// A file that is not a roster this program can read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("empty file: no header row")]
    Empty,
    #[error("a PDF document, not a spreadsheet")]
    Pdf,
    #[error("an Excel 97–2003 (.xls) or password-protected workbook")]
    OldExcel,
    #[error("an OpenDocument spreadsheet (.ods)")]
    Ods,
    #[error("an HTML or XML document (often a web export named .xls)")]
    Markup,
    #[error("a ZIP archive that is not an XLSX workbook")]
    NotWorkbook,
    #[error("unreadable XLSX workbook: {0}")]
    BadWorkbook(String),
    #[error("the XLSX workbook has no sheet")]
    NoSheet,
    #[error("binary data, not text (UTF-16 without a byte-order mark, or another kind of file)")]
    Binary,
    #[error("neither UTF-8 nor plausible Windows-1258 (CP1258) text")]
    UnknownEncoding,
    #[error("the worksheet's rows span more than {max} cells")]
    TooLarge { max: u64 },
}

impl FileError {
    /// Its stable code.
    pub fn code(&self) -> FileErrorCode {
        match self {
            FileError::Empty => FileErrorCode::Empty,
            FileError::Pdf => FileErrorCode::Pdf,
            FileError::OldExcel => FileErrorCode::OldExcel,
            FileError::Ods => FileErrorCode::Ods,
            FileError::Markup => FileErrorCode::Markup,
            FileError::NotWorkbook => FileErrorCode::NotWorkbook,
            FileError::BadWorkbook(_) => FileErrorCode::BadWorkbook,
            FileError::NoSheet => FileErrorCode::NoSheet,
            FileError::Binary => FileErrorCode::Binary,
            FileError::UnknownEncoding => FileErrorCode::UnknownEncoding,
            FileError::TooLarge { .. } => FileErrorCode::TooLarge,
        }
    }

    /// What the cadre reads: what the file is, and how to save one that can be read.
    pub fn message_vi(&self) -> String {
        let what = match self {
            FileError::Empty => "Tệp trống: không có dòng tiêu đề nào.",
            FileError::Pdf => {
                "Tệp là tài liệu PDF, không phải bảng tính, nên không đọc được danh sách. Hãy lấy bảng tính gốc."
            }
            FileError::OldExcel => {
                "Tệp là Excel đời cũ (.xls, Excel 97–2003) hoặc tệp Excel có đặt mật khẩu; chương trình không đọc loại này (nếu có mật khẩu, hãy bỏ mật khẩu trước)."
            }
            FileError::Ods => "Tệp là bảng tính OpenDocument (.ods); chương trình không đọc loại này.",
            FileError::Markup => {
                "Tệp là trang HTML/XML (thường do phần mềm xuất ra rồi đặt đuôi .xls), không phải bảng tính thật."
            }
            FileError::NotWorkbook => "Tệp nén (ZIP) này không phải bảng tính XLSX.",
            FileError::BadWorkbook(_) => "Tệp XLSX bị hỏng hoặc không đọc được.",
            FileError::NoSheet => "Tệp XLSX không có trang tính nào.",
            FileError::Binary => {
                "Tệp không phải văn bản: có ký tự nhị phân (ví dụ tệp UTF-16 không có dấu BOM, hoặc một loại tệp khác)."
            }
            FileError::UnknownEncoding => {
                "Tệp không phải văn bản UTF-8 và cũng không đọc được theo bảng mã Windows-1258 (CP1258)."
            }
            FileError::TooLarge { max } => {
                return format!(
                    "Trang tính quá lớn: các hàng có dữ liệu trải trên hơn {max} ô (thường do một ô lạc ở cột hoặc hàng rất xa). Hãy xoá các ô thừa ngoài danh sách, hoặc chép riêng danh sách sang một tệp mới, rồi lưu lại."
                )
            }
        };
        format!("{what} {HOW_TO_SAVE}")
    }

    /// English, for logs.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}
