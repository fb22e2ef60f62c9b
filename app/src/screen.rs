//! The navigation stack's entries: which screen, about what, with the state a cadre would hate
//! to lose (search text, filter, a form's fields). Saved in the store as JSON (`persist`), so
//! after the OS kills the process the app reopens on the same screen.

use crate::event::{HouseholdInput, MemberInput};
use hoctap_domain::state::SubjectStatus;
use serde::{Deserialize, Serialize};

/// One entry of the navigation stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    Enrollment {
        server: String,
        code: String,
    },
    Home,
    Households {
        hamlet_id: Option<String>,
        search: String,
        filter: Option<SubjectStatus>,
    },
    Household {
        id: String,
    },
    HouseholdForm {
        hamlet_id: String,
        household_id: Option<String>,
        input: HouseholdInput,
    },
    MemberForm {
        household_id: String,
        member_id: Option<String>,
        input: MemberInput,
    },
    Clans,
    Clan {
        id: String,
    },
    Hamlet {
        id: String,
    },
    Units,
    Unit {
        id: String,
    },
    /// The open assessment (its id is replaced by the correction's when "Sửa phiếu" makes one).
    Assessment {
        id: String,
    },
    Outbox,
    Returned,
    Summary,
    Settings,
}

impl Screen {
    /// The root screen for a device: enrollment until enrolled, then home.
    pub fn root(enrolled: bool, server: Option<String>) -> Screen {
        if enrolled {
            Screen::Home
        } else {
            Screen::Enrollment {
                server: server.unwrap_or_default(),
                code: String::new(),
            }
        }
    }
}
