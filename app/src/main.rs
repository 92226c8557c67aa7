//! `wayfare`: one binary, many targets. `serve` runs every service in one process (the
//! default, embedded SQLite and in-process cache, demo data) or one service per pod
//! (`--target catalog`); `migrate` applies schemas and exits; `seed` loads a large synthetic
//! catalog; `keygen` prints a new token signing key.

/// jemalloc, with its background threads on (see `main`), gives memory freed after a burst
/// back to the system within seconds. glibc's malloc kept the arenas a burst of password hashes
/// grew (19 MiB each), so resident memory never came down again.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use wayfare::{BuildOptions, Platform};
use wayfare_chassis::config::{Overrides, Settings};

/// Exit code for bad configuration (EX_CONFIG from sysexits.h is 78; the issues ask for 64,
/// EX_USAGE, which is also what the command-line parser uses).
const EXIT_CONFIG: u8 = 64;

#[derive(Parser)]
#[command(
    name = "wayfare",
    version,
    about = "Wayfare: a shop and a flight-booking platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run services (all of them by default).
    Serve(Common),
    /// Apply the chosen services' database migrations and exit.
    Migrate(Common),
    /// Load demo data, or a large synthetic catalog with --products N, or a large synthetic
    /// flight schedule with --flights N.
    Seed {
        #[command(flatten)]
        common: Common,
        /// How many synthetic products to add.
        #[arg(long)]
        products: Option<u64>,
        /// How many synthetic flights to add.
        #[arg(long)]
        flights: Option<u64>,
    },
    /// Print a new Ed25519 signing key (PKCS#8 PEM) for WAYFARE_JWT_SIGNING_KEY.
    Keygen,
    /// Print the service registry as a Markdown table (the README's services table).
    Modules,
    /// Drive load through a gateway like Wayfare's users do, and write a report.
    Load(LoadArgs),
}

/// `wayfare load`: see the README ("Load testing").
#[derive(Args, Clone)]
struct LoadArgs {
    /// The gateway to drive (local or remote).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    target: String,
    /// Closed model: this many virtual users, each looping through scenarios.
    #[arg(long, conflicts_with = "rate")]
    users: Option<u32>,
    /// Open model: this many scenario starts per second (Poisson arrivals).
    #[arg(long)]
    rate: Option<f64>,
    /// How long, e.g. 30s, 5m.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    duration: Duration,
    /// Grow to full load over this long.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    ramp: Duration,
    /// Scenario mix: mixed, read-only, hot.
    #[arg(long, default_value = "mixed")]
    mix: wayfare_load::Mix,
    /// Objectives; the exit code is non-zero when one is missed, e.g. "errors=0,p99<250ms".
    #[arg(long, default_value = "")]
    slo: String,
    /// Where the report goes (Markdown, HTML, SVG plots, CSV, JSON).
    #[arg(long, default_value = "load-report")]
    report: PathBuf,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 30s or 5m"))?;
    Ok(Duration::from_secs_f64(value * scale))
}

