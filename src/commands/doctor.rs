//! `sentinelctl doctor`: check an environment end to end and say what to fix.

use super::connect_options;
use crate::args::{DoctorArgs, DoctorFormat};
use crate::exit::ExitStatus;
use crate::ops::doctor::{DoctorRequest, doctor};
use crate::render::doctor as render;
use crate::session::Session;

/// Runs `doctor`: exit 0 when no check failed (warnings allowed), 1 otherwise.
pub fn run(cx: &Session, args: &DoctorArgs) -> anyhow::Result<ExitStatus> {
    let req = DoctorRequest {
        env: args.env.clone(),
        connect: connect_options(cx, &args.arm, 4)?,
    };
    let report = doctor(cx, &req)?;
    cx.printer.stdout(|out| match args.format {
        DoctorFormat::Human => render::human(out, &report),
        DoctorFormat::Json => render::json(out, &report),
    })?;
    Ok(if report.healthy() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
