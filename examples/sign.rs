//! Sign a message with one key: the field to prepend, in one call.
//!
//! Run: `cargo run --example sign`

use std::error::Error;
use std::fs;

use dkim::{PrivateKey, Signer};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");

fn main() -> Result<(), Box<dyn Error>> {
    let key = PrivateKey::from_pem(&fs::read_to_string(format!("{DATA}/ed25519.pem"))?)?;
    let message = fs::read(format!("{DATA}/message.eml"))?;
    // d=example.com, s=2026; t= from the system clock, relaxed/relaxed, the default header set.
    let signer = Signer::builder(key, "example.com", "2026").build()?;
    let field = signer.sign(&message)?;
    print!("{field}");
    // The signed message is the field followed by the message, unchanged.
    print!("{}", String::from_utf8_lossy(&message));
    Ok(())
}
