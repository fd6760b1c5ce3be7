//! `sentinelctl simulate`: replay log files through the detections and list the alerts.

use crate::args::{SimulateArgs, SimulateFormat};
use crate::exit::ExitStatus;
use crate::ops::simulate::{SimulateRequest, When, parse_time, replay};
use crate::render::runs;
use crate::session::Session;

/// Runs `simulate`.
pub fn run(cx: &Session, args: &SimulateArgs) -> anyhow::Result<ExitStatus> {
    let when = match (&args.from, &args.to, &args.at) {
        (Some(from), Some(to), _) => {
            When::Range(parse_time(from, "--from")?, parse_time(to, "--to")?)
        }
        (_, _, Some(at)) => When::At(parse_time(at, "--at")?),
        _ => {
            anyhow::bail!("say when: --from T1 --to T2 (every scheduled run), or --at T (one run)")
        }
    };
    let req = SimulateRequest {
        data: args.data.clone(),
        when,
        filters: args.filters.clone(),
    };
    let replays = replay(cx, &req)?;
    cx.printer.stdout(|out| match args.format {
        SimulateFormat::Human => runs::simulate_human(out, &replays),
        SimulateFormat::Json => runs::simulate_json(out, &replays),
    })?;
    Ok(if replays.iter().any(|r| r.error.is_some()) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
