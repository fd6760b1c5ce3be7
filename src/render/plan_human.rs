//! Human plan output, terraform-style: one line per change, field diffs and a KQL diff under
//! updates, a summary line. Coloured when the printer says so.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::escape::line;
use crate::plan::{Action, Plan};

fn symbol(a: Action) -> (&'static str, &'static str, AnsiColor) {
    match a {
        Action::Create => ("+", "create", AnsiColor::Green),
        Action::Update => ("~", "update", AnsiColor::Yellow),
        Action::Adopt => ("&", "adopt", AnsiColor::Cyan),
        Action::Delete => ("-", "delete", AnsiColor::Red),
        Action::Conflict => ("!", "conflict", AnsiColor::Magenta),
        Action::Orphaned => ("?", "orphaned", AnsiColor::Magenta),
        Action::Blocked => ("!", "blocked", AnsiColor::Red),
        Action::Unmanaged => (" ", "unmanaged", AnsiColor::BrightBlack),
        Action::NoOp => (" ", "unchanged", AnsiColor::BrightBlack),
    }
}

/// Short JSON text of a value for one-line display.
pub(crate) fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(117).collect::<String>())
    } else {
        s
    }
}

/// Up to ten search keys of `items`, quoted, and how many more there are.
pub(crate) fn item_keys(items: &[crate::plan::ItemChange]) -> String {
    let mut shown: Vec<String> = items
        .iter()
        .take(10)
        .map(|i| format!("`{}`", i.key))
        .collect();
    if items.len() > 10 {
        shown.push(format!("… and {} more", items.len() - 10));
    }
    shown.join(", ")
}

/// Writes the plan.
pub fn render(out: &mut dyn Write, plan: &Plan, color: bool) -> io::Result<()> {
    let paint = |c: AnsiColor| if color { c.on_default() } else { Style::new() };
    let bold = if color {
        Style::new().bold()
    } else {
        Style::new()
    };
    writeln!(
        out,
        "{bold}Plan for environment `{}`{bold:#} ({})\n",
        line(&plan.environment),
        line(&plan.workspace_id)
    )?;
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let (sym, word, colour) = symbol(c.action);
        let st = paint(colour);
        writeln!(
            out,
            "  {st}{sym} {word:<9}{st:#} {:<9} {bold}{}{bold:#} ({})",
            c.kind.as_str(),
            line(&c.display_name),
            line(&c.name)
        )?;
        for f in &c.fields {
            if f.path == "query" && c.query_diff.is_some() {
                continue;
            }
            writeln!(
                out,
                "        {}: {} → {}",
                line(&f.path),
                short(&f.before),
                short(&f.after)
            )?;
        }
        if let Some(items) = &c.items {
            for (word, list) in [
                ("add", &items.added),
                ("change", &items.changed),
                ("remove", &items.removed),
            ] {
                if !list.is_empty() {
                    writeln!(
                        out,
                        "        items to {word} ({}): {}",
                        list.len(),
                        line(&item_keys(list))
                    )?;
                }
            }
        }
        if let Some(diff) = &c.query_diff {
            writeln!(out, "        query:")?;
            for text in diff.lines() {
                let st = match text.chars().next() {
                    Some('+') if !text.starts_with("+++") => paint(AnsiColor::Green),
                    Some('-') if !text.starts_with("---") => paint(AnsiColor::Red),
                    _ => Style::new(),
                };
                writeln!(out, "          {st}{}{st:#}", line(text))?;
            }
        }
        match c.action {
            Action::Conflict if c.fields.is_empty() && c.items.is_none() => writeln!(
                out,
                "        exists unmanaged and matches its file exactly; --adopt records ownership without changing it"
            )?,
            Action::Conflict => writeln!(
                out,
                "        exists in the workspace but is not managed by sentinelctl; --adopt takes it over with the changes above"
            )?,
            Action::Orphaned => writeln!(
                out,
                "        removed from code; enable prune in the environment to delete it"
            )?,
            Action::Blocked => writeln!(
                out,
                "        not written: {}",
                line(c.reason.as_deref().unwrap_or("Sentinel would refuse it"))
            )?,
            Action::Adopt if c.fields.is_empty() && c.items.is_none() => writeln!(
                out,
                "        already says what the repository says; adopting only records ownership"
            )?,
            _ => {}
        }
    }
    let noted: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| !c.unmanaged_changed.is_empty())
        .collect();
    if !noted.is_empty() {
        writeln!(
            out,
            "\nUnmanaged fields changed outside code (kept as they are live; sentinelctl does not manage them):"
        )?;
        for c in noted {
            writeln!(
                out,
                "  {:<9} {} ({}): {}",
                c.kind.as_str(),
                line(&c.display_name),
                line(&c.name),
                line(&c.unmanaged_changed.join(", "))
            )?;
        }
    }
    let s = &plan.summary;
    if plan.has_changes() {
        writeln!(
            out,
            "\n{bold}Plan:{bold:#} {} to create, {} to update, {} to adopt, {} to delete; {} unchanged, {} unmanaged.",
            s.create, s.update, s.adopt, s.delete, s.unchanged, s.unmanaged
        )?;
    } else {
        writeln!(
            out,
            "{bold}No changes.{bold:#} The workspace matches the repository ({} unchanged, {} unmanaged).",
            s.unchanged, s.unmanaged
        )?;
    }
    if s.conflict > 0 {
        writeln!(
            out,
            "{} resource(s) exist unmanaged under names this repository uses: rerun with --adopt.",
            s.conflict
        )?;
    }
    if s.blocked > 0 {
        writeln!(
            out,
            "{} rule(s) blocked: Sentinel would refuse them (see above); apply leaves them out.",
            s.blocked
        )?;
    }
    if let Some(why) = &plan.prune_blocked {
        writeln!(
            out,
            "{}apply will refuse:{:#} {}; pass --force-prune if that is intended.",
            paint(AnsiColor::Red),
            paint(AnsiColor::Red),
            line(why)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_output() {
        let mut out = Vec::new();
        render(&mut out, &crate::render::tests::sample_plan(), false).unwrap();
        crate::render::tests::assert_golden("plan_human.txt", &String::from_utf8(out).unwrap());
    }
}
