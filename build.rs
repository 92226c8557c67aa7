//! Builds the web app (`web/` → `web/dist`, React + Vite) along with the binary, so the
//! README's one command — `cargo run --release -- serve` — serves the whole product at :8080
//! on a fresh checkout. The gateway serves `web/dist` (or `WAYFARE_WEB_DIR`); without it, a
//! placeholder page.
//!
//! It never fails the Rust build: without npm, or when the web build fails, it says so as a
//! cargo warning and the platform still runs. `WAYFARE_SKIP_WEB_BUILD=1` skips it (CI builds
//! the web app in a step of its own; the container image builds it in its own stage).

use std::path::Path;
use std::process::Command;

fn main() {
    for input in [
        "web/src",
        "web/public",
        "web/index.html",
        "web/package.json",
        "web/package-lock.json",
        "web/vite.config.ts",
        "web/tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={input}");
    }
    println!("cargo:rerun-if-env-changed=WAYFARE_SKIP_WEB_BUILD");
    if std::env::var("WAYFARE_SKIP_WEB_BUILD").is_ok_and(|v| v == "1" || v == "true") {
        return;
    }
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    if !web.join("package.json").is_file() {
        return;
    }
    if Command::new("npm").arg("--version").output().is_err() {
        println!("cargo:warning=npm not found: the web app (web/) is not built; the gateway serves a placeholder page");
        return;
    }
    // Install only when the lock file changed since the last install.
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (
        modified(&web.join("package-lock.json")),
        modified(&installed),
    ) {
        (Some(lock), Some(done)) => lock > done,
        _ => true,
    };
    if stale && !npm(&web, &["ci", "--no-audit", "--no-fund"]) {
        return;
    }
    npm(&web, &["run", "build"]);
}

fn npm(dir: &Path, args: &[&str]) -> bool {
    match Command::new("npm").args(args).current_dir(dir).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            println!(
                "cargo:warning=web app: `npm {}` failed ({}): {}",
                args.join(" "),
                out.status,
                last.unwrap_or("no output")
            );
            false
        }
        Err(err) => {
            println!("cargo:warning=web app: cannot run npm: {err}");
            false
        }
    }
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
