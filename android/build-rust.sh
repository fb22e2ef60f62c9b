#!/usr/bin/env bash
# Build the Rust core for Android with cargo-ndk into app/src/main/jniLibs/{arm64-v8a,
# armeabi-v7a,x86_64}/libhoctap_ffi.so, and generate the Kotlin bindings into
# app/src/main/java (package vn.hoctap.core). minSdk 26 (Android 8.0), as app/build.gradle.kts.
# Needs: the Android NDK (r26+; ANDROID_NDK_HOME), `cargo install cargo-ndk`, and
# `rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`.
# Usage: android/build-rust.sh [debug|release] (default release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
profile="${1:-release}"
flag=--release
[ "$profile" = debug ] && flag=
MIN_SDK=26
target="${CARGO_TARGET_DIR:-$root/target}"

if ! command -v cargo-ndk >/dev/null; then
  echo "cargo-ndk not found: cargo install cargo-ndk" >&2
  exit 1
fi
if [ -z "${ANDROID_NDK_HOME:-}" ]; then
  echo "ANDROID_NDK_HOME is not set (path of the Android NDK)" >&2
  exit 1
fi
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android

echo "== cargo ndk (minSdk $MIN_SDK)"
cargo ndk --platform "$MIN_SDK" -t arm64-v8a -t armeabi-v7a -t x86_64 \
  -o "$here/app/src/main/jniLibs" build -p hoctap-ffi --lib $flag

echo "== Kotlin bindings"
case "$(uname -s)" in
  Darwin) libname=libhoctap_ffi.dylib ;;
  *) libname=libhoctap_ffi.so ;;
esac
cargo build -p hoctap-ffi -p hoctap-uniffi-bindgen $flag
"$target/$profile/uniffi-bindgen" generate --library "$target/$profile/$libname" \
  --language kotlin --out-dir "$here/app/src/main/java"
echo "done: app/src/main/jniLibs and app/src/main/java/vn/hoctap/core/hoctap_ffi.kt"
