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

    /// Tệp khoá mã hoá dữ liệu (32 byte hoặc 64 chữ số hex) / key file: the data is encrypted
    /// with it ($HOCTAP_KEY_FILE)
    #[arg(long, global = true, env = "HOCTAP_KEY_FILE", value_name = "FILE")]
    key_file: Option<PathBuf>,

    /// Hỏi mật khẩu mã hoá dữ liệu, không hiện khi gõ / ask for the data passphrase, not echoed
    /// (scripts: $HOCTAP_PASSPHRASE)
    #[arg(long, global = true, conflicts_with = "key_file")]
    passphrase: bool,

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
    /// Hàng đợi gửi; gửi lại hoặc giữ lại phiếu bị giữ / upload queue; retry or keep set-aside items
    Outbox {
        #[command(subcommand)]
        cmd: Option<OutboxCmd>,
        #[arg(long)]
        json: bool,
    },
    /// Dòng họ / clans
    #[command(subcommand)]
    Clan(ClanCmd),
    /// Đơn vị (trường học, cơ quan, doanh nghiệp) / units
    #[command(subcommand)]
    Unit(UnitCmd),
    /// Ảnh minh chứng / evidence photos
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Khoá mã hoá dữ liệu / the data encryption key
    #[command(subcommand)]
    Key(KeyCmd),
}

