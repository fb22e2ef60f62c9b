//! `hoctap-server` entry point: parse the command line, open the database, then serve or run an
//! admin command. Exit codes: 0 success, 2 invalid input, 1 any other failure.

use clap::Parser;
use hoctap_server::api::{self, ratelimit::RateLimiter, AppState};
use hoctap_server::blobs::FsBlobStore;
use hoctap_server::cli::{AdminCommand, Cli, Command, DataArgs};
use hoctap_server::db::{self, Db};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

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

async fn serve(data: DataArgs, listen: String, rate_limit: u32) -> Result<(), String> {
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
    let state = AppState {
        db,
        blobs: Arc::new(blobs),
        limiter: Arc::new(RateLimiter::new(rate_limit)),
    };
    api::serve(listener, state, shutdown)
        .await
        .map_err(|e| format!("server error: {e}"))
}

fn main() -> ExitCode {
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
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::Serve {
                data,
                listen,
                rate_limit,
            } => match serve(data, listen, rate_limit).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            },
            Command::Admin {
                command: AdminCommand::Units { province, json },
                ..
            } => match hoctap_server::admin::units(province.as_deref(), json) {
                // The official list is built in: no database needed.
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
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
                        eprintln!("{e}");
                        return ExitCode::from(1);
                    }
                };
                match hoctap_server::admin::run(&db, command).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("{e}");
                        ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
                    }
                }
            }
        }
    })
}
