//! End-to-end tests of the real platform through the gateway, on SQLite by default and on
//! MariaDB + Redis with `WAYFARE_TEST_BACKEND=mysql` (scripts/test runs both).

mod admin;
mod auth;
mod catalog;
mod flights;
mod gateway;
mod hardening;
mod helpers;
mod lifecycle;
mod load;
mod shop;
mod shop_crash;
mod storage;
