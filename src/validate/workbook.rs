//! Checks on workbook metadata (`workbooks/<stem>.yaml`): version and key.

use super::rule::is_version;
use crate::diag::{Diagnostic, codes};
use crate::load::WorkbookFile;

/// Checks one workbook's metadata.
pub fn check_workbook(wb: &WorkbookFile, out: &mut Vec<Diagnostic>) {
    let l = &wb.loaded;
    if let Some(v) = l.raw.version.as_deref().filter(|v| !is_version(v)) {
        out.push(
            Diagnostic::error(
                codes::VERSION,
                l.file,
                format!("`{v}` is not a version like `1.0.0`"),
            )
            .at(l.span(&["version"])),
        );
    }
    if let Some(name) = &l.raw.name
        && let Err(why) = crate::model::names::check(crate::model::ResourceKind::Workbook, name)
    {
        out.push(
            Diagnostic::error(codes::RESOURCE_NAME, l.file, why)
                .at(l.span(&["name"]))
                .help("remove `name` to derive the GUID from `key`, or give the workbook's existing GUID"),
        );
    }
    if let Some(c) = l
        .raw
        .category
        .as_deref()
        .filter(|c| !crate::model::workbook::CATEGORIES.contains(c))
    {
        out.push(
            Diagnostic::error(
                codes::WORKBOOK,
                l.file,
                format!("`{c}` is not a workbook category"),
            )
            .at(l.span(&["category"]))
            .help(format!(
                "use one of {}",
                crate::model::workbook::CATEGORIES.join(", ")
            )),
        );
    }
    if l.raw.key.trim().is_empty() || l.raw.key.chars().any(char::is_whitespace) {
        out.push(
            Diagnostic::error(
                codes::WORKBOOK,
                l.file,
                "`key` must be a non-empty word without spaces",
            )
            .at(l.span(&["key"])),
        );
    }
}
