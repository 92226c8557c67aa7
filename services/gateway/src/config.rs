//! The gateway's settings live in `[gateway]` of the shared configuration
//! (`wayfare_chassis::config::GatewaySettings`); this resolves the web directory.

use std::path::PathBuf;

use wayfare_chassis::config::Settings;

/// The built web app: the configured directory, else `web/dist` when present.
pub fn web_dir(settings: &Settings) -> Option<PathBuf> {
    settings
        .gateway
        .web_dir
        .clone()
        .or_else(|| Some(PathBuf::from("web/dist")))
        .filter(|dir| dir.join("index.html").is_file())
}
