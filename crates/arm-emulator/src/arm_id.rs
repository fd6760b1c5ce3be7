//! ARM resource ids the emulator parses: the Log Analytics workspace id
//! (`/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}`),
//! with ARM's case-insensitive literal segments and canonical casing. Not routing (see `router`) and not
//! what a workspace holds (see `store`).

/// Parts of a workspace ARM id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkspaceId {
    pub(crate) subscription: String,
    pub(crate) resource_group: String,
    pub(crate) name: String,
}

impl WorkspaceId {
    /// Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}`
    /// (literal segments case-insensitive).
    pub(crate) fn parse(id: &str) -> Option<Self> {
        let segs: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
        if segs.len() != 8 {
            return None;
        }
        let lit = |i: usize, s: &str| segs[i].eq_ignore_ascii_case(s);
        if !(lit(0, "subscriptions")
            && lit(2, "resourceGroups")
            && lit(4, "providers")
            && lit(5, "Microsoft.OperationalInsights")
            && lit(6, "workspaces"))
        {
            return None;
        }
        if [1, 3, 7].iter().any(|i| segs[*i].is_empty()) {
            return None;
        }
        Some(Self {
            subscription: segs[1].to_string(),
            resource_group: segs[3].to_string(),
            name: segs[7].to_string(),
        })
    }

    /// The id with ARM's casing of the literal segments.
    pub(crate) fn canonical(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.OperationalInsights/workspaces/{}",
            self.subscription, self.resource_group, self.name
        )
    }

    pub(crate) fn key(&self) -> String {
        self.canonical().to_ascii_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_workspace_ids_case_insensitively() {
        let id = WorkspaceId::parse("/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.operationalinsights/Workspaces/ws").unwrap();
        assert_eq!(
            id.canonical(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws"
        );
        assert!(WorkspaceId::parse("/subscriptions/s/resourceGroups/rg").is_none());
    }
}
