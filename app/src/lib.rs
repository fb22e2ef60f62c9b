//! `hoctap-app`: the phone app's brain, in the manner of Crux ("the core decides what, the
//! shell decides how") without the Crux crate. One entry type, [`AppCore`]:
//!
//! - [`AppCore::dispatch`] applies an [`Event`] (what a person did, what the platform reported,
//!   what a task finished with) and returns [`Effect`]s (render, camera, gallery, QR scanner,
//!   run a task, schedule a sync, notify, keep the screen on, close the app);
//! - [`AppCore::view`] is the current screen's [`ViewModel`];
//! - [`AppCore::task_runner`] runs long work ([`Task`]: photo processing, sync, enrollment,
//!   QR decoding) on the shell's worker thread and returns the event to dispatch.
//!
//! Every rule stays in `hoctap-domain`, `hoctap-store` and `hoctap-device`; this crate decides
//! navigation, screen state and effects. The navigation stack, the open assessment, photo
//! captures in flight and preferences are kept in the store (`ui_state`), so the app reopens
//! where the cadre was after the OS kills it. Public types are plain records and enums (no
//! generics or lifetimes), ready for a UniFFI façade. See `app/README.md`.

mod assess;
pub mod core;
pub mod criteria_choice;
pub mod effect;
pub mod error;
pub mod event;
mod handle;
mod household_list;
mod nav;
pub mod persist;
mod photos;
pub mod qr;
mod roster_edit;
pub mod screen;
mod screens;
mod sync_flow;
pub mod tasks;
pub mod view;

pub use crate::core::{AppCore, AppOptions, CAPTURE_DIR};
pub use effect::{Effect, NetworkConstraint, Task, TaskKind};
pub use error::{AppError, ErrorInfo, ErrorKind};
pub use event::{
    AnswerInput, Event, HouseholdInput, MemberInput, SubjectRef, SyncOutcome, Target, TaskResult,
};
pub use persist::CaptureSource;
pub use screen::Screen;
pub use tasks::{NoTaskProgress, TaskProgress, TaskRunner};
pub use view::{ScreenView, ViewModel};
