//! `uniffi-bindgen`, pinned to the UniFFI version of `hoctap-ffi`. A separate crate so that the
//! phone builds of the façade never compile the generator. Usage (library mode):
//! `cargo run -p hoctap-uniffi-bindgen -- generate --library target/debug/libhoctap_ffi.so
//! --language kotlin --out-dir OUT`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
