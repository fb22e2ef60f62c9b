//! The app core driven as a shell would drive it: every event dispatched in order, every
//! effect performed — tasks run on this thread (or held back to simulate a process killed
//! mid-task), camera and gallery results written from real photos, the real server on
//! loopback for enrollment and sync. Shared by the app's integration tests.
#![allow(dead_code)]

use hoctap_app::view::*;
use hoctap_app::{AppCore, AppOptions, Effect, Event, Target, Task, TaskKind};
use hoctap_domain::model::{Schooling, Sex};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use std::path::{Path, PathBuf};

pub use hoctap_test_support::{add_hamlet, enroll_code, Backend, Env, Server};

/// The year the tests assess (every shipped set covers it).
pub const YEAR: i32 = 2026;

/// A real photo from the shared test data.
pub fn photo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/photos")
        .join(rel)
}

/// Options for tests: the year fixed, fast sync retries.
pub fn options() -> AppOptions {
    AppOptions {
        year: Some(YEAR),
        sync_retry_base_ms: 5,
        sync_max_retries: 2,
        photo_disk_reserve: 0,
        ..AppOptions::default()
    }
}

/// A phone: the core on a data directory, and everything the platform did.
pub struct Phone {
    pub dir: PathBuf,
    pub core: Option<AppCore>,
    pub options: AppOptions,
    /// Tasks asked for and not run yet.
    pub pending_tasks: Vec<Task>,
    /// Run tasks as soon as they are asked for.
    pub run_tasks: bool,
    /// Every effect other than Render and RunTask, in order.
    pub effects: Vec<Effect>,
    pub renders: usize,
}

impl Phone {
    pub fn open(dir: &Path) -> Phone {
        Phone::open_with(dir, options())
    }

    pub fn open_with(dir: &Path, options: AppOptions) -> Phone {
        let core = AppCore::open(dir, options.clone()).expect("open core");
        let mut p = Phone {
            dir: dir.to_path_buf(),
            core: Some(core),
            options,
            pending_tasks: Vec::new(),
            run_tasks: true,
            effects: Vec::new(),
            renders: 0,
        };
        p.send(Event::Started);
        p
    }

    pub fn core(&self) -> &AppCore {
        self.core.as_ref().expect("core")
    }

    /// The process dies: the core is dropped with whatever was in flight.
    pub fn kill(&mut self) {
        self.core = None;
        self.pending_tasks.clear();
    }

    /// The OS starts the app again on the same data.
    pub fn restart(&mut self) {
        self.kill();
        let options = self.options.clone();
        self.core = Some(AppCore::open(&self.dir, options).expect("reopen core"));
        self.send(Event::Started);
    }

    /// Dispatch an event and perform its effects (tasks run here unless held).
    pub fn send(&mut self, event: Event) -> Vec<Effect> {
        let fx = self.core.as_mut().expect("core").dispatch(event);
        assert_eq!(
            fx.last(),
            Some(&Effect::Render),
            "Render comes last: {fx:?}"
        );
        let mut queue = Vec::new();
        for e in &fx {
            match e {
                Effect::Render => self.renders += 1,
                Effect::RunTask { task } => queue.push(task.clone()),
                other => self.effects.push(other.clone()),
            }
        }
        self.pending_tasks.extend(queue);
        if self.run_tasks {
            self.run_pending();
        }
        fx
    }

    /// Run the tasks asked for so far (and those their results ask for).
    pub fn run_pending(&mut self) {
        while !self.pending_tasks.is_empty() {
            let task = self.pending_tasks.remove(0);
            let runner = self.core().task_runner();
            let event = runner.run(task);
            self.send(event);
        }
    }

    pub fn view(&self) -> ViewModel {
        self.core().view()
    }

    pub fn open_target(&mut self, t: Target) {
        self.send(Event::Open { target: t });
    }

    pub fn message(&self) -> String {
        self.view().message.map(|m| m.text).unwrap_or_default()
    }

    pub fn store(&self) -> &hoctap_store::Store {
        self.core().device().store()
    }

    pub fn assessment(&self) -> AssessmentView {
        match self.view().screen {
            ScreenView::Assessment(a) => a,
            other => panic!("not the assessment screen: {other:?}"),
        }
    }

    pub fn household_list(&self) -> HouseholdListView {
        match self.view().screen {
            ScreenView::Households(l) => l,
            other => panic!("not the household list: {other:?}"),
        }
    }

    pub fn household(&self) -> HouseholdView {
        match self.view().screen {
            ScreenView::Household(h) => h,
            other => panic!("not a household: {other:?}"),
        }
    }

