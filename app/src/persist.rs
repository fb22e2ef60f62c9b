//! What the core keeps across process death, in the store's `ui_state` table (the store owns
//! the SQL; this module owns the keys and the JSON shapes): the navigation stack, photo
//! captures in flight and the cadre's preferences. Every change that matters is written before
//! the event that caused it returns, so a kill at any moment reopens where the cadre was.

use crate::error::ErrorInfo;
use crate::screen::Screen;
use hoctap_store::Store;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

const KEY_NAV: &str = "nav";
const PREFIX_CAPTURE: &str = "capture.";
const KEY_PREFS: &str = "prefs";
const KEY_REENROLL: &str = "reenroll";

/// Where a photo comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureSource {
    Camera,
    Gallery,
}

/// A photo asked of the camera or gallery and not attached yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingCapture {
    pub capture_id: String,
    pub assessment_id: String,
    pub indicator_id: String,
    pub source: CaptureSource,
    /// Where the shell writes the photo.
    pub path: String,
    /// The processing task, once the photo arrived.
    pub task_id: Option<String>,
}

/// The cadre's preferences.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prefs {
    pub device_name: Option<String>,
    pub photos_wifi_only: bool,
    /// The year being assessed (`None`: the device's current year).
    pub year: Option<i32>,
}

fn read<T: DeserializeOwned>(store: &Store, key: &str) -> Result<Option<T>, ErrorInfo> {
    match store.ui_state(key)? {
        None => Ok(None),
        // A value this build cannot read (an older app's) is dropped, not fatal.
        Some(json) => Ok(serde_json::from_str(&json).ok()),
    }
}

fn write<T: Serialize>(store: &Store, key: &str, value: &T) -> Result<(), ErrorInfo> {
    let json = serde_json::to_string(value)
        .map_err(|e| ErrorInfo::internal(format!("serialise {key}: {e}")))?;
    store.put_ui_state(key, &json)?;
    Ok(())
}

/// The saved navigation stack (empty when none).
pub fn load_nav(store: &Store) -> Result<Vec<Screen>, ErrorInfo> {
    Ok(read::<Vec<Screen>>(store, KEY_NAV)?.unwrap_or_default())
}

/// Save the navigation stack.
pub fn save_nav(store: &Store, nav: &[Screen]) -> Result<(), ErrorInfo> {
    write(store, KEY_NAV, &nav)
}

/// Every pending capture.
pub fn load_captures(store: &Store) -> Result<Vec<PendingCapture>, ErrorInfo> {
    Ok(store
        .ui_state_with_prefix(PREFIX_CAPTURE)?
        .into_iter()
        .filter_map(|(_, json)| serde_json::from_str(&json).ok())
        .collect())
}

/// Save a pending capture.
pub fn save_capture(store: &Store, c: &PendingCapture) -> Result<(), ErrorInfo> {
    write(store, &format!("{PREFIX_CAPTURE}{}", c.capture_id), c)
}

/// Forget a capture.
pub fn remove_capture(store: &Store, capture_id: &str) -> Result<(), ErrorInfo> {
    store.remove_ui_state(&format!("{PREFIX_CAPTURE}{capture_id}"))?;
    Ok(())
}

/// The preferences.
pub fn load_prefs(store: &Store) -> Result<Prefs, ErrorInfo> {
    Ok(read(store, KEY_PREFS)?.unwrap_or_default())
}

/// Save the preferences.
pub fn save_prefs(store: &Store, p: &Prefs) -> Result<(), ErrorInfo> {
    write(store, KEY_PREFS, p)
}

/// Whether the server refused this device (revoked): enrollment is needed again.
pub fn needs_reenroll(store: &Store) -> Result<bool, ErrorInfo> {
    Ok(read::<bool>(store, KEY_REENROLL)?.unwrap_or(false))
}

/// Record (or clear) that the server refused this device.
pub fn set_needs_reenroll(store: &Store, on: bool) -> Result<(), ErrorInfo> {
    if on {
        write(store, KEY_REENROLL, &true)
    } else {
        store.remove_ui_state(KEY_REENROLL)?;
        Ok(())
    }
}
