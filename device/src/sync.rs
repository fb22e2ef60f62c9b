//! Sync of a device: enrollment, a full run over a transport, and sans-IO machines for shells
//! that drive their own HTTP (an iOS background `URLSession`), with the photo folder as the
//! source of upload bytes.

use crate::{Device, DeviceError};
use hoctap_evidence::store::photo_path;
use hoctap_store::outbox::Enrollment;
use hoctap_sync::run::{run_sync, CancelHandle, ProgressSink, RetryPolicy, RunResult};
use hoctap_sync::{BlobSource, StoreOutbox, SyncError, SyncMachine, SyncOptions, Transport};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

/// Photo bytes from the content-addressed photo folder.
#[derive(Debug, Clone)]
pub struct PhotoFolder(pub PathBuf);

impl BlobSource for PhotoFolder {
    fn read_range(&self, sha256: &str, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let mut f = std::fs::File::open(photo_path(&self.0, sha256))?;
        f.seek(SeekFrom::Start(offset))?;
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        f.take(len).read_to_end(&mut buf)?;
        if (buf.len() as u64) < len {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "photo file shorter than recorded",
            ));
        }
        Ok(buf)
    }
}

impl Device {
    /// The photo folder as a sync blob source.
    pub fn blob_source(&self) -> Arc<dyn BlobSource> {
        Arc::new(PhotoFolder(self.evidence_dir()))
    }

    /// Enroll with `server` using a one-time `code`.
    pub fn enroll(
        &self,
        transport: &dyn Transport,
        server: &str,
        code: &str,
        device_name: Option<String>,
    ) -> Result<Enrollment, DeviceError> {
        Ok(hoctap_sync::enroll::enroll(
            &self.store,
            transport,
            server,
            code,
            device_name,
        )?)
    }

    /// Run one sync to its end over `transport`.
    pub fn sync(
        &self,
        transport: &dyn Transport,
        options: SyncOptions,
        policy: &RetryPolicy,
        progress: &dyn ProgressSink,
        cancel: &CancelHandle,
    ) -> RunResult {
        run_sync(
            &self.store,
            transport,
            self.blob_source(),
            options,
            policy,
            progress,
            cancel,
        )
    }

    /// A sans-IO machine for one run, for a shell that sends the requests itself; drive it with
    /// [`StoreOutbox`] over [`Device::store`]. Fails with `NotEnrolled` before enrollment.
    pub fn sync_machine(&self, options: SyncOptions) -> Result<SyncMachine, DeviceError> {
        let enrollment = self.store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
        Ok(SyncMachine::new(
            &mut StoreOutbox(&self.store),
            enrollment.token,
            options,
            Arc::clone(self.store.clock()),
            self.blob_source(),
        )?)
    }
}