fn load(args: LoadArgs) -> ExitCode {
    use std::io::IsTerminal;
    let slo = match wayfare_load::Slo::parse_list(&args.slo) {
        Ok(slo) => slo,
        Err(err) => {
            eprintln!("wayfare: --slo: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let users = match (args.users, args.rate) {
        (None, None) => Some(10),
        (users, _) => users,
    };
    let options = wayfare_load::LoadOptions {
        target: args.target,
        users,
        rate: args.rate,
        duration: args.duration,
        ramp: args.ramp,
        mix: args.mix,
        slo,
        report_dir: args.report,
        progress: std::io::stderr().is_terminal(),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("wayfare: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(wayfare_load::run(options)) {
        Ok(outcome) => {
            println!(
                "{} requests, {} errors; report: {}",
                outcome.requests,
                outcome.errors,
                outcome.report.display()
            );
            for missed in &outcome.slo_missed {
                println!("objective missed: {missed}");
            }
            for violation in &outcome.invariant_violations {
                println!("invariant violated: {violation}");
            }
            if outcome.failed() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            eprintln!("wayfare load: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Args, Default, Clone)]
struct Common {
    /// `all`, or comma-separated services (WAYFARE_TARGET).
    #[arg(long)]
    target: Option<String>,
    /// Address to listen on (WAYFARE_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// Directory for embedded databases and keys (WAYFARE_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// TOML configuration file (WAYFARE_CONFIG).
    #[arg(long)]
    config: Option<PathBuf>,
}

impl Common {
    fn settings(&self) -> Result<Settings, ExitCode> {
        let overrides = Overrides {
            target: self.target.clone(),
            listen: self.listen.clone(),
            data_dir: self.data_dir.clone(),
        };
        wayfare::load_settings_from_env(self.config.as_deref(), &overrides).map_err(|err| {
            eprintln!("wayfare: {err}");
            ExitCode::from(EXIT_CONFIG)
        })
    }
}

fn main() -> ExitCode {
    // Purge freed pages on jemalloc's own threads (after its 10 s decay), even while the
    // process is otherwise idle; without this, purging only happens on later allocations.
    if let Err(err) = tikv_jemalloc_ctl::background_thread::write(true) {
        eprintln!("wayfare: jemalloc background purging unavailable: {err}");
    }
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(Common::default()));
    if let Command::Load(args) = command {
        return load(args);
    }
    if let Command::Modules = command {
        print!("{}", wayfare::modules_table());
        return ExitCode::SUCCESS;
    }
    if let Command::Keygen = command {
        return match wayfare_auth::domain::keys::generate_pem() {
            Ok(pem) => {
                print!("{pem}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("wayfare: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let common = match &command {
        Command::Serve(c) | Command::Migrate(c) | Command::Seed { common: c, .. } => c.clone(),
        Command::Keygen | Command::Modules | Command::Load(_) => unreachable!("handled above"),
    };
    let settings = match common.settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("wayfare: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let service_name = format!("wayfare-{}", settings.target.replace(',', "-"));
    let _telemetry = {
        let _guard = runtime.enter();
        wayfare_chassis::telemetry::init(&service_name, settings.log_format, &settings.log_filter)
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Serve(_) => serve(settings).await,
            Command::Migrate(_) => migrate(settings).await,
            Command::Seed {
                products: None,
                flights: Some(flights),
                ..
            } => seed_flights(settings, flights).await,
            Command::Seed { products, .. } => seed(settings, products).await,
            Command::Keygen | Command::Modules | Command::Load(_) => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "wayfare failed");
            eprintln!("wayfare: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let embedded = settings.database_url.is_none() && settings.database_urls.is_empty();
    let data_dir = settings.data_dir.clone();
    let stop = wayfare_chassis::server::shutdown_signal();
    let platform = Platform::build(settings, BuildOptions::default()).await?;
    let addr = platform.local_addr();
    for (name, service_addr) in platform.service_addrs() {
        tracing::info!(service = name, addr = %service_addr, "listening");
    }
    println!("Wayfare is ready: open http://{addr}/ (API under http://{addr}/api/)");
    println!(
        "Operational port: http://{}/readyz and /metrics (not for the public)",
        platform.ops_addr()
    );
    if embedded {
        println!(
            "Embedded data in {} (delete it to start afresh). Ctrl-C stops.",
            data_dir.display()
        );
    }
    platform.run_until_stopped(stop).await
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    for name in settings.targets()? {
        let migrations = wayfare::migrations_for(name);
        if migrations.is_empty() {
            continue;
        }
        let db = wayfare_chassis::db::Db::connect(
            name,
            &settings.database_url_for(name),
            Duration::from_secs(60),
        )
        .await?;
        let applied = db.migrate(migrations).await?;
        println!(
            "{name}: {applied} migration(s) applied, schema at version {}",
            migrations.last().map_or(0, |m| m.version)
        );
    }
    Ok(())
}

/// `wayfare seed --flights N`: a large synthetic schedule between the demo airports, with a
/// progress bar.
async fn seed_flights(settings: Settings, count: u64) -> anyhow::Result<()> {
    let name = wayfare_flight::NAME;
    let db = wayfare_chassis::db::Db::connect(
        name,
        &settings.database_url_for(name),
        Duration::from_secs(60),
    )
    .await?;
    db.migrate(wayfare_flight::migrations::MIGRATIONS).await?;
    let bar = indicatif::ProgressBar::new(count);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} flights ({per_sec}, eta {eta})",
        )
        .expect("static template"),
    );
    let started = std::time::Instant::now();
    let done = wayfare_flight::seed::seed_synthetic(&db, count, |n| bar.set_position(n))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {done} flights in {secs:.1} s ({:.0} flights/s)",
        done as f64 / secs.max(0.001)
    );
    Ok(())
}

async fn seed(settings: Settings, products: Option<u64>) -> anyhow::Result<()> {
    let name = wayfare_catalog::NAME;
    let db = wayfare_chassis::db::Db::connect(
        name,
        &settings.database_url_for(name),
        Duration::from_secs(60),
    )
    .await?;
    db.migrate(wayfare_catalog::migrations::MIGRATIONS).await?;
    let Some(count) = products else {
        let added = wayfare_catalog::seed::seed_demo(&db)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("demo catalog: {added} product(s) added");
        return Ok(());
    };
    let bar = indicatif::ProgressBar::new(count);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} products ({per_sec}, eta {eta})",
        )
        .expect("static template"),
    );
    let started = std::time::Instant::now();
    let done = wayfare_catalog::seed::seed_synthetic(&db, count, |n| bar.set_position(n))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {done} products in {secs:.1} s ({:.0} products/s)",
        done as f64 / secs.max(0.001)
    );
    Ok(())
}