    /// The last capture effect's (capture id, target path).
    pub fn last_capture(&self) -> (String, String) {
        self.effects
            .iter()
            .rev()
            .find_map(|e| match e {
                Effect::CapturePhoto {
                    capture_id,
                    target_path,
                }
                | Effect::PickPhoto {
                    capture_id,
                    target_path,
                } => Some((capture_id.clone(), target_path.clone())),
                _ => None,
            })
            .expect("a capture effect")
    }

    /// The camera writes a real photo where the core asked.
    pub fn camera_writes(&self, target: &str, rel: &str) {
        std::fs::copy(photo(rel), target).expect("write capture");
    }

    pub fn indicator(&self, id: &str) -> IndicatorView {
        self.assessment()
            .criteria
            .into_iter()
            .flat_map(|c| c.indicators)
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("no indicator {id}"))
    }

    pub fn task_kinds(&self) -> Vec<TaskKind> {
        self.pending_tasks.iter().map(|t| t.kind.clone()).collect()
    }
}

/// A device with a hamlet, households and members made on the device (no server).
pub struct Roster {
    pub hamlet: String,
    /// Nguyễn Văn Bình (two adults, one child).
    pub binh: String,
    pub binh_members: Vec<String>,
    /// Lê Thị Ánh.
    pub anh: String,
    /// Trần Văn Cường.
    pub cuong: String,
}

pub fn seed(phone: &Phone) -> Roster {
    let store = phone.store();
    let hamlet = store
        .add_hamlet(&NewHamlet {
            name: "Thôn Đông".into(),
            ..Default::default()
        })
        .expect("hamlet")
        .id;
    let add = |head: &str| {
        store
            .add_household(&NewHousehold {
                hamlet_id: hamlet.clone(),
                head: head.into(),
                address: Some("Xóm 1".into()),
                ..Default::default()
            })
            .expect("household")
            .id
    };
    let binh = add("Nguyễn Văn Bình");
    let anh = add("Lê Thị Ánh");
    let cuong = add("Trần Văn Cường");
    let member = |h: &str, name: &str, by: i32, sex: Sex, s: Schooling| {
        store
            .add_member(
                h,
                &NewMember {
                    name: name.into(),
                    birth_year: Some(by),
                    sex: Some(sex),
                    schooling: Some(s),
                    literate: Some(true),
                    ..Default::default()
                },
            )
            .expect("member")
            .id
    };
    let binh_members = vec![
        member(
            &binh,
            "Nguyễn Văn Bình",
            1975,
            Sex::Male,
            Schooling::Finished,
        ),
        member(
            &binh,
            "Trần Thị Hoa",
            1978,
            Sex::Female,
            Schooling::Finished,
        ),
        member(
            &binh,
            "Nguyễn Minh Anh",
            2014,
            Sex::Female,
            Schooling::InSchool,
        ),
    ];
    member(&anh, "Lê Thị Ánh", 1968, Sex::Female, Schooling::Finished);
    Roster {
        hamlet,
        binh,
        binh_members,
        anh,
        cuong,
    }
}

/// The real server binary (`hoctap-server`), built by cargo into this target directory if
/// needed (a no-op when it is fresh; cargo allows it while tests run).
pub fn server_bin() -> PathBuf {
    hoctap_test_support::cargo_built_server()
}

/// A server with a commune, Thôn Đông and Thôn Tây, and a roster for Thôn Đông.
pub fn server() -> (Env, Server) {
    let env = Env::new(server_bin(), Backend::Sqlite);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    add_hamlet(&env, "Thôn Đông");
    add_hamlet(&env, "Thôn Tây");
    let roster = env.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "hamlet,household,head,address,member,birth_year,sex,schooling,literate\n\
         Thôn Đông,D01,Nguyễn Văn Bình,Xóm 1,Nguyễn Văn Bình,1975,nam,finished,có\n\
         Thôn Đông,D01,,,Trần Thị Hoa,1978,nữ,finished,có\n\
         Thôn Đông,D02,Lê Thị Ánh,Xóm 2,Lê Thị Ánh,1968,nữ,finished,có\n\
         Thôn Tây,T01,Phạm Đức Anh,Xóm 3,Phạm Đức Anh,1982,nam,finished,có\n",
    )
    .expect("roster");
    env.admin_ok(&["import", "roster", roster.to_str().expect("path")]);
    let server = env.serve(&[]);
    (env, server)
}

/// Enroll a phone through the enrollment screen with a typed code.
pub fn enroll(phone: &mut Phone, env: &Env, server: &Server) {
    let code = enroll_code(env, &["Thôn Đông"]);
    phone.open_target(Target::Enrollment);
    phone.send(Event::EnrollServerChanged { text: server.url() });
    phone.send(Event::EnrollCodeChanged { text: code });
    phone.send(Event::EnrollSubmit);
}
