//! Lowering the collector's own CPU and IO priority so that it does not compete with the node's
//! workloads. Applied before any thread starts: Linux keeps both per thread and new threads
//! inherit them from their creator.

use std::io;

/// The nice value taken by default (the lowest priority).
pub const NICE_VALUE: i32 = 19;

const IOPRIO_WHO_PROCESS: libc::c_long = 1;
const IOPRIO_CLASS_BE: libc::c_long = 2;
const IOPRIO_CLASS_SHIFT: libc::c_long = 13;
/// Best-effort, lowest level: idle class could starve the tarball's own writes on a busy disk.
const IOPRIO_BEST_EFFORT_LOWEST: libc::c_long = (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7;

/// Sets nice 19 and best-effort IO priority 7 for the calling thread. Failures are returned for
/// the caller to mention; they are never fatal.
pub fn lower_own_priority() -> io::Result<()> {
    // SAFETY: plain syscalls on the calling thread (who = 0) with constant arguments.
    let nice_result = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICE_VALUE) };
    if nice_result != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: ioprio_set takes (which, who, ioprio) integers.
    let io_result = unsafe {
        libc::syscall(
            libc::SYS_ioprio_set,
            IOPRIO_WHO_PROCESS,
            0 as libc::c_long,
            IOPRIO_BEST_EFFORT_LOWEST,
        )
    };
    if io_result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
