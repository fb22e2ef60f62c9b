//! Command line of `hoctap-server`: `serve` and the `admin` commands, with the data directory
//! and database options they share.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    Init {
        #[arg(long)]
        province: String,
        #[arg(long)]
        commune: String,
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
    /// Uploaded assessments with both scores and their review state.
    Assessments {
        #[arg(long)]
        json: bool,
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

#[derive(Debug, Subcommand)]
pub enum HamletCommand {
    /// Add a hamlet (thôn) or urban group (tổ dân phố).
    Add {
        name: String,
        #[arg(long, default_value = "thon", value_parser = ["thon", "to_dan_pho"])]
        kind: String,
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
    /// Import a roster CSV (same columns as the device's `hoctap import roster`).
    Roster {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add {
        name: String,
        #[arg(long, default_value = "reviewer", value_parser = ["reviewer", "admin"])]
        role: String,
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
