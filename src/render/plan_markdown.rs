//! Markdown plan output, ready to post as a pull-request comment.

use std::io::{self, Write};

use crate::escape::{block, fence, md};
use crate::plan::{Action, Plan};

/// Writes the plan as markdown.
pub fn render(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    writeln!(
        out,
        "### sentinelctl plan: <code>{}</code>\n",
        md(&plan.environment)
    )?;
    summary(out, plan)?;
    changes(out, plan)
}

/// The bold summary line: counts, or "No changes".
pub(crate) fn summary(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    let s = &plan.summary;
    if plan.has_changes() {
        writeln!(
            out,
            "**{} to create, {} to update, {} to adopt, {} to delete**; {} unchanged, {} unmanaged.\n",
            s.create, s.update, s.adopt, s.delete, s.unchanged, s.unmanaged
        )?;
    } else {
        writeln!(
            out,
            "**No changes.** The workspace matches the repository ({} unchanged, {} unmanaged).\n",
            s.unchanged, s.unmanaged
        )?;
    }
    Ok(())
}

/// Everything under the summary line: the change table, each change's fields and query diff, and
/// the [`notes`].
pub(crate) fn changes(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    let rows: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp && c.action != Action::Unmanaged)
        .collect();
    if !rows.is_empty() {
        writeln!(out, "| action | kind | name | fields |\n|---|---|---|---|")?;
        for c in &rows {
            let mut fields: Vec<String> = c
                .fields
                .iter()
                .map(|f| format!("<code>{}</code>", md(&f.path)))
                .collect();
            if let Some(items) = &c.items {
                fields.push(format!("items {}", items.counts()));
            }
            writeln!(
                out,
                "| {:?} | {} | {} | {} |",
                c.action,
                c.kind.as_str(),
                md(&c.display_name),
                fields.join(", ")
            )?;
        }
        writeln!(out)?;
    }
    for c in rows
        .iter()
        .filter(|c| !c.fields.is_empty() || c.items.is_some())
    {
        writeln!(
            out,
            "<details><summary>{} <code>{}</code></summary>\n",
            c.kind.as_str(),
            md(&c.display_name)
        )?;
        for f in c
            .fields
            .iter()
            .filter(|f| f.path != "query" || c.query_diff.is_none())
        {
            writeln!(
                out,
                "- <code>{}</code>: <code>{}</code> → <code>{}</code>",
                md(&f.path),
                md(&super::plan_human::short(&f.before)),
                md(&super::plan_human::short(&f.after))
            )?;
        }
        if let Some(items) = &c.items {
            for (word, list) in [
                ("add", &items.added),
                ("change", &items.changed),
                ("remove", &items.removed),
            ] {
                if !list.is_empty() {
                    let mut keys: Vec<String> = list
                        .iter()
                        .take(10)
                        .map(|i| format!("<code>{}</code>", md(&i.key)))
                        .collect();
                    if list.len() > 10 {
                        keys.push(format!("… and {} more", list.len() - 10));
                    }
                    writeln!(
                        out,
                        "- items to {word} ({}): {}",
                        list.len(),
                        keys.join(", ")
                    )?;
                }
            }
        }
        if let Some(diff) = &c.query_diff {
            let diff = block(diff);
            let f = fence(&diff);
            writeln!(out, "\n{f}diff\n{diff}{f}")?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    notes(out, plan)
}

/// The notes under a plan's changes: blocked rules, unmanaged fields changed, conflicts, a refused
/// prune.
pub(crate) fn notes(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    for c in plan.changes.iter().filter(|c| c.action == Action::Blocked) {
        writeln!(
            out,
            "> **Blocked:** {} <code>{}</code>: {}\n",
            c.kind.as_str(),
            md(&c.display_name),
            md(c.reason.as_deref().unwrap_or("Sentinel would refuse it"))
        )?;
    }
    for c in plan
        .changes
        .iter()
        .filter(|c| !c.unmanaged_changed.is_empty())
    {
        let names = super::code_list(&c.unmanaged_changed);
        writeln!(
            out,
            "> **Note:** {} <code>{}</code>: unmanaged fields changed outside code: {} (kept as they are live).\n",
            c.kind.as_str(),
            md(&c.display_name),
            names
        )?;
    }
    if plan.summary.conflict > 0 {
        writeln!(
            out,
            "> **{} conflict(s):** unmanaged resources use names this repository uses; `--adopt` takes them over.\n",
            plan.summary.conflict
        )?;
    }
    if let Some(why) = &plan.prune_blocked {
        writeln!(
            out,
            "> **Apply will refuse:** {} (`--force-prune` overrides).",
            md(why)
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
        render(&mut out, &crate::render::tests::sample_plan()).unwrap();
        crate::render::tests::assert_golden("plan_markdown.md", &String::from_utf8(out).unwrap());
    }
}
