//! `admin device list | revoke`.

use super::{print_json, AdminError};
use crate::db::{devices, Db};

pub async fn list(db: &Db, json_out: bool) -> Result<(), AdminError> {
    let list = devices::list(db).await?;
    if json_out {
        return print_json(&list);
    }
    for d in list {
        outln!(
            "{}\t{}\t{}\t{}\tliên lạc lần cuối: {}\tchờ gửi: {}",
            d.id,
            d.name.as_deref().unwrap_or("-"),
            if d.revoked {
                "đã thu hồi/revoked"
            } else {
                "hoạt động/active"
            },
            d.hamlets.join(", "),
            d.last_heartbeat_at.as_deref().unwrap_or("-"),
            d.queue_length.map_or("-".to_string(), |q| q.to_string()),
        );
    }
    Ok(())
}

pub async fn revoke(db: &Db, id: &str) -> Result<(), AdminError> {
    if !devices::revoke(db, id).await? {
        return Err(AdminError::Invalid(format!(
            "Không có thiết bị {id} / unknown device"
        )));
    }
    outln!("Đã thu hồi thiết bị {id} / device revoked");
    Ok(())
}
