//! A single-commune data directory of schema version 4 upgrades in place to a province server:
//! its rows take the commune it served, hamlet names stay unique per commune, old users become
//! commune staff without a password, the review queue's search and flags are filled — and the
//! upgraded schema has exactly the tables, columns and indexes of a fresh one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hoctap_server::db::roster::{self, HamletMatch};
use hoctap_server::db::staff::{self, Role, Scope};
use hoctap_server::db::{review, sqlite_url, Db};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row, SqlSafeStr};
use std::collections::BTreeMap;

/// The migrations of version 4, as an old server ran them.
fn version_4() -> Migrator {
    let m = |v: i64, name: &str, sql: &'static str| {
        Migration::new(
            v,
            name.to_string().into(),
            MigrationType::Simple,
            sql.into_sql_str(),
            false,
        )
    };
    Migrator::with_migrations(vec![
        m(1, "init", include_str!("../migrations/0001_init.sql")),
        m(
            2,
            "clans_units_reviews",
            include_str!("../migrations/0002_clans_units_reviews.sql"),
        ),
        m(
            3,
            "place_geo",
            include_str!("../migrations/0003_place_geo.sql"),
        ),
        m(
            4,
            "integrity",
            include_str!("../migrations/0004_integrity.sql"),
        ),
    ])
}

async fn exec(pool: &AnyPool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.expect(sql);
}

/// Tables → sorted columns, and sorted index names, as SQLite describes them.
async fn shape(pool: &AnyPool) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get::<String, _>(0).unwrap())
    .collect();
    let mut out = BTreeMap::new();
    for t in tables {
        let mut cols: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect();
        cols.sort();
        out.insert(t, cols);
    }
    let indexes = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get::<String, _>(0).unwrap())
    .collect();
    (out, indexes)
}

