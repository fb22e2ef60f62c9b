//! `hoctap`: the terminal shell of Sổ Học Tập over the same core the phones use.
//!
//! Exit codes: 0 success; 2 invalid input or usage (message on stderr, Vietnamese first);
//! 1 any other failure. `--json` output shapes are documented in `docs/CLI.md` and stable.

#[macro_use]
mod output;
mod commands;
mod error;

use clap::{Args, Parser, Subcommand};
use error::{EXIT_INVALID, EXIT_OK};
use std::path::PathBuf;

/// Sổ Học Tập — đánh giá mô hình học tập ngoại tuyến / offline learning-society assessments.
#[derive(Parser, Debug)]
#[command(name = "hoctap", version, about, long_about = None)]
pub struct Cli {
    /// Thư mục dữ liệu / data directory (default: $HOCTAP_DATA or the platform data dir)
    #[arg(long, global = true, env = "HOCTAP_DATA", value_name = "DIR")]
    data: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Bộ tiêu chí / criteria sets
    #[command(subcommand)]
    Criteria(CriteriaCmd),
    /// Chấm điểm thuần, không dùng cơ sở dữ liệu / pure scoring, no database
    Score(ScoreArgs),
    /// Thôn, tổ dân phố / hamlets
    #[command(subcommand)]
    Hamlet(HamletCmd),
    /// Hộ gia đình / households
    #[command(subcommand)]
    Household(HouseholdCmd),
    /// Thành viên hộ / household members
    #[command(subcommand)]
    Member(MemberCmd),
    /// Nhập danh sách / import
    #[command(subcommand)]
    Import(ImportCmd),
    /// Đăng ký mô hình học tập cho năm / register a subject for a year
    Register(RegisterArgs),
    /// Đánh giá một đối tượng (hỏi từng chỉ số nếu không có --answers) / assess a subject
    Assess(AssessArgs),
    /// Chốt phiếu đánh giá (không sửa được nữa) / finalize an assessment
    Finalize(IdArgs),
    /// Tạo bản sửa của phiếu đã chốt / start a correction of a finalized assessment
    Correct(IdArgs),
    /// Xem phiếu đánh giá / show an assessment
    Show(IdArgs),
    /// Tổng hợp theo mô hình / summary per model for a year
    Summary(SummaryArgs),
    /// Chạy thử: tạo thôn, hộ, thành viên và chấm một phiếu / demo
    Demo(JsonFlag),
    /// Đăng ký máy với máy chủ / enroll this device with a server
    Enroll {
        /// Địa chỉ máy chủ / server URL
        url: Option<String>,
        /// Mã đăng ký một lần / one-time code
        code: Option<String>,
        /// Nội dung mã QR (JSON) / scanned QR payload
        #[arg(long)]
        qr: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Đồng bộ với máy chủ / sync with the server
    Sync(JsonFlag),
    /// Hàng đợi gửi / upload queue
    Outbox(JsonFlag),
    /// Ảnh minh chứng / evidence photos
    #[command(subcommand)]
    Evidence(EvidenceCmd),
}

#[derive(Args, Debug)]
pub struct JsonFlag {
    /// In JSON / print JSON
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum CriteriaCmd {
    /// Liệt kê bộ tiêu chí / list sets
    List(JsonFlag),
    /// Xem một bộ tiêu chí / show a set
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Kiểm tra tệp bộ tiêu chí / validate a criteria file
    Validate {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Cài bộ tiêu chí vào máy / install a criteria file on this device
    Install {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// Mã bộ tiêu chí hoặc đường dẫn tệp .toml / set id or .toml file
    #[arg(long)]
    criteria: String,
    /// Tệp câu trả lời JSON, hoặc - cho đầu vào chuẩn / answers JSON file or -
    #[arg(long)]
    answers: String,
    /// Năm đánh giá (tính tuổi) / assessment year
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum HamletCmd {
    /// Thêm thôn / add a hamlet
    Add {
        name: String,
        /// thon | to_dan_pho
        #[arg(long)]
        kind: Option<String>,
        /// Mã xã chính thức / official commune code
        #[arg(long)]
        commune: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Liệt kê thôn / list hamlets
    List(JsonFlag),
}

#[derive(Subcommand, Debug)]
enum HouseholdCmd {
    /// Thêm hộ / add a household
    Add {
        #[arg(long)]
        hamlet: String,
        #[arg(long)]
        head: String,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Danh sách hộ, xếp theo tên / list households in Vietnamese name order
    List {
        #[arg(long)]
        hamlet: Option<String>,
        /// Tìm không phân biệt dấu / search ignoring diacritics
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Xem hộ và thành viên / show a household
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum MemberCmd {
    /// Thêm thành viên / add a member
    Add(MemberAddArgs),
}

#[derive(Args, Debug)]
pub struct MemberAddArgs {
    /// Mã hộ / household id
    household: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    birth_year: Option<i32>,
    /// nam | nu | khac (male | female | other)
    #[arg(long)]
    sex: Option<String>,
    /// Quan hệ với chủ hộ / relation to the head
    #[arg(long)]
    relation: Option<String>,
    /// preschool | in_school | out_of_school | finished | never
    #[arg(long)]
    schooling: Option<String>,
    /// co | khong (yes | no)
    #[arg(long)]
    literate: Option<String>,
    /// Đã là Công dân học tập: co | khong
    #[arg(long)]
    cdht: Option<String>,
    /// Nhóm đối tượng Công dân học tập / CDHT assessment group
    #[arg(long)]
    cdht_group: Option<String>,
    /// Không có khả năng học tập / unable to learn
    #[arg(long)]
    unable_to_learn: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum ImportCmd {
    /// Nhập danh sách hộ và thành viên từ CSV / import a roster CSV
    Roster {
        file: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum EvidenceCmd {
    /// Xử lý một ảnh (xoay, thu nhỏ, bỏ siêu dữ liệu) / process one photo
    Ingest {
        file: PathBuf,
        /// Thư mục lưu, không dùng cơ sở dữ liệu / output directory, no database
        #[arg(long)]
        out: Option<PathBuf>,
        /// Cạnh dài tối đa (px) / long edge
        #[arg(long)]
        max_edge: Option<u32>,
        /// Chất lượng JPEG 1–100 / JPEG quality
        #[arg(long)]
        quality: Option<u8>,
        #[arg(long)]
        json: bool,
    },
    /// Gắn ảnh vào một chỉ số của phiếu nháp / attach a photo to an indicator
    Add {
        assessment: String,
        indicator: String,
        file: PathBuf,
        #[arg(long)]
        max_edge: Option<u32>,
        #[arg(long)]
        quality: Option<u8>,
        #[arg(long)]
        json: bool,
    },
    /// Ảnh của một phiếu / photos of an assessment
    List {
        assessment: String,
        #[arg(long)]
        json: bool,
    },
    /// Gỡ ảnh khỏi chỉ số / detach a photo
    Remove {
        assessment: String,
        indicator: String,
        sha256: String,
    },
    /// Ảnh gần giống nhau dùng cho các hộ khác nhau / near-identical photos across subjects
    Similar {
        /// Số bit khác nhau tối đa của mã băm cảm nhận / max perceptual-hash distance
        #[arg(long, default_value_t = 6)]
        max_distance: u32,
        #[arg(long)]
        json: bool,
    },
    /// Dọn ảnh không còn dùng / remove unused photo files
    Gc(JsonFlag),
}

#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// Mã đối tượng (hộ, thành viên, …) / subject id
    subject: String,
    /// gia_dinh | dong_ho | cong_dong | don_vi | cong_dan
    #[arg(long)]
    model: String,
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct AssessArgs {
    /// Mã đối tượng / subject id (household for gia_dinh, member for cong_dan, …)
    subject: String,
    #[arg(long)]
    criteria: String,
    /// Tệp câu trả lời JSON hoặc - / answers JSON file or -
    #[arg(long)]
    answers: Option<String>,
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct IdArgs {
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct SummaryArgs {
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    json: bool,
}

fn run(cli: Cli) -> error::CliResult {
    let data = cli.data;
    match cli.command {
        Command::Criteria(c) => match c {
            CriteriaCmd::List(f) => commands::criteria::list(data.as_deref(), f.json),
            CriteriaCmd::Show { id, json } => commands::criteria::show(data.as_deref(), &id, json),
            CriteriaCmd::Validate { file, json } => commands::criteria::validate(&file, json),
            CriteriaCmd::Install { file, json } => {
                commands::criteria::install(data.as_deref(), &file, json)
            }
        },
        Command::Score(a) => commands::score::run(&a),
        Command::Hamlet(c) => match c {
            HamletCmd::Add {
                name,
                kind,
                commune,
                json,
            } => commands::households::hamlet_add(data.as_deref(), &name, kind, commune, json),
            HamletCmd::List(f) => commands::households::hamlet_list(data.as_deref(), f.json),
        },
        Command::Household(c) => match c {
            HouseholdCmd::Add {
                hamlet,
                head,
                address,
                phone,
                json,
            } => commands::households::household_add(
                data.as_deref(),
                &hamlet,
                &head,
                address,
                phone,
                json,
            ),
            HouseholdCmd::List {
                hamlet,
                search,
                json,
            } => commands::households::household_list(data.as_deref(), hamlet, search, json),
            HouseholdCmd::Show { id, json } => {
                commands::households::household_show(data.as_deref(), &id, json)
            }
        },
        Command::Member(MemberCmd::Add(a)) => commands::households::member_add(data.as_deref(), &a),
        Command::Import(ImportCmd::Roster { file, json }) => {
            commands::households::import_roster(data.as_deref(), &file, json)
        }
        Command::Register(a) => commands::assess::register(data.as_deref(), &a),
        Command::Assess(a) => commands::assess::assess(data.as_deref(), &a),
        Command::Finalize(a) => commands::assess::finalize(data.as_deref(), &a.id, a.json),
        Command::Correct(a) => commands::assess::correct(data.as_deref(), &a.id, a.json),
        Command::Show(a) => commands::assess::show(data.as_deref(), &a.id, a.json),
        Command::Summary(a) => commands::assess::summary(data.as_deref(), a.year, a.json),
        Command::Demo(f) => commands::demo::run(data.as_deref(), f.json),
        Command::Enroll {
            url,
            code,
            qr,
            json,
        } => commands::sync::enroll(data.as_deref(), url, code, qr, json),
        Command::Sync(f) => commands::sync::sync(data.as_deref(), f.json),
        Command::Outbox(f) => commands::sync::outbox(data.as_deref(), f.json),
        Command::Evidence(c) => match c {
            EvidenceCmd::Ingest {
                file,
                out,
                max_edge,
                quality,
                json,
            } => commands::evidence::ingest(
                data.as_deref(),
                &file,
                out.as_deref(),
                max_edge,
                quality,
                json,
            ),
            EvidenceCmd::Add {
                assessment,
                indicator,
                file,
                max_edge,
                quality,
                json,
            } => commands::evidence::add(
                data.as_deref(),
                &assessment,
                &indicator,
                &file,
                max_edge,
                quality,
                json,
            ),
            EvidenceCmd::List { assessment, json } => {
                commands::evidence::list(data.as_deref(), &assessment, json)
            }
            EvidenceCmd::Remove {
                assessment,
                indicator,
                sha256,
            } => commands::evidence::remove(data.as_deref(), &assessment, &indicator, &sha256),
            EvidenceCmd::Similar { max_distance, json } => {
                commands::evidence::similar(data.as_deref(), max_distance, json)
            }
            EvidenceCmd::Gc(f) => commands::evidence::gc(data.as_deref(), f.json),
        },
    }
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    EXIT_OK
                }
                _ => EXIT_INVALID,
            };
            if code == EXIT_INVALID {
                errln!("Lỗi cú pháp lệnh / usage error (xem `hoctap --help`):");
            }
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let json_errors = std::env::args().any(|a| a == "--json");
    if let Err(e) = run(cli) {
        errln!("Lỗi: {}", e.message);
        if let Some(d) = &e.detail {
            errln!("  (chi tiết / detail: {d})");
        }
        if json_errors && !e.reported {
            // A machine-readable error on stdout for scripts that asked for JSON.
            let _ = output::json(&serde_json::json!({
                "error": {"code": e.code(), "message": e.message, "detail": e.detail}
            }));
        }
        std::process::exit(e.exit_code());
    }
}
