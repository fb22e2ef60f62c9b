//! `hoctap-server` entry point: everything is in [`hoctap_server::cli::main_entry`].

fn main() -> std::process::ExitCode {
    hoctap_server::cli::main_entry()
}
