//! Sync of a device: enrollment, a full run over a transport, and sans-IO machines for shells
//! that drive their own HTTP (an iOS background `URLSession`), with the photo folder as the
//! source of upload bytes (the clear JPEG, decrypted here when the folder is encrypted: the
//! server protocol is unchanged).

use crate::{Device, DeviceError};
use hoctap_evidence::seal::PhotoKey;
use hoctap_evidence::store::read_photo;
use hoctap_store::outbox::Enrollment;
use hoctap_sync::run::{run_sync, CancelHandle, ProgressSink, RetryPolicy, RunResult};
use hoctap_sync::{BlobSource, StoreOutbox, SyncError, SyncMachine, SyncOptions, Transport};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// Photo bytes from the content-addressed photo folder. A photo is uploaded in chunks: the last
/// one read is kept (decrypted and checked against its hash), so its next chunks cost no
/// decryption.
#[derive(Debug)]
pub struct PhotoFolder {
    dir: PathBuf,
    key: Option<PhotoKey>,
    last: Mutex<Option<(String, Arc<Vec<u8>>)>>,
}

impl PhotoFolder {
    /// The photo folder `dir`, sealed with `key` (`None`: clear files).
    pub fn new(dir: PathBuf, key: Option<PhotoKey>) -> PhotoFolder {
        PhotoFolder {
            dir,
            key,
            last: Mutex::new(None),
        }
    }

    fn photo(&self, sha256: &str) -> std::io::Result<Arc<Vec<u8>>> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((sha, bytes)) = last.as_ref() {
            if sha == sha256 {
                return Ok(Arc::clone(bytes));
            }
        }
        let bytes = Arc::new(read_photo(&self.dir, sha256, self.key.as_ref()).map_err(
            |e| match e {
                hoctap_evidence::EvidenceError::Io { source, .. } => source,
                other => std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
            },
        )?);
        *last = Some((sha256.to_string(), Arc::clone(&bytes)));
        Ok(bytes)
    }
}

impl BlobSource for PhotoFolder {
    fn read_range(&self, sha256: &str, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let photo = self.photo(sha256)?;
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(offset.saturating_add(len)).ok())
            .and_then(|(start, end)| photo.get(start..end));
        match range {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "photo file shorter than recorded",
            )),
        }
    }
}

impl Device {
    /// The photo folder as a sync blob source.
    pub fn blob_source(&self) -> Arc<dyn BlobSource> {
        Arc::new(PhotoFolder::new(
            self.evidence_dir(),
            self.photo_key().cloned(),
        ))
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
