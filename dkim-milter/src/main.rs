//! `dkim-milter`: sign and verify DKIM in front of Postfix or Sendmail.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dkim_milter::{Config, Shared, State};

/// A DKIM signing and verifying milter (RFC 6376, RFC 8463, RFC 8601).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The configuration file (TOML; see the README).
    #[arg(short, long, default_value = "/etc/dkim-milter/dkim-milter.toml")]
    config: PathBuf,
    /// Check the configuration and the keys, then exit (0 when usable).
    #[arg(long)]
    check: bool,
    /// Print the configuration equivalent to this OpenDKIM configuration
    /// file (opendkim.conf), with a comment for each setting that cannot
    /// be carried over, then exit.
    #[arg(long, value_name = "OPENDKIM_CONF")]
    from_opendkim: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if let Some(path) = &args.from_opendkim {
        return match dkim_milter::opendkim::convert_file(path) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("dkim-milter: {e}");
                ExitCode::from(2)
            }
        };
    }
    let state = match Config::load(&args.config).and_then(State::load) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dkim-milter: {e}");
            return ExitCode::from(2);
        }
    };
    for w in &state.warnings {
        tracing::warn!("{w}");
    }
    if args.check {
        println!(
            "{}: ok ({} keys, {} signing rules)",
            args.config.display(),
            state.keys.len(),
            state.config.signing.len()
        );
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dkim-milter: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let shared = Shared::new(state, Some(args.config));
    match runtime.block_on(dkim_milter::run(shared)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dkim-milter: {e}");
            ExitCode::from(2)
        }
    }
}
