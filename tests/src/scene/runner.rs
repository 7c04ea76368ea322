//! The body of `scene-proc`, the one small program that plays containerd, the shims, pause and
//! the apps: its role comes from the environment, its name from the file it was started as.
//!
//! Between `clone` and `execve` a child may only make async-signal-safe system calls, so every
//! string is prepared before the clone and failures travel back as two bytes on a pipe.

use super::plan::{ChildPlan, ProcPlan, ShimPlan, PLAN_ENV, READY_ENV, READY_FD};
use super::plan::{format_report, ShimReport};
use std::ffi::{CString, NulError};
use std::io::Write;
use std::os::raw::{c_char, c_int};

/// Runs the role named in the environment; never returns.
pub fn main() -> ! {
    let plan = match std::env::var(PLAN_ENV) {
        Ok(text) => serde_json::from_str::<ProcPlan>(&text),
        Err(_) => {
            eprintln!("scene-proc: started without {PLAN_ENV}; it is run by the scene builder");
            std::process::exit(2);
        }
    };
    match plan {
        Ok(ProcPlan::Sleep) => {
            close_ready();
            sleep_forever()
        }
        Ok(ProcPlan::App { workers }) => {
            if let Err(message) = start_workers(&workers) {
                eprintln!("scene-proc: {message}");
                std::process::exit(1);
            }
            close_ready();
            reap_forever()
        }
        Ok(ProcPlan::Shim(plan)) => run_shim(&plan),
        Err(e) => {
            eprintln!("scene-proc: bad {PLAN_ENV}: {e}");
            std::process::exit(2);
        }
    }
}

fn close_ready() {
    if std::env::var_os(READY_ENV).is_some() {
        // SAFETY: READY_FD is the ready pipe the builder handed down; nothing else uses it.
        unsafe { libc::close(READY_FD) };
    }
}

fn sleep_forever() -> ! {
    loop {
        // SAFETY: pause has no preconditions.
        unsafe { libc::pause() };
    }
}

/// Reaps children as they die, then sleeps: a shim or an app main process must not leave
/// zombies behind when the scene is torn down.
fn reap_forever() -> ! {
    loop {
        // SAFETY: a null status pointer is allowed.
        let result = unsafe { libc::waitpid(-1, std::ptr::null_mut(), 0) };
        if result < 0 && errno() == libc::ECHILD {
            sleep_forever();
        }
    }
}

fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// argv or envp as C expects it: owned strings plus a null-terminated pointer array.
struct CStrings {
    _owned: Vec<CString>,
    pointers: Vec<*const c_char>,
}

impl CStrings {
    fn new<S: AsRef<str>>(items: &[S]) -> Result<CStrings, NulError> {
        let owned: Vec<CString> = items
            .iter()
            .map(|s| CString::new(s.as_ref()))
            .collect::<Result<_, _>>()?;
        let mut pointers: Vec<*const c_char> = owned.iter().map(|s| s.as_ptr()).collect();
        pointers.push(std::ptr::null());
        Ok(CStrings {
            _owned: owned,
            pointers,
        })
    }
}

fn child_env(then: &ProcPlan) -> Result<Vec<String>, String> {
    let plan = serde_json::to_string(then).map_err(|e| format!("plan: {e}"))?;
    let mut env = vec![format!("{PLAN_ENV}={plan}")];
    if std::env::var_os(READY_ENV).is_some() {
        env.push(format!("{READY_ENV}={READY_FD}"));
    }
    Ok(env)
}

