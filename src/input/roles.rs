//! Column roles: which header holds CSAT, NPS, CES, the date, ids and the usual grouping
//! columns. Explicit mappings win; otherwise common header variants are recognised.

use std::fmt;

use anyhow::Result;

use crate::error::usage;

/// What a column means to cxstat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Csat,
    Nps,
    Ces,
    Date,
    Id,
    Customer,
    Segment,
    Channel,
    Region,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Csat,
        Role::Nps,
        Role::Ces,
        Role::Date,
        Role::Id,
        Role::Customer,
        Role::Segment,
        Role::Channel,
        Role::Region,
    ];

    /// The role's name in `--col ROLE=HEADER` and in the config's `[columns]` table.
    pub fn name(self) -> &'static str {
        match self {
            Role::Csat => "csat",
            Role::Nps => "nps",
            Role::Ces => "ces",
            Role::Date => "date",
            Role::Id => "id",
            Role::Customer => "customer",
            Role::Segment => "segment",
            Role::Channel => "channel",
            Role::Region => "region",
        }
    }

    /// Parses a role name (case-insensitive).
    pub fn parse(name: &str) -> Option<Role> {
        let name = name.trim().to_lowercase();
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Header variants recognised for the role, already normalised (see [`normalise_header`]),
    /// in order of preference. The data contract's default name comes first.
    fn variants(self) -> &'static [&'static str] {
        match self {
            Role::Csat => &[
                "csat", "csat score", "satisfaction", "overall satisfaction", "customer satisfaction",
                "satisfaction score", "overall csat", "满意度", "总体满意度", "整体满意度", "满意度评分",
                "客户满意度",
            ],
            Role::Nps => &[
                "nps", "nps score", "likelihood to recommend", "recommend", "ltr", "net promoter score",
                "likely to recommend", "recommendation", "推荐意愿", "推荐度", "推荐可能性", "净推荐值",
                "推荐",
            ],
            Role::Ces => &[
                "ces", "ces score", "effort", "customer effort", "customer effort score", "ease",
                "ease of resolution", "费力度", "客户费力度", "费力程度", "省力度",
            ],
            Role::Date => &[
                "submitted at", "date", "submitted", "submitted on", "submission date", "response date",
                "timestamp", "created at", "completed", "end date", "recorded date", "提交时间", "日期",
                "提交日期", "填写时间", "答卷时间", "时间",
            ],
            Role::Id => &["response id", "responseid", "id", "response", "respondent id", "答卷编号", "编号", "序号"],
            Role::Customer => &["customer id", "customer", "customerid", "client id", "客户编号", "客户id", "客户"],
            Role::Segment => &["segment", "customer segment", "tier", "customer tier", "客户类型", "客户分层", "细分"],
            Role::Channel => &["channel", "source channel", "渠道", "来源渠道"],
            Role::Region => &["region", "area", "地区", "区域", "大区"],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Lower-case, trimmed, `_`/`-`/`.` as spaces, runs of spaces folded, trailing `?`/`:` dropped.
pub fn normalise_header(header: &str) -> String {
    let lowered = header.trim_start_matches('\u{feff}').trim().to_lowercase();
    let spaced: String = lowered.chars().map(|c| if matches!(c, '_' | '-' | '.') { ' ' } else { c }).collect();
    let folded = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    folded.trim_end_matches(['?', ':', '：', '？']).trim_end().to_string()
}

/// How a role got its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--col` or the config file.
    Mapped,
    /// Recognised from the header name.
    Recognised,
}

/// The columns the roles were given, one header at most per role and one role per header.
#[derive(Debug, Clone, Default)]
pub struct RoleMap {
    entries: Vec<(Role, String, Origin)>,
}

impl RoleMap {
    /// The header holding `role`, if any.
    pub fn get(&self, role: Role) -> Option<&str> {
        self.entries.iter().find(|(r, _, _)| *r == role).map(|(_, h, _)| h.as_str())
    }

    /// The role of `header`, and how it was assigned.
    pub fn role_of(&self, header: &str) -> Option<(Role, Origin)> {
        self.entries.iter().find(|(_, h, _)| h == header).map(|(r, _, o)| (*r, *o))
    }
}

/// Finds a header by exact name, then by normalised name.
pub fn find_header<'a>(headers: &'a [String], wanted: &str) -> Option<&'a String> {
    headers.iter().find(|h| h.as_str() == wanted).or_else(|| {
        let wanted = normalise_header(wanted);
        headers.iter().find(|h| normalise_header(h) == wanted)
    })
}

