#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod config;
pub mod opendkim;
mod protocol;
pub mod server;
mod session;
pub mod state;

pub use config::Config;
pub use server::{Shared, run};
pub use state::State;
