//! `hoctap-server admin …`: administration straight on the database. Messages are Vietnamese
//! first, then English; invalid input exits 2, any other failure 1.

mod clans;
mod devices;
mod enroll;
mod review;
mod roster;
mod setup;
mod staff;

use crate::cli::{
    AdminCommand, ClanCommand, CriteriaCommand, DeviceCommand, HamletCommand, ImportCommand,
    RosterCommand, TargetsCommand, UnitCommand, UserCommand,
};
use crate::db::{Db, DbError};
use serde::Serialize;

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Bad input: exit 2.
    #[error("{0}")]
    Invalid(String),
    /// Anything else: exit 1.
    #[error("{0}")]
    Failure(String),
}

impl AdminError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AdminError::Invalid(_) => 2,
            AdminError::Failure(_) => 1,
        }
    }
}

impl From<sqlx::Error> for AdminError {
    fn from(e: sqlx::Error) -> Self {
        AdminError::Failure(format!("Lỗi cơ sở dữ liệu / database error: {e}"))
    }
}

impl From<DbError> for AdminError {
    fn from(e: DbError) -> Self {
        AdminError::Failure(e.to_string())
    }
}

/// Print a value as pretty JSON on stdout (a closed stdout is not an error: `| head`).
pub(crate) fn print_json<T: Serialize>(value: &T) -> Result<(), AdminError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| AdminError::Failure(format!("serialise: {e}")))?;
    outln!("{text}");
    Ok(())
}

/// `admin units`: the official list, without a database.
pub fn units(province: Option<&str>, json: bool) -> Result<(), AdminError> {
    setup::units(province, json)
}

/// Run one admin command.
pub async fn run(db: &Db, command: AdminCommand) -> Result<(), AdminError> {
    match command {
        AdminCommand::Init { province, commune } => {
            setup::init(db, &province, commune.as_deref()).await
        }
        AdminCommand::Targets {
            command: TargetsCommand::Load { file, json },
        } => staff::targets_load(db, &file, json).await,
        AdminCommand::Units { province, json } => setup::units(province.as_deref(), json),
        AdminCommand::Hamlet { command } => match command {
            HamletCommand::Add {
                name,
                kind,
                commune,
                place,
                json,
            } => setup::hamlet_add(db, &name, &kind, commune.as_deref(), &place, json).await,
            HamletCommand::Set {
                hamlet,
                place,
                clear_place,
                json,
            } => setup::hamlet_set(db, &hamlet, &place, clear_place, json).await,
            HamletCommand::List { json } => setup::hamlet_list(db, json).await,
        },
        AdminCommand::Import {
            command:
                ImportCommand::Roster {
                    file,
                    create_hamlets,
                    commune,
                    json,
                },
        } => setup::import_roster(db, &file, create_hamlets, commune.as_deref(), json).await,
        AdminCommand::User { command } => match command {
            UserCommand::Add {
                login,
                role,
                commune,
                name,
                no_password,
                json,
            } => {
                staff::user_add(
                    db,
                    staff::UserAdd {
                        login: &login,
                        role: &role,
                        commune: commune.as_deref(),
                        name: name.as_deref(),
                        no_password,
                    },
                    json,
                )
                .await
            }
            UserCommand::Password { login } => staff::user_password(db, &login).await,
            UserCommand::List { json } => staff::user_list(db, json).await,
        },
        AdminCommand::EnrollCode {
            hamlets,
            server,
            ttl_hours,
            json,
        } => enroll::enroll_code(db, &hamlets, &server, ttl_hours, json).await,
        AdminCommand::Device { command } => match command {
            DeviceCommand::List { json } => devices::list(db, json).await,
            DeviceCommand::Revoke { id } => devices::revoke(db, &id).await,
        },
        AdminCommand::Criteria {
            command: CriteriaCommand::Publish { file, json },
        } => review::publish(db, &file, json).await,
        AdminCommand::Assessments { current, json } => review::list(db, current, json).await,
        AdminCommand::Clan { command } => match command {
            ClanCommand::Add {
                name,
                households,
                json,
            } => clans::clan_add(db, &name, &households, json).await,
            ClanCommand::List { json } => clans::clan_list(db, json).await,
        },
        AdminCommand::Unit { command } => match command {
            UnitCommand::Add {
                name,
                kind,
                hamlet,
                commune,
                json,
            } => {
                clans::unit_add(
                    db,
                    &name,
                    &kind,
                    hamlet.as_deref(),
                    commune.as_deref(),
                    json,
                )
                .await
            }
            UnitCommand::List { json } => clans::unit_list(db, json).await,
        },
        AdminCommand::Roster { command } => match command {
            RosterCommand::Changes { all, json } => roster::changes(db, all, json).await,
            RosterCommand::Apply { id, by, json } => {
                roster::apply(db, &id, by.as_deref(), json).await
            }
            RosterCommand::Dismiss { id, note, by, json } => {
                roster::dismiss(db, &id, by.as_deref(), note.as_deref(), json).await
            }
            RosterCommand::RemoveMember {
                member,
                reason,
                by,
                json,
            } => roster::remove_member(db, &member, &reason, by.as_deref(), json).await,
        },
        AdminCommand::Return {
            assessment,
            comment,
            reviewer,
            json,
        } => review::return_assessment(db, &assessment, &comment, reviewer.as_deref(), json).await,
    }
}
