//! The exclusive advisory lock on `<state_file>.lock` an emulator holds for its lifetime, so two
//! emulators (two `sentinelctl` commands on one embedded environment) never interleave their writes to
//! one state file: the second waits for the first, up to [`crate::Config::state_lock_timeout`], then fails
//! naming the file and the holder's pid (written into the lock file). Uses `std::fs::File::try_lock`
//! (flock on Unix, `LockFileEx` on Windows), released when the file closes. Owns nothing else.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub(crate) struct StateLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub(crate) enum LockError {
    /// Another process (or emulator) held it for the whole wait.
    Held {
        lock_file: PathBuf,
        holder_pid: Option<u32>,
        waited: Duration,
    },
    Io(PathBuf, std::io::Error),
}

/// `<state_file>.lock`
pub(crate) fn lock_path(state_file: &Path) -> PathBuf {
    let mut name = state_file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl StateLock {
    /// Takes the lock for `state_file`, polling every 25 ms for up to `timeout`.
    pub(crate) async fn acquire(state_file: &Path, timeout: Duration) -> Result<Self, LockError> {
        let path = lock_path(state_file);
        let io = |e| LockError::Io(path.clone(), e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Not truncated on open: the holder's pid must stay readable until we hold the lock.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(LockError::Held {
                        lock_file: path.clone(),
                        holder_pid: text.trim().parse().ok(),
                        waited: started.elapsed(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(Self { _file: file, path })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