#[tokio::test]
async fn a_single_commune_server_upgrades_in_place() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    {
        let pool = AnyPool::connect(&url).await.unwrap();
        version_4().run(&pool).await.unwrap();
        // What a version-4 server serving commune 04792 of Phú Thọ held.
        exec(
            &pool,
            "INSERT INTO settings (key, value) VALUES ('province', '25'), ('commune', '04792')",
        )
        .await;
        exec(&pool, "INSERT INTO hamlets (id, name, name_key, kind, commune_code, created_at, seq)
             VALUES ('01900000-0000-7000-8000-000000000001', 'Thôn Đông', 'thon dong', 'thon', NULL, '2025-01-01T00:00:00.000Z', 1)").await;
        exec(&pool, "INSERT INTO households (id, hamlet_id, head, roster_code, origin, updated_at, seq)
             VALUES ('01900000-0000-7000-8000-000000000002', '01900000-0000-7000-8000-000000000001', 'Nguyễn Văn Ân', 'H-07', 'admin', '2025-01-01T00:00:00.000Z', 2)").await;
        exec(
            &pool,
            "INSERT INTO devices (id, token_sha256, enrolled_at)
             VALUES ('01900000-0000-7000-8000-000000000003', 'ab', '2025-01-01T00:00:00.000Z')",
        )
        .await;
        exec(&pool, "INSERT INTO assessments (id, device_id, subject_kind, subject_id, hamlet_id, model, year,
                 criteria_id, criteria_version, criteria_sha256, content, content_sha256, device_status,
                 device_total, mismatch, evidence_count, received_at)
             VALUES ('01900000-0000-7000-8000-000000000004', '01900000-0000-7000-8000-000000000003', 'household',
                 '01900000-0000-7000-8000-000000000002', '01900000-0000-7000-8000-000000000001', 'gia_dinh', 2025,
                 'template-gia-dinh', 1, 'cc', '{}', 'dd', 'passed', 9000, 0, 0, '2025-06-01T00:00:00.000Z')").await;
        exec(&pool, "INSERT INTO users (id, name, role, created_at)
             VALUES ('01900000-0000-7000-8000-000000000005', 'Lê Thị Duyệt', 'reviewer', '2025-01-01T00:00:00.000Z')").await;
        pool.close().await;
    }

    // The new server opens it: version 5 and the backfills run.
    let db = Db::open(&url).await.unwrap();
    let hamlet = sqlx::query("SELECT commune_code, name_key FROM hamlets")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(hamlet.try_get::<String, _>(0).unwrap(), "04792");
    assert_eq!(hamlet.try_get::<String, _>(1).unwrap(), "04792|thon dong");
    match roster::find_hamlet_in(&db, Some("04792"), "thôn đông")
        .await
        .unwrap()
    {
        HamletMatch::One(h) => assert_eq!(h.name, "Thôn Đông"),
        other => panic!("{other:?}"),
    }
    let a = sqlx::query("SELECT commune_code, search_key, superseded, practice FROM assessments")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(a.try_get::<String, _>(0).unwrap(), "04792");
    assert_eq!(a.try_get::<String, _>(1).unwrap(), "nguyen van an h-07");
    assert_eq!(a.try_get::<i64, _>(2).unwrap(), 0);
    assert_eq!(
        a.try_get::<i64, _>(3).unwrap(),
        1,
        "a template set is practice"
    );
    let device: Option<String> = sqlx::query("SELECT commune_code FROM devices")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(device.as_deref(), Some("04792"));
    // The old reviewer is commune staff of 04792, who must be given a password to sign in.
    let province = Scope {
        province: "25".into(),
        commune: None,
    };
    let all = staff::list(&db, &province).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].role, Role::CommuneReviewer);
    assert_eq!(all[0].commune_code.as_deref(), Some("04792"));
    assert!(!all[0].has_password);
    // The queue finds the household by name without diacritics, in the commune's scope only.
    let scope = Scope {
        province: "25".into(),
        commune: Some("04792".into()),
    };
    let found = review::page(
        &db,
        &scope,
        &review::Filter {
            q: Some("nguyen van an".into()),
            ..review::Filter::default()
        },
        review::Sort::Newest,
        &review::PageAt::First,
    )
    .await
    .unwrap();
    assert_eq!(found.rows.len(), 1);
    let other = Scope {
        province: "25".into(),
        commune: Some("04795".into()),
    };
    let none = review::count(&db, &other, &review::Filter::default())
        .await
        .unwrap();
    assert_eq!(none, 0);

    // A correction that arrived before its parent: when the parent's row lands, it is
    // superseded (the queue and the reports count only the correction).
    let mut conn = db.pool.acquire().await.unwrap();
    sqlx::query(
        "INSERT INTO assessments (id, device_id, subject_kind, subject_id, hamlet_id, model, year,
             criteria_id, criteria_version, criteria_sha256, content, content_sha256, device_status,
             device_total, mismatch, evidence_count, received_at, parent_id, revision)
         VALUES ('01900000-0000-7000-8000-000000000009', '01900000-0000-7000-8000-000000000003',
             'household', '01900000-0000-7000-8000-000000000002', NULL, 'gia_dinh', 2025,
             'template-gia-dinh', 1, 'cc', '{}', 'ee', 'passed', 9100, 0, 0,
             '2025-06-02T00:00:00.000Z', '01900000-0000-7000-8000-000000000004', 2)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    review::mark_superseded(
        &mut conn,
        &[
            "01900000-0000-7000-8000-000000000004",
            "01900000-0000-7000-8000-000000000009",
        ],
    )
    .await
    .unwrap();
    let flags: Vec<(String, i64)> =
        sqlx::query("SELECT id, superseded FROM assessments ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
            .collect();
    assert_eq!(
        flags,
        vec![
            ("01900000-0000-7000-8000-000000000004".to_string(), 1),
            ("01900000-0000-7000-8000-000000000009".to_string(), 0),
        ]
    );
    drop(conn);

    // Upgraded == fresh: the same tables, columns and indexes.
    let upgraded = shape(&db.pool).await;
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = Db::open(&sqlite_url(fresh_dir.path())).await.unwrap();
    assert_eq!(upgraded, shape(&fresh.pool).await);
}