#[derive(Subcommand, Debug)]
enum KeyCmd {
    /// Tạo tệp khoá ngẫu nhiên mới (dùng với --key-file) / write a new random key file
    Generate {
        /// Tệp khoá mới (không ghi đè) / the new key file (never overwritten)
        file: PathBuf,
    },
    /// Dữ liệu đã mã hoá chưa / whether the data directory is encrypted
    Status(JsonFlag),
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
        /// Mã hộ trên danh sách của xã (vd. H004) / roster code
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Danh sách hộ, xếp theo tên / list households in Vietnamese name order
    List {
        #[arg(long)]
        hamlet: Option<String>,
        /// Tìm theo tên chủ hộ, mã hộ, tên thành viên; không phân biệt dấu / search names and codes
        #[arg(long)]
        search: Option<String>,
        /// Tìm cả trong địa chỉ, số điện thoại / search the address and phone too
        #[arg(long)]
        address: bool,
        #[arg(long)]
        json: bool,
    },
    /// Xem hộ và thành viên (mã số hoặc mã hộ như H004) / show a household (id or code)
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Sửa thông tin hộ / edit a household
    Edit(HouseholdEditArgs),
    /// Chuyển hộ sang thôn khác / move a household to another hamlet
    Move {
        id: String,
        #[arg(long)]
        hamlet: String,
        #[arg(long)]
        json: bool,
    },
    /// Xoá hộ (giữ lịch sử; khôi phục được) / remove a household (kept with history)
    Remove {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Khôi phục hộ đã xoá / restore a removed household
    Restore {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Lịch sử thay đổi của hộ / history of a household
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct HouseholdEditArgs {
    /// Mã số hoặc mã hộ / id or code
    id: String,
    #[arg(long)]
    head: Option<String>,
    /// Địa chỉ ("" để xoá) / address ("" clears)
    #[arg(long)]
    address: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// Mã hộ trên danh sách ("" để xoá) / roster code
    #[arg(long)]
    code: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum OutboxCmd {
    /// Gửi lại phiếu bị giữ / put a set-aside assessment back in the queue
    Retry {
        /// Mã phiếu; bỏ trống với --all / assessment id
        id: Option<String>,
        /// Mọi phiếu bị giữ / every set-aside assessment
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Giữ phiếu bị giữ lại trên máy thành bản nháp để sửa / keep as a local draft to fix
    Keep {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum ClanCmd {
    /// Thêm dòng họ / add a clan
    Add {
        name: String,
        /// Hộ thuộc dòng họ (mã số hoặc mã hộ), lặp lại / member household (repeat)
        #[arg(long = "household")]
        households: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Danh sách dòng họ / list clans
    List(JsonFlag),
    /// Xem dòng họ / show a clan
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Sửa dòng họ (tên, các hộ) / edit a clan
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        /// Đặt lại danh sách hộ (lặp lại) / set the households (repeat)
        #[arg(long = "household")]
        households: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Xoá dòng họ / remove a clan
    Remove { id: String },
}

#[derive(Subcommand, Debug)]
enum UnitCmd {
    /// Thêm đơn vị / add a unit
    Add {
        name: String,
        /// school | office | enterprise | other (trường học, cơ quan, doanh nghiệp, khác)
        #[arg(long)]
        kind: String,
        /// Thôn của đơn vị; bỏ trống nếu đơn vị cấp xã / the unit's hamlet (none: commune level)
        #[arg(long)]
        hamlet: Option<String>,
        /// Mã xã / commune code
        #[arg(long)]
        commune: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Danh sách đơn vị / list units
    List(JsonFlag),
    /// Xem đơn vị / show a unit
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Xoá đơn vị / remove a unit
    Remove { id: String },
}

#[derive(Subcommand, Debug)]
enum MemberCmd {
    /// Thêm thành viên / add a member
    Add(MemberAddArgs),
    /// Sửa thành viên / edit a member
    Edit(MemberEditArgs),
    /// Xoá thành viên (giữ lịch sử) / remove a member (kept with history)
    Remove {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Khôi phục thành viên đã xoá / restore a removed member
    Restore {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct MemberEditArgs {
    /// Mã số thành viên / member id
    id: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    birth_year: Option<i32>,
    /// nam | nữ | khác
    #[arg(long)]
    sex: Option<String>,
    #[arg(long)]
    relation: Option<String>,
    /// preschool | in_school | … (hoặc: mầm non, đang đi học, bỏ học, đã học xong, chưa đi học)
    #[arg(long)]
    schooling: Option<String>,
    /// có | không
    #[arg(long)]
    literate: Option<String>,
    /// có | không
    #[arg(long)]
    cdht: Option<String>,
    /// có | không
    #[arg(long)]
    unable_to_learn: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct MemberAddArgs {
    /// Hộ: mã số hoặc mã hộ (H004) / household id or code
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
    /// Nhập danh sách hộ và thành viên từ CSV hoặc XLSX / import a roster (CSV or XLSX)
    Roster {
        /// Tệp CSV (UTF-8, Windows-1258; dấu phẩy, chấm phẩy hoặc tab) hoặc XLSX; - là đầu vào chuẩn
        file: String,
        /// Tạo các thôn có trong tệp mà máy chưa có / add the hamlets the file names that are missing
        #[arg(long)]
        create_hamlets: bool,
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
    /// Ghi ra tệp JPEG của một ảnh (đã giải mã) / write a stored photo out as a JPEG file
    Export {
        sha256: String,
        /// Tệp JPEG ghi ra / the JPEG file to write
        out: PathBuf,
        /// Ảnh thu nhỏ thay vì ảnh / the thumbnail instead of the photo
        #[arg(long)]
        thumbnail: bool,
    },
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
    commands::key::set_options(commands::key::KeyOptions {
        key_file: cli.key_file,
        passphrase: cli.passphrase,
    });
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
                code,
                json,
            } => commands::households::household_add(
                data.as_deref(),
                &hamlet,
                &head,
                address,
                phone,
                code,
                json,
            ),
            HouseholdCmd::List {
                hamlet,
                search,
                address,
                json,
            } => {
                commands::households::household_list(data.as_deref(), hamlet, search, address, json)
            }
            HouseholdCmd::Show { id, json } => {
                commands::households::household_show(data.as_deref(), &id, json)
            }
            HouseholdCmd::Edit(a) => commands::roster_edit::household_edit(data.as_deref(), &a),
            HouseholdCmd::Move { id, hamlet, json } => {
                commands::roster_edit::household_move(data.as_deref(), &id, &hamlet, json)
            }
            HouseholdCmd::Remove { id, json } => {
                commands::roster_edit::household_remove(data.as_deref(), &id, json)
            }
            HouseholdCmd::Restore { id, json } => {
                commands::roster_edit::household_restore(data.as_deref(), &id, json)
            }
            HouseholdCmd::History { id, json } => {
                commands::roster_edit::household_history(data.as_deref(), &id, json)
            }
        },
        Command::Member(c) => match c {
            MemberCmd::Add(a) => commands::households::member_add(data.as_deref(), &a),
            MemberCmd::Edit(a) => commands::roster_edit::member_edit(data.as_deref(), &a),
            MemberCmd::Remove { id, json } => {
                commands::roster_edit::member_remove(data.as_deref(), &id, json)
            }
            MemberCmd::Restore { id, json } => {
                commands::roster_edit::member_restore(data.as_deref(), &id, json)
            }
        },
        Command::Clan(c) => match c {
            ClanCmd::Add {
                name,
                households,
                json,
            } => commands::groups::clan_add(data.as_deref(), &name, &households, json),
            ClanCmd::List(f) => commands::groups::clan_list(data.as_deref(), f.json),
            ClanCmd::Show { id, json } => commands::groups::clan_show(data.as_deref(), &id, json),
            ClanCmd::Edit {
                id,
                name,
                households,
                json,
            } => commands::groups::clan_edit(data.as_deref(), &id, name, &households, json),
            ClanCmd::Remove { id } => commands::groups::clan_remove(data.as_deref(), &id),
        },
        Command::Unit(c) => match c {
            UnitCmd::Add {
                name,
                kind,
                hamlet,
                commune,
                json,
            } => commands::groups::unit_add(data.as_deref(), &name, &kind, hamlet, commune, json),
            UnitCmd::List(f) => commands::groups::unit_list(data.as_deref(), f.json),
            UnitCmd::Show { id, json } => commands::groups::unit_show(data.as_deref(), &id, json),
            UnitCmd::Remove { id } => commands::groups::unit_remove(data.as_deref(), &id),
        },
        Command::Import(ImportCmd::Roster {
            file,
            create_hamlets,
            json,
        }) => commands::import::roster(data.as_deref(), &file, create_hamlets, json),
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
        Command::Outbox { cmd, json } => match cmd {
            None => commands::sync::outbox(data.as_deref(), json),
            Some(OutboxCmd::Retry { id, all, json }) => {
                commands::sync::outbox_retry(data.as_deref(), id, all, json)
            }
            Some(OutboxCmd::Keep { id, json }) => {
                commands::sync::outbox_keep(data.as_deref(), &id, json)
            }
        },
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
            EvidenceCmd::Export {
                sha256,
                out,
                thumbnail,
            } => commands::evidence::export(data.as_deref(), &sha256, &out, thumbnail),
        },
        Command::Key(c) => match c {
            KeyCmd::Generate { file } => commands::key::generate(&file),
            KeyCmd::Status(f) => commands::key::status(data.as_deref(), f.json),
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
