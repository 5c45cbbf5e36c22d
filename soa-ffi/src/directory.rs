//! `soa_directory`: an on-premises directory, where the workflow reads AD's values and
//! `whenChanged` (the settle rule, the backups, the rollback's loss report). Any
//! `OnPremisesDirectory` of the core fits; today the simulated organization's AD
//! (`soa_directory_from_sim`).

use std::sync::Arc;

use soa_core::directory::OnPremisesDirectory;

use crate::ffi::{Out, boundary, free_boxed};
use crate::sim::{org, soa_sim};
use crate::status::soa_status;

/// An on-premises directory. It holds what it was made from, so it may outlive that handle.
/// Immutable once made and safe to share between threads. Release with `soa_directory_free`.
pub struct soa_directory {
    pub(crate) directory: Arc<dyn OnPremisesDirectory>,
}

/// Makes a directory on the on-premises AD of `sim` and writes it to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_directory_from_sim(
    sim: *const soa_sim,
    out: *mut *mut soa_directory,
) -> soa_status {
    boundary(|| {
        let org = org(sim)?;
        Out::new(out, "out")?.write_boxed(soa_directory {
            directory: Arc::new(org.clone()),
        });
        Ok(())
    })
}

/// Releases a directory. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_directory_free(directory: *mut soa_directory) {
    free_boxed(directory);
}
