//! The lifecycle of an assessment and of a subject for a year, as states (not strings) and the
//! rules between them. The store records these states; screens and reports read them through
//! [`SubjectStatus::of`] so that every shell shows the same status for the same data.
//!
//! An assessment is a `draft` until finalized; a finalized one is immutable and moves through the
//! outbox: `local` (finalized before enrollment) or `queued` → `sending` → `sent`, or is returned
//! by a reviewer (`needs_correction`) or set aside with a reason (`wedged`).

crate::coded_enum! {
    /// Draft or finalized.
    pub enum AssessmentState("assessment state") {
        /// Being filled in; every answer autosaved.
        Draft = "draft",
        /// Frozen with its canonical content and hash; never changes, never deleted.
        Finalized = "finalized",
    }
}

crate::coded_enum! {
    /// Where a finalized assessment stands in the outbox.
    pub enum SyncState("sync state") {
        /// Finalized before the device was enrolled; queued at the next sync.
        Local = "local",
        /// Waiting for the next sync.
        Queued = "queued",
        /// In a manifest the server has not answered yet (replayed verbatim).
        Sending = "sending",
        /// The server acknowledged this exact content hash.
        Sent = "sent",
        /// A reviewer returned it with a comment.
        NeedsCorrection = "needs_correction",
        /// Set aside: the server refused it or a photo cannot be read (the reason is kept).
        Wedged = "wedged",
    }
}

impl SyncState {
    /// Not yet acknowledged by the server (and not returned).
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            SyncState::Local | SyncState::Queued | SyncState::Sending | SyncState::Wedged
        )
    }

    /// Vietnamese label.
    pub fn label(self) -> &'static str {
        crate::labels::sync_state(self)
    }
}

crate::coded_enum! {
    /// Where a subject stands for one model and year, from its registration and its latest
    /// assessment (a correction supersedes what it corrects).
    pub enum SubjectStatus("subject status") {
        /// Chưa đăng ký.
        NotRegistered = "not_registered",
        /// Đã đăng ký, chưa đánh giá.
        Registered = "registered",
        /// Đang đánh giá: a draft, including a correction being made.
        Draft = "draft",
        /// Đã chốt, chưa gửi: queued, sending, or set aside by a problem.
        Finalized = "finalized",
        /// Đã gửi: the server acknowledged this exact content.
        Sent = "sent",
        /// Cần sửa: a reviewer returned it with a comment.
        NeedsCorrection = "needs_correction",
        /// Đã công nhận. Not produced yet (the server does not send recognition decisions yet);
        /// present so that shells handle it from the start.
        Recognised = "recognised",
    }
}

impl SubjectStatus {
    /// The status of a subject with this registration and latest assessment (its state and,
    /// when finalized, its outbox state).
    pub fn of(
        registered: bool,
        latest: Option<(AssessmentState, Option<SyncState>)>,
    ) -> SubjectStatus {
        match latest {
            Some((AssessmentState::Draft, _)) => SubjectStatus::Draft,
            Some((AssessmentState::Finalized, Some(SyncState::Sent))) => SubjectStatus::Sent,
            Some((AssessmentState::Finalized, Some(SyncState::NeedsCorrection))) => {
                SubjectStatus::NeedsCorrection
            }
            Some((AssessmentState::Finalized, _)) => SubjectStatus::Finalized,
            None if registered => SubjectStatus::Registered,
            None => SubjectStatus::NotRegistered,
        }
    }

    /// Vietnamese label for a list row or a badge.
    pub fn label(self) -> &'static str {
        crate::labels::subject_status(self)
    }
}

/// Counts of finalized assessments per outbox state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutboxCounts {
    /// `local` and `queued`.
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub needs_correction: u64,
    pub wedged: u64,
}

impl OutboxCounts {
    /// Add `n` assessments in `state`.
    pub fn add(&mut self, state: SyncState, n: u64) {
        match state {
            SyncState::Local | SyncState::Queued => self.queued += n,
            SyncState::Sending => self.sending += n,
            SyncState::Sent => self.sent += n,
            SyncState::NeedsCorrection => self.needs_correction += n,
            SyncState::Wedged => self.wedged += n,
        }
    }

    /// Not yet acknowledged by the server.
    pub fn pending(&self) -> u64 {
        self.queued + self.sending + self.wedged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_status_lifecycle() {
        use AssessmentState::*;
        assert_eq!(SubjectStatus::of(false, None), SubjectStatus::NotRegistered);
        assert_eq!(SubjectStatus::of(true, None), SubjectStatus::Registered);
        assert_eq!(
            SubjectStatus::of(true, Some((Draft, None))),
            SubjectStatus::Draft
        );
        for s in [
            SyncState::Local,
            SyncState::Queued,
            SyncState::Sending,
            SyncState::Wedged,
        ] {
            assert_eq!(
                SubjectStatus::of(true, Some((Finalized, Some(s)))),
                SubjectStatus::Finalized
            );
        }
        assert_eq!(
            SubjectStatus::of(true, Some((Finalized, Some(SyncState::Sent)))),
            SubjectStatus::Sent
        );
        assert_eq!(
            SubjectStatus::of(true, Some((Finalized, Some(SyncState::NeedsCorrection)))),
            SubjectStatus::NeedsCorrection
        );
    }

    #[test]
    fn counts_pending() {
        let mut c = OutboxCounts::default();
        for s in SyncState::ALL {
            c.add(*s, 1);
        }
        assert_eq!(c.queued, 2);
        assert_eq!(c.pending(), 4);
    }
}