/// Assigns columns to roles: explicit mappings first (each must name an existing header),
/// then recognised header variants for the roles still open.
pub fn resolve(headers: &[String], mapped: &[(Role, String)]) -> Result<RoleMap> {
    let mut map = RoleMap::default();
    for (role, wanted) in mapped {
        let Some(header) = find_header(headers, wanted) else {
            return Err(usage(format!(
                "column '{wanted}' (mapped to {role}) is not in the file; headers found: {}",
                list_headers(headers)
            )));
        };
        map.entries.retain(|(r, _, _)| r != role);
        map.entries.push((*role, header.clone(), Origin::Mapped));
    }
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    for role in Role::ALL {
        if map.get(role).is_some() {
            continue;
        }
        let found = role.variants().iter().find_map(|variant| {
            headers
                .iter()
                .zip(&normalised)
                .find(|(h, n)| n.as_str() == *variant && map.role_of(h).is_none())
                .map(|(h, _)| h.clone())
        });
        if let Some(header) = found {
            map.entries.push((role, header, Origin::Recognised));
        }
    }
    Ok(map)
}

/// Finds a grouping column named on the command line: a header, or a role name.
pub fn resolve_group_column(headers: &[String], roles: &RoleMap, name: &str) -> Result<String> {
    if let Some(h) = find_header(headers, name) {
        return Ok(h.clone());
    }
    if let Some(h) = Role::parse(name).and_then(|r| roles.get(r)) {
        return Ok(h.to_string());
    }
    Err(usage(format!("--by: no column '{name}'; headers found: {}", list_headers(headers))))
}

/// Parses `ROLE=HEADER` from `--col`.
pub fn parse_mapping(text: &str) -> Result<(Role, String)> {
    let Some((role, header)) = text.split_once('=') else {
        return Err(usage(format!("--col takes ROLE=HEADER, e.g. --col csat=\"Overall satisfaction\"; got '{text}'")));
    };
    let role = Role::parse(role).ok_or_else(|| {
        let names: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
        usage(format!("--col: unknown role '{role}'; roles are {}", names.join(", ")))
    })?;
    Ok((role, header.trim().to_string()))
}

/// Headers quoted and comma-separated, for messages.
pub fn list_headers(headers: &[String]) -> String {
    if headers.is_empty() {
        return "(none)".to_string();
    }
    headers.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalises_headers() {
        assert_eq!(normalise_header("  Overall_Satisfaction? "), "overall satisfaction");
        assert_eq!(normalise_header("\u{feff}Submitted-At"), "submitted at");
        assert_eq!(normalise_header("满意度："), "满意度");
    }

    #[test]
    fn recognises_contract_names_and_variants() {
        let h = headers(&["Response ID", "Overall satisfaction", "Likelihood to recommend", "Effort", "Submitted"]);
        let roles = resolve(&h, &[]).unwrap();
        assert_eq!(roles.get(Role::Csat), Some("Overall satisfaction"));
        assert_eq!(roles.get(Role::Nps), Some("Likelihood to recommend"));
        assert_eq!(roles.get(Role::Ces), Some("Effort"));
        assert_eq!(roles.get(Role::Date), Some("Submitted"));
        assert_eq!(roles.get(Role::Id), Some("Response ID"));
    }

    #[test]
    fn recognises_chinese_headers() {
        let h = headers(&["编号", "满意度", "推荐度", "费力度", "提交时间", "渠道"]);
        let roles = resolve(&h, &[]).unwrap();
        assert_eq!(roles.get(Role::Csat), Some("满意度"));
        assert_eq!(roles.get(Role::Nps), Some("推荐度"));
        assert_eq!(roles.get(Role::Ces), Some("费力度"));
        assert_eq!(roles.get(Role::Date), Some("提交时间"));
        assert_eq!(roles.get(Role::Channel), Some("渠道"));
    }

    #[test]
    fn explicit_mapping_wins() {
        let h = headers(&["csat", "Q1"]);
        let roles = resolve(&h, &[(Role::Csat, "q1".into())]).unwrap();
        assert_eq!(roles.get(Role::Csat), Some("Q1"));
        // The header 'csat' is then free and no role takes it by recognition.
        assert_eq!(roles.role_of("csat"), None);
        let err = resolve(&h, &[(Role::Nps, "Q9".into())]).unwrap_err();
        assert!(err.to_string().contains("'Q9'") && err.to_string().contains("'Q1'"));
    }

    #[test]
    fn parses_mappings() {
        assert_eq!(parse_mapping("CSAT=Overall score").unwrap(), (Role::Csat, "Overall score".into()));
        assert!(parse_mapping("csat").is_err());
        assert!(parse_mapping("happiness=x").is_err());
    }

    #[test]
    fn group_columns_by_header_or_role() {
        let h = headers(&["客户类型", "Region"]);
        let roles = resolve(&h, &[]).unwrap();
        assert_eq!(resolve_group_column(&h, &roles, "segment").unwrap(), "客户类型");
        assert_eq!(resolve_group_column(&h, &roles, "region").unwrap(), "Region");
        assert!(resolve_group_column(&h, &roles, "tier").is_err());
    }
}
