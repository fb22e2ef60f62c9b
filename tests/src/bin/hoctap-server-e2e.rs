//! `hoctap-server-e2e`: the aggregation server, exactly — its `main` is the same one call as
//! `hoctap-server`'s (`hoctap_server::cli::main_entry`).
//!
//! Why it exists: the end-to-end tests and the sync benchmark of this package run a real device
//! (`hoctap-device`: the store, the photo pipeline, the reqwest transport) against the real
//! server started as a process. Cargo hands a test or bench the path of a binary
//! (`env!("CARGO_BIN_EXE_<name>")`, built first) only for binaries of its own package, and the
//! server package cannot dev-depend on the device stack — `cargo tree -p hoctap-server` must
//! stay free of reqwest and the photo pipeline. So the binary is rebuilt here, where the device
//! stack is allowed.

fn main() -> std::process::ExitCode {
    hoctap_server::cli::main_entry()
}