fn start_workers(workers: &[Vec<String>]) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let exe = CString::new(exe.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    let env = CStrings::new(&child_env(&ProcPlan::Sleep)?).map_err(|e| e.to_string())?;
    for argv in workers {
        let argv = CStrings::new(argv).map_err(|e| e.to_string())?;
        // SAFETY: this process is single-threaded, and the child only calls execve and _exit.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: pointers come from live CStrings, arrays are null-terminated.
            unsafe {
                libc::execve(exe.as_ptr(), argv.pointers.as_ptr(), env.pointers.as_ptr());
                libc::_exit(127);
            }
        }
        if pid < 0 {
            return Err(format!("fork: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// Everything one child needs, made before the clone.
struct PreparedChild {
    exe: CString,
    argv: CStrings,
    env: CStrings,
    cgroup_procs: Vec<CString>,
    hostname: Option<CString>,
}

impl PreparedChild {
    fn new(plan: &ChildPlan, hostname: Option<&str>) -> Result<PreparedChild, String> {
        let c = |bytes: &[u8]| CString::new(bytes).map_err(|e| e.to_string());
        Ok(PreparedChild {
            exe: c(plan.exe.as_os_str().as_encoded_bytes())?,
            argv: CStrings::new(&plan.argv).map_err(|e| e.to_string())?,
            env: CStrings::new(&child_env(&plan.then)?).map_err(|e| e.to_string())?,
            cgroup_procs: plan
                .cgroup_procs
                .iter()
                .map(|p| c(p.as_os_str().as_encoded_bytes()))
                .collect::<Result<_, _>>()?,
            hostname: hostname.map(|h| c(h.as_bytes())).transpose()?,
        })
    }
}

/// The steps a child can fail at, sent back as the first byte of its error message.
const STEP_NAMES: [&str; 6] = ["", "setns", "open cgroup.procs", "write cgroup.procs", "sethostname", "execve"];

/// Sends (step, errno) up the error pipe and exits; async-signal-safe.
unsafe fn child_fail(pipe: c_int, step: u8) -> ! {
    let code = *libc::__errno_location();
    let mut message = [0u8; 5];
    message[0] = step;
    message[1..].copy_from_slice(&code.to_ne_bytes());
    libc::write(pipe, message.as_ptr().cast(), message.len());
    libc::_exit(127)
}

/// Clones a child with `flags` (plus SIGCHLD, so this process is a normal parent), joins the
/// namespaces in `joins`, writes itself into its cgroups, and execs. Returns its pid once the
/// exec succeeded (the close-on-exec error pipe reads end-of-file).
fn spawn(child: &PreparedChild, flags: c_int, joins: &[(c_int, c_int)], devnull: c_int) -> Result<u32, String> {
    let mut pipe = [0 as c_int; 2];
    // SAFETY: pipe points at two ints.
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    let [read_end, write_end] = pipe;
    // SAFETY: without CLONE_VM and with a null stack the child gets a copy of this process, as
    // with fork; from here to execve it only makes async-signal-safe system calls on memory
    // prepared beforehand.
    let pid = unsafe {
        libc::syscall(libc::SYS_clone, (flags | libc::SIGCHLD) as libc::c_ulong, 0usize, 0usize, 0usize, 0usize)
    };
    if pid == 0 {
        // SAFETY: see above; every pointer comes from `child`, alive in the copied memory.
        unsafe {
            libc::close(read_end);
            for &(fd, nstype) in joins {
                if libc::setns(fd, nstype) != 0 {
                    child_fail(write_end, 1);
                }
            }
            for path in &child.cgroup_procs {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    child_fail(write_end, 2);
                }
                if libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                    child_fail(write_end, 3);
                }
                libc::close(fd);
            }
            if let Some(name) = &child.hostname {
                if libc::sethostname(name.as_ptr(), name.as_bytes().len()) != 0 {
                    child_fail(write_end, 4);
                }
            }
            for target in 0..3 {
                libc::dup2(devnull, target);
            }
            libc::execve(child.exe.as_ptr(), child.argv.pointers.as_ptr(), child.env.pointers.as_ptr());
            child_fail(write_end, 5);
        }
    }
    let clone_error = std::io::Error::last_os_error();
    // SAFETY: closing our copy of the write end, which we own.
    unsafe { libc::close(write_end) };
    if pid < 0 {
        // SAFETY: we own the read end.
        unsafe { libc::close(read_end) };
        return Err(format!("clone: {clone_error}"));
    }
    let mut message = [0u8; 5];
    let mut got = 0;
    while got < message.len() {
        // SAFETY: reading into the unfilled tail of `message`.
        let n = unsafe { libc::read(read_end, message[got..].as_mut_ptr().cast(), message.len() - got) };
        if n < 0 && errno() == libc::EINTR {
            continue;
        }
        if n <= 0 {
            break;
        }
        got += n as usize;
    }
    // SAFETY: we own the read end.
    unsafe { libc::close(read_end) };
    if got == 0 {
        return Ok(pid as u32);
    }
    let step = STEP_NAMES.get(message[0] as usize).copied().unwrap_or("unknown step");
    let mut code = [0u8; 4];
    code.copy_from_slice(&message[1..5]);
    let os_error = std::io::Error::from_raw_os_error(i32::from_ne_bytes(code));
    Err(format!("{step}: {os_error}"))
}

fn open_ns(pid: u32, name: &str) -> Result<c_int, String> {
    let path = CString::new(format!("/proc/{pid}/ns/{name}")).map_err(|e| e.to_string())?;
    // SAFETY: path is a valid C string.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(format!("open /proc/{pid}/ns/{name}: {}", std::io::Error::last_os_error()));
    }
    Ok(fd)
}

fn start_pod(plan: &ShimPlan) -> Result<ShimReport, String> {
    let devnull_path = CString::new("/dev/null").map_err(|e| e.to_string())?;
    // SAFETY: valid C string.
    let devnull = unsafe { libc::open(devnull_path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if devnull < 0 {
        return Err(format!("open /dev/null: {}", std::io::Error::last_os_error()));
    }
    let sandbox = PreparedChild::new(&plan.sandbox, plan.new_uts.then_some(plan.hostname.as_str()))?;
    let apps = plan
        .apps
        .iter()
        .map(|app| PreparedChild::new(app, None))
        .collect::<Result<Vec<_>, _>>()?;

    let mut flags = libc::CLONE_NEWIPC | libc::CLONE_NEWPID | libc::CLONE_NEWNS;
    if plan.new_net {
        flags |= libc::CLONE_NEWNET;
    }
    if plan.new_uts {
        flags |= libc::CLONE_NEWUTS;
    }
    let sandbox_pid = spawn(&sandbox, flags, &[], devnull)?;

    let joins = [
        (open_ns(sandbox_pid, "net")?, libc::CLONE_NEWNET),
        (open_ns(sandbox_pid, "ipc")?, libc::CLONE_NEWIPC),
        (open_ns(sandbox_pid, "uts")?, libc::CLONE_NEWUTS),
    ];
    let mut app_flags = libc::CLONE_NEWNS | libc::CLONE_NEWPID;
    if plan.share_pid {
        let pid_ns = open_ns(sandbox_pid, "pid")?;
        // SAFETY: pid_ns is an open namespace file; this changes where our children are born.
        if unsafe { libc::setns(pid_ns, libc::CLONE_NEWPID) } != 0 {
            return Err(format!("setns pid: {}", std::io::Error::last_os_error()));
        }
        app_flags = libc::CLONE_NEWNS;
    }
    let app_pids = apps
        .iter()
        .map(|app| spawn(app, app_flags, &joins, devnull))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ShimReport { sandbox_pid, app_pids })
}

fn run_shim(plan: &ShimPlan) -> ! {
    let line = match start_pod(plan) {
        Ok(report) => format_report(&report),
        Err(message) => format!("error {message}\n"),
    };
    let mut stdout = std::io::stdout();
    // The builder waits for this line; if it cannot be written the builder times out and says so.
    let _ = stdout.write_all(line.as_bytes());
    let _ = stdout.flush();
    // SAFETY: swapping our stdout for /dev/null, so the builder's pipe closes.
    unsafe {
        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if devnull >= 0 {
            libc::dup2(devnull, 1);
            libc::close(devnull);
        }
    }
    close_ready();
    reap_forever()
}
