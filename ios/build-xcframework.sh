#!/usr/bin/env bash
# Build the Rust core for iOS and package it for the Swift package in ios/HoctapCore: the static
# library libhoctap_ffi.a for devices (aarch64-apple-ios) and the simulators (aarch64-apple-ios-sim
# and x86_64-apple-ios, lipo'd into one slice) with the generated C header and module map, as
# HoctapCore/HoctapCoreFFI.xcframework (the C module HoctapCoreFFI), plus the generated Swift
# bindings HoctapCore/Sources/HoctapCore/HoctapCore.swift (the Swift module HoctapCore).
# macOS only: Xcode 16 and rustup. Run from anywhere:
#   ios/build-xcframework.sh [debug|release]     (default release)
# then `cd ios && xcodegen` and open SoHocTap.xcodeproj (see ios/README.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
profile="${1:-release}"
if [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework.sh needs macOS with Xcode 16" >&2
  exit 1
fi
flag=--release
[ "$profile" = debug ] && flag=
target="${CARGO_TARGET_DIR:-$root/target}"
export IPHONEOS_DEPLOYMENT_TARGET=16.0

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  echo "== cargo build $t"
  cargo build -p hoctap-ffi --lib $flag --target "$t"
done

echo "== Swift bindings (library mode, from the host dylib)"
cargo build -p hoctap-ffi -p hoctap-uniffi-bindgen $flag
gen="$target/ios-bindings"
rm -rf "$gen"
mkdir -p "$gen/headers"
"$target/$profile/uniffi-bindgen" generate --library "$target/$profile/libhoctap_ffi.dylib" \
  --language swift --out-dir "$gen"
cp "$gen/HoctapCoreFFI.h" "$gen/headers/"
# An XCFramework's headers need a module.modulemap of that exact name.
cp "$gen/HoctapCoreFFI.modulemap" "$gen/headers/module.modulemap"

echo "== lipo the simulator slices"
sim="$target/ios-sim-universal/$profile"
mkdir -p "$sim"
lipo -create \
  "$target/aarch64-apple-ios-sim/$profile/libhoctap_ffi.a" \
  "$target/x86_64-apple-ios/$profile/libhoctap_ffi.a" \
  -output "$sim/libhoctap_ffi.a"

echo "== xcodebuild -create-xcframework"
xcf="$here/HoctapCore/HoctapCoreFFI.xcframework"
rm -rf "$xcf"
xcodebuild -create-xcframework \
  -library "$target/aarch64-apple-ios/$profile/libhoctap_ffi.a" -headers "$gen/headers" \
  -library "$sim/libhoctap_ffi.a" -headers "$gen/headers" \
  -output "$xcf"
cp "$gen/HoctapCore.swift" "$here/HoctapCore/Sources/HoctapCore/HoctapCore.swift"
echo "done: $xcf and Sources/HoctapCore/HoctapCore.swift"
echo "next: cd ios && xcodegen && open SoHocTap.xcodeproj"
