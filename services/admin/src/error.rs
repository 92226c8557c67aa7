//! admin's errors. Admin has few of its own: most answers are the owning service's, passed
//! through unchanged ([`crate::client::Answer`]); its own refusals are plain [`ApiError`]s
//! (403 not an admin, 409 `cannot_change_self`, 422 bad filters).

pub use wayfare_chassis::ApiError as AdminError;
