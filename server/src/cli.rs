//! Command line of `hoctap-server`: `serve` and the `admin` commands, with the data directory
//! and database options they share, and [`main_entry`], the program itself.

use crate::api::{self, ratelimit::RateLimiter, AppState};
use crate::blobs::{FsBlobStore, PartialLimits};
use crate::db::{self, Db};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "hoctap-server",
    version,
    about = "Máy chủ tổng hợp Sổ Học Tập / Sổ Học Tập aggregation server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Data directory: `server.db` (SQLite) and `blobs/`.
    #[arg(
        long,
        env = "HOCTAP_SERVER_DATA",
        default_value = "hoctap-server-data",
        global = true
    )]
    pub data: PathBuf,
    /// Database URL (`postgres://…`); default: SQLite `DIR/server.db`.
    #[arg(long, env = "HOCTAP_DATABASE_URL", global = true)]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on (port 0: any free port, printed on start).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Requests per minute per device (token bucket; all may come at once).
        #[arg(long, default_value_t = 600)]
        rate_limit: u32,
        #[command(flatten)]
        limits: ServeLimits,
    },
    /// Administration, directly on the database.
    Admin {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Set the province and commune this server serves (official codes).
    /// Without --commune the server serves every commune of the province (hamlets, devices and
    /// staff then each belong to one commune). With --commune it serves that one.
    Init {
        #[arg(long)]
        province: String,
        #[arg(long)]
        commune: Option<String>,
    },
    /// Targets (chỉ tiêu) of the province or of one commune, from a TOML file
    /// (`criteria/targets/`).
    Targets {
        #[command(subcommand)]
        command: TargetsCommand,
    },
    /// List provinces, or the communes of one province.
    Units {
        #[arg(long)]
        province: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Hamlets.
    Hamlet {
        #[command(subcommand)]
        command: HamletCommand,
    },
    /// Imports.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Users (reviewers, admins).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Make a one-time enrollment code for the given hamlets (printed as a QR code).
    EnrollCode {
        /// Hamlet name or id; repeat for several.
        #[arg(long = "hamlet", required = true)]
        hamlets: Vec<String>,
        /// Base URL devices use to reach this server.
        #[arg(
            long,
            env = "HOCTAP_SERVER_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        server: String,
        /// Hours before the code expires.
        #[arg(long, default_value_t = 72)]
        ttl_hours: u32,
        #[arg(long)]
        json: bool,
    },
    /// Devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Criteria sets.
    Criteria {
        #[command(subcommand)]
        command: CriteriaCommand,
    },
    /// Uploaded assessments with both scores, their review trail and revisions.
    Assessments {
        /// Only the latest revision of each assessment (what counts for the subject and year).
        #[arg(long)]
        current: bool,
        #[arg(long)]
        json: bool,
    },
    /// Clans (dòng họ).
    Clan {
        #[command(subcommand)]
        command: ClanCommand,
    },
    /// Units (đơn vị: school, office, enterprise).
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Roster changes devices sent (proposals for staff) and explicit member removal.
    Roster {
        #[command(subcommand)]
        command: RosterCommand,
    },
    /// Send an assessment back to its device for correction.
    Return {
        assessment: String,
        #[arg(long)]
        comment: String,
        /// Reviewer name (a user).
        #[arg(long)]
        reviewer: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Bounds of `serve` besides the per-device rate limit.
#[derive(Debug, Clone, Args)]
pub struct ServeLimits {
    /// `POST /enroll` attempts per minute per client address (token bucket).
    #[arg(long, default_value_t = 30)]
    pub enroll_rate_limit: u32,
    /// Partial blob uploads one device may hold at once.
    #[arg(long, default_value_t = 16)]
    pub partial_uploads: usize,
    /// MiB the partial blob uploads of one device may declare together.
    #[arg(long, default_value_t = 100)]
    pub partial_mib: u64,
    /// Seconds after which an untouched partial blob upload is removed (48 h).
    #[arg(long, default_value_t = 172_800)]
    pub partial_ttl_secs: u64,
    /// Seconds between two sweeps for expired partial uploads.
    #[arg(long, default_value_t = 600)]
    pub cleanup_interval_secs: u64,
    /// Mark staff cookies `Secure` (sent over HTTPS only): `auto` does unless the server
    /// listens on a loopback address (local use, or a TLS proxy in front on the same machine
    /// — then say `always`).
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub secure_cookies: String,
}

/// Where a hamlet is, for evidence plausibility: centre (WGS 84 decimal degrees) and radius;
/// all three together.
#[derive(Debug, Clone, Default, Args)]
pub struct PlaceArgs {
    /// Latitude of the hamlet's centre (decimal degrees, e.g. 21.0285).
    #[arg(long, allow_hyphen_values = true)]
    pub lat: Option<f64>,
    /// Longitude of the hamlet's centre (decimal degrees, e.g. 105.8542).
    #[arg(long, allow_hyphen_values = true)]
    pub lon: Option<f64>,
    /// Radius in km around the centre within which evidence photos are expected.
    #[arg(long)]
    pub radius_km: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum HamletCommand {
    /// Add a hamlet (thôn) or urban group (tổ dân phố).
    Add {
        name: String,
        #[arg(long, default_value = "thon", value_parser = ["thon", "to_dan_pho"])]
        kind: String,
        /// Commune code (required on a province server).
        #[arg(long)]
        commune: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
        #[arg(long)]
        json: bool,
    },
    /// Set (or clear) where an existing hamlet is: photos taken farther away are flagged for
    /// the reviewer, never refused. Devices receive it with their next sync.
    Set {
        /// Hamlet name or id.
        hamlet: String,
        #[command(flatten)]
        place: PlaceArgs,
        /// Forget the hamlet's place.
        #[arg(long, conflicts_with_all = ["lat", "lon", "radius_km"])]
        clear_place: bool,
        #[arg(long)]
        json: bool,
    },
    /// List hamlets.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a roster, CSV or XLSX (the device's reader: same columns, encodings, problems).
    Roster {
        file: PathBuf,
        /// Add the hamlets the file names that do not exist yet.
        #[arg(long)]
        create_hamlets: bool,
        /// The commune whose hamlets the file names (on a province server).
        #[arg(long)]
        commune: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account of the web app. The password is read from the environment variable
    /// HOCTAP_PASSWORD, or from standard input (one line) — never from the command line.
    Add {
        /// Login name.
        login: String,
        /// province_admin, province_viewer, commune_admin, commune_reviewer ("admin" and
        /// "reviewer" are the commune roles).
        #[arg(long, default_value = "commune_reviewer")]
        role: String,
        /// The commune of a commune role (default: the server's commune).
        #[arg(long)]
        commune: Option<String>,
        /// Full name shown in the web app (default: the login).
        #[arg(long)]
        name: Option<String>,
        /// Create without a password (set one later with `user password`).
        #[arg(long)]
        no_password: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set a staff member's password (HOCTAP_PASSWORD or one line of standard input); ends
    /// their sessions.
    Password { login: String },
    /// List staff accounts.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TargetsCommand {
    /// Load a targets file (replaces the targets of its province or commune).
    Load {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClanCommand {
    /// Add a clan with its households (they may be in several hamlets).
    Add {
        name: String,
        /// A household: its id, its roster code, or `HAMLET/CODE` when the code is used in
        /// several hamlets; repeat for each household.
        #[arg(long = "household", required = true)]
        households: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List clans with their households.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Add a unit in a hamlet, or at commune level (without --hamlet).
    Add {
        name: String,
        #[arg(long, value_parser = ["school", "office", "enterprise", "other"])]
        kind: String,
        /// Hamlet name or id; none for a commune-level unit.
        #[arg(long)]
        hamlet: Option<String>,
        /// The commune of a commune-level unit (on a province server).
        #[arg(long, conflicts_with = "hamlet")]
        commune: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List units.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// List the proposals waiting for staff (with --all, every change: added members, applied
    /// and dismissed proposals, removals).
    Changes {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Apply a proposal (a field value, a member's removal or move).
    Apply {
        id: String,
        /// Who decides (a user name).
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Dismiss a proposal: the server's value stays (devices receive it again).
    Dismiss {
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a member from its household (recorded; its assessments keep their subject).
    RemoveMember {
        member: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// List enrolled devices with their last heartbeat.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device's token.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum CriteriaCommand {
    /// Validate and publish a criteria set (TOML) to every device.
    Publish {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

// ---------------------------------------------------------------------------------------------
// The program

fn database_url(data: &DataArgs) -> Result<String, String> {
    if let Some(url) = &data.database {
        return Ok(url.clone());
    }
    std::fs::create_dir_all(&data.data).map_err(|e| {
        format!(
            "Không tạo được thư mục dữ liệu {} / cannot create the data directory: {e}",
            data.data.display()
        )
    })?;
    Ok(db::sqlite_url(&data.data))
}

async fn serve(
    data: DataArgs,
    listen: String,
    rate_limit: u32,
    limits: ServeLimits,
) -> Result<(), String> {
    let url = database_url(&data)?;
    let db = Db::open(&url).await.map_err(|e| e.to_string())?;
    let blobs = FsBlobStore::open(&data.data.join("blobs"))
        .map_err(|e| format!("Không mở được kho ảnh / cannot open the blob store: {e}"))?;
    let shutdown =
        api::shutdown_signal().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("Không mở được cổng {listen} / cannot listen: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on http://{addr}");
    let _ = out.flush();
    let blobs: Arc<dyn crate::blobs::BlobStore> = Arc::new(blobs);
    api::spawn_partial_cleanup(
        blobs.clone(),
        Duration::from_secs(limits.partial_ttl_secs),
        Duration::from_secs(limits.cleanup_interval_secs.max(1)),
    );
    let state = AppState {
        db,
        blobs,
        partial_limits: PartialLimits {
            max_partials: limits.partial_uploads,
            max_bytes: limits.partial_mib.saturating_mul(1024 * 1024),
        },
        limiter: Arc::new(RateLimiter::new(rate_limit)),
        enroll_limiter: Arc::new(RateLimiter::new(limits.enroll_rate_limit)),
        web: Arc::new(crate::web::WebState::new(
            match limits.secure_cookies.as_str() {
                "always" => true,
                "never" => false,
                _ => !addr.ip().is_loopback(),
            },
        )),
    };
    // Count the dashboard's figures of the whole place for this year before anyone asks.
    if let Ok(Some(province)) = state.db.setting("province").await {
        let commune = state.db.setting("commune").await.ok().flatten();
        let (figures, db) = (state.web.figures.clone(), state.db.clone());
        tokio::spawn(async move {
            let scope = crate::db::staff::Scope { province, commune };
            figures
                .warm(&db, &scope, crate::clock::current_year())
                .await;
        });
    }
    api::serve(listener, state, shutdown)
        .await
        .map_err(|e| format!("server error: {e}"))
}

/// The whole `hoctap-server` program: parse the command line, open the database, then serve or
/// run an admin command. Exit codes: 0 success, 2 invalid input, 1 any other failure. The
/// `hoctap-server` binary is this one call (so is the end-to-end tests' `hoctap-server-e2e`).
pub fn main_entry() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::Serve {
                data,
                listen,
                rate_limit,
                limits,
            } => match serve(data, listen, rate_limit, limits).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    errln!("{e}");
                    ExitCode::from(1)
                }
            },
            Command::Admin {
                command: AdminCommand::Units { province, json },
                ..
            } => match crate::admin::units(province.as_deref(), json) {
                // The official list is built in: no database needed.
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    errln!("{e}");
                    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
                }
            },
            Command::Admin { data, command } => {
                let db = match database_url(&data) {
                    Ok(url) => Db::open(&url).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                let db = match db {
                    Ok(db) => db,
                    Err(e) => {
                        errln!("{e}");
                        return ExitCode::from(1);
                    }
                };
                match crate::admin::run(&db, command).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        errln!("{e}");
                        ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
                    }
                }
            }
        }
    })
}
