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
    /// When a complaint was opened (received).
    Opened,
    /// First response to a complaint.
    Responded,
    /// When a complaint was resolved.
    Resolved,
    Category,
    Severity,
    Status,
    Reopened,
    /// First-contact resolution (yes/no).
    Fcr,
    /// An SLA outcome given as yes/no (e.g. "Timely response?").
    Timely,
    /// The order id (in orders, the row's id; in complaints, the order complained about).
    Order,
    /// When an order was placed.
    Ordered,
    /// Order value.
    Amount,
    /// Whether the customer asked for the brand by name (yes/no survey answer).
    Designation,
    /// The customer's own words: the free-text answer ("why did you give this score?").
    Comment,
}

/// The kind of export a command reads; it decides which roles are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Responses,
    Complaints,
    Orders,
}

impl Kind {
    /// The roles of this kind of export, in the order they are looked for.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Kind::Responses => &[Csat, Nps, Ces, Date, Id, Customer, Segment, Channel, Region, Designation, Comment],
            Kind::Complaints => &[
                Id, Customer, Order, Opened, Responded, Resolved, Category, Severity, Channel, Status, Reopened, Fcr, Timely, Segment,
                Region,
            ],
            Kind::Orders => &[Order, Customer, Ordered, Amount, Channel, Segment, Region],
        }
    }

    /// The kind whose distinctive roles the headers match best (for `inspect`).
    pub fn detect(headers: &[String]) -> Kind {
        let score = |roles: &[Role]| {
            resolve(headers, &[], &[], roles).map_or(0, |m| m.entries.iter().filter(|(r, _, _)| roles.contains(r)).count())
        };
        let candidates = [
            (Kind::Responses, score(&[Role::Csat, Role::Nps, Role::Ces])),
            (Kind::Complaints, score(&[Role::Opened, Role::Responded, Role::Resolved, Role::Severity, Role::Status])),
            (Kind::Orders, score(&[Role::Ordered, Role::Amount])),
        ];
        candidates.iter().rev().max_by_key(|(_, s)| *s).filter(|(_, s)| *s > 0).map_or(Kind::Responses, |(k, _)| *k)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Responses => "survey responses",
            Kind::Complaints => "complaints",
            Kind::Orders => "orders",
        }
    }
}

impl Role {
    pub const ALL: [Role; 23] = [
        Role::Csat,
        Role::Nps,
        Role::Ces,
        Role::Date,
        Role::Id,
        Role::Customer,
        Role::Segment,
        Role::Channel,
        Role::Region,
        Role::Opened,
        Role::Responded,
        Role::Resolved,
        Role::Category,
        Role::Severity,
        Role::Status,
        Role::Reopened,
        Role::Fcr,
        Role::Timely,
        Role::Order,
        Role::Ordered,
        Role::Amount,
        Role::Designation,
        Role::Comment,
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
            Role::Designation => "designation",
            Role::Comment => "comment",
            Role::Opened => "opened",
            Role::Responded => "responded",
            Role::Resolved => "resolved",
            Role::Category => "category",
            Role::Severity => "severity",
            Role::Status => "status",
            Role::Reopened => "reopened",
            Role::Fcr => "fcr",
            Role::Timely => "timely",
            Role::Order => "order",
            Role::Ordered => "ordered",
            Role::Amount => "amount",
        }
    }

    /// Parses a role name (case-insensitive); the data contract's column names work too
    /// (`opened_at`, `first_response_at`, `order_id`, …).
    pub fn parse(name: &str) -> Option<Role> {
        let name = name.trim().to_lowercase();
        let alias = match name.as_str() {
            "opened_at" => Some(Role::Opened),
            "first_response_at" | "first_response" => Some(Role::Responded),
            "resolved_at" => Some(Role::Resolved),
            "first_contact_resolution" => Some(Role::Fcr),
            "order_id" => Some(Role::Order),
            "ordered_at" => Some(Role::Ordered),
            "customer_id" => Some(Role::Customer),
            _ => None,
        };
        alias.or_else(|| Role::ALL.into_iter().find(|r| r.name() == name))
    }

    /// Header variants recognised for the role, already normalised (see [`normalise_header`]),
    /// in order of preference. The data contract's default name comes first.
    fn variants(self) -> &'static [&'static str] {
        match self {
            Role::Csat => &[
                "csat",
                "csat score",
                "satisfaction",
                "overall satisfaction",
                "customer satisfaction",
                "satisfaction score",
                "overall csat",
                "满意度",
                "总体满意度",
                "整体满意度",
                "满意度评分",
                "客户满意度",
            ],
            Role::Nps => &[
                "nps",
                "nps score",
                "likelihood to recommend",
                "recommend",
                "ltr",
                "net promoter score",
                "likely to recommend",
                "recommendation",
                "推荐意愿",
                "推荐度",
                "推荐可能性",
                "净推荐值",
                "推荐",
            ],
            Role::Ces => &[
                "ces",
                "ces score",
                "effort",
                "customer effort",
                "customer effort score",
                "ease",
                "ease of resolution",
                "费力度",
                "客户费力度",
                "费力程度",
                "省力度",
            ],
            Role::Date => &[
                "submitted at",
                "date",
                "submitted",
                "submitted on",
                "submission date",
                "response date",
                "timestamp",
                "created at",
                "completed",
                "recordeddate",
                "recorded date",
                "end date",
                "enddate",
                "start date",
                "startdate",
                "提交时间",
                "日期",
                "提交日期",
                "填写时间",
                "答卷时间",
                "时间",
                // Google Forms with a Chinese interface.
                "时间戳记",
                "時間戳記",
            ],
            Role::Id => &[
                "response id",
                "responseid",
                "complaint id",
                "ticket id",
                "case id",
                "ticket #",
                "ticket no",
                "ticket number",
                "ticket",
                "id",
                "response",
                "respondent id",
                "答卷编号",
                "投诉编号",
                "工单号",
                "工单编号",
                "编号",
                "序号",
            ],
            Role::Customer => &["customer id", "customer", "customerid", "client id", "客户编号", "客户id", "客户"],
            Role::Segment => &["segment", "customer segment", "tier", "customer tier", "客户类型", "客户分层", "细分"],
            Role::Channel => &["channel", "source channel", "received via", "submitted via", "via", "source", "渠道", "来源渠道"],
            Role::Region => &["region", "area", "地区", "区域", "大区"],
            Role::Designation => &["designation", "asked by name", "asked for brand", "brand requested", "指名", "指名购买", "是否指名"],
            Role::Comment => &[
                "comment",
                "comments",
                "verbatim",
                "feedback",
                "why",
                "reason",
                "open text",
                "open ended",
                "any other comments",
                "customer comment",
                "意见",
                "建议",
                "意见建议",
                "意见和建议",
                "留言",
                "评价",
                "原因",
                "备注",
                "其他意见",
            ],
            Role::Opened => &[
                "opened at",
                "opened",
                "created at",
                "created",
                "date received",
                "received at",
                "open date",
                "投诉时间",
                "受理时间",
                "创建时间",
                "登记时间",
                "ticket created",
                "ticket created at",
                "date created",
                "submitted at",
                "submitted",
                "date submitted",
                "date",
            ],
            Role::Responded => &[
                "first response at",
                "first response",
                "first responded at",
                "first reply at",
                "responded at",
                "首次响应时间",
                "响应时间",
                "首次回复时间",
            ],
            Role::Resolved => &["resolved at", "resolved", "resolution date", "solved at", "closed at", "解决时间", "结案时间", "关闭时间"],
            Role::Category => {
                &["category", "complaint category", "cause", "reason", "complaint type", "投诉类型", "投诉类别", "类别", "原因", "问题类型"]
            }
            Role::Severity => &["severity", "priority", "level", "严重程度", "等级", "优先级", "紧急程度"],
            Role::Status => &["status", "state", "ticket status", "状态", "处理状态", "工单状态"],
            Role::Reopened => &["reopened", "reopen", "is reopened", "重开", "是否重开", "重新打开"],
            Role::Fcr => &["first contact resolution", "fcr", "resolved on first contact", "一次解决", "首次解决", "是否一次解决"],
            Role::Timely => &["timely response", "timely", "on time", "sla met", "是否及时", "及时响应"],
            Role::Order => &["order id", "order", "order number", "order no", "订单号", "订单编号"],
            Role::Ordered => &[
                "ordered at",
                "order date",
                "orderdate",
                "ordered",
                "purchase date",
                "invoice date",
                "invoicedate",
                "transaction date",
                "date",
                "created at",
                "下单时间",
                "订单日期",
                "购买日期",
                "日期",
            ],
            Role::Amount => {
                &["amount", "order value", "order amount", "value", "revenue", "total", "sales", "金额", "订单金额", "实付金额", "销售额"]
            }
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

/// What [`free_text_question`] adds to the question of a Qualtrics text-entry column.
const FREE_TEXT: &str = " (free text)";

/// The question text to recognise a column by: a Qualtrics text-entry question (import id
/// `QID12_TEXT`; not `QID12_4_TEXT`, the "other, please specify" box of a choice, nor the
/// `…_TEXT_…Topics` column Qualtrics adds) is marked as free text, so that it is taken as the
/// comment whatever it asks.
pub fn free_text_question(question: &str, import_id: Option<&str>) -> String {
    let free = import_id
        .and_then(|id| id.strip_prefix("QID"))
        .and_then(|rest| rest.strip_suffix("_TEXT"))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    if free {
        format!("{question}{FREE_TEXT}")
    } else {
        question.to_string()
    }
}

/// Words in a question's text that say which score (or the comment) it asks for. The comment
/// comes first: "Why are you satisfied?" asks for a comment, and is then no candidate for CSAT.
const QUESTION_WORDS: &[(Role, &[&str])] = &[
    (Role::Comment, &["why", "free text", "comment", "feedback", "为什么", "原因", "意见", "建议"]),
    (Role::Nps, &["recommend", "推荐"]),
    (Role::Csat, &["satisfied", "satisfaction", "满意"]),
    (Role::Ces, &["easy", "effort", "容易", "费力"]),
];

impl RoleMap {
    /// For a survey platform's export: assigns the comment, CSAT, NPS and CES still open to the one column
    /// whose question text (`questions`: header and question, the header itself when there is
    /// no separate text) asks for it. Two or more candidates (a matrix question) assign nothing.
    pub fn recognise_by_question(&mut self, questions: &[(String, String)], roles: &[Role]) {
        // One role after the other, so that a column taken (as the comment) is no candidate for
        // the next ones.
        for (role, _) in QUESTION_WORDS.iter().filter(|(r, _)| roles.contains(r)) {
            if let Some((role, candidates)) = self.asked_for(questions, &[*role]).pop() {
                if let [only] = candidates.as_slice() {
                    self.entries.push((role, only.clone(), Origin::Recognised));
                }
            }
        }
    }

    /// The roles still open among `roles` that two or more columns ask for by their question
    /// text (a matrix question, or several rating questions), with those columns: none of them
    /// is taken, and the user should be told.
    pub fn ambiguous(&self, questions: &[(String, String)], roles: &[Role]) -> Vec<(Role, Vec<String>)> {
        self.asked_for(questions, roles).into_iter().filter(|(_, c)| c.len() > 1).collect()
    }

    /// For each role still open among `roles`: the columns whose question text asks for it.
    fn asked_for(&self, questions: &[(String, String)], roles: &[Role]) -> Vec<(Role, Vec<String>)> {
        let mut out = Vec::new();
        for (role, words) in QUESTION_WORDS {
            if !roles.contains(role) || self.get(*role).is_some() {
                continue;
            }
            let candidates: Vec<String> = questions
                .iter()
                .filter(|(h, q)| {
                    let q = q.to_lowercase();
                    self.role_of(h).is_none()
                        && !q.ends_with(" - group")
                        && !h.to_lowercase().ends_with("_nps_group")
                        && words.iter().any(|w| q.contains(w))
                })
                .map(|(h, _)| h.clone())
                .collect();
            if !candidates.is_empty() {
                out.push((*role, candidates));
            }
        }
        out
    }
}

/// Finds a header by exact name, then by normalised name.
pub fn find_header<'a>(headers: &'a [String], wanted: &str) -> Option<&'a String> {
    headers.iter().find(|h| h.as_str() == wanted).or_else(|| {
        let wanted = normalise_header(wanted);
        headers.iter().find(|h| normalise_header(h) == wanted)
    })
}

/// Assigns columns to `roles`: explicit mappings first (each must name an existing header),
/// then recognised header variants for the roles still open. Mappings of other roles are ignored
/// (one config file serves several kinds of export).
/// `aliases` are other names of columns (import ids, question texts) as (alias, header): a
/// mapping may use them.
pub fn resolve(headers: &[String], aliases: &[(String, String)], mapped: &[(Role, String)], roles: &[Role]) -> Result<RoleMap> {
    let mut map = RoleMap::default();
    for (role, wanted) in mapped.iter().filter(|(r, _)| roles.contains(r)) {
        let by_alias = || {
            let wanted = normalise_header(wanted);
            aliases.iter().find(|(a, _)| normalise_header(a) == wanted).and_then(|(_, h)| headers.iter().find(|x| *x == h))
        };
        let Some(header) = find_header(headers, wanted).or_else(by_alias) else {
            return Err(usage(format!(
                "column '{wanted}' (mapped to {role}) is not in the file;{} headers found: {}",
                did_you_mean(wanted, headers.iter().map(String::as_str)),
                list_headers(headers)
            )));
        };
        map.entries.retain(|(r, _, _)| r != role);
        map.entries.push((*role, header.clone(), Origin::Mapped));
    }
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    // A Qualtrics NPS question comes with its `…_NPS_GROUP` column: the question is the NPS.
    if roles.contains(&Role::Nps) && map.get(Role::Nps).is_none() {
        let nps = headers.iter().find(|h| {
            let group = format!("{h}_NPS_GROUP");
            headers.iter().any(|g| g.eq_ignore_ascii_case(&group))
        });
        if let Some(h) = nps {
            map.entries.push((Role::Nps, h.clone(), Origin::Recognised));
        }
    }
    for &role in roles {
        if map.get(role).is_some() {
            continue;
        }
        let found = role.variants().iter().find_map(|variant| {
            headers.iter().zip(&normalised).find(|(h, n)| n.as_str() == *variant && map.role_of(h).is_none()).map(|(h, _)| h.clone())
        });
        if let Some(header) = found {
            map.entries.push((role, header, Origin::Recognised));
        }
    }
    Ok(map)
}

/// Finds a grouping column named on the command line: a header, or a role name.
pub fn resolve_group_column(headers: &[String], roles: &RoleMap, name: &str, flag: &str) -> Result<String> {
    if let Some(h) = find_header(headers, name) {
        return Ok(h.clone());
    }
    if let Some(h) = Role::parse(name).and_then(|r| roles.get(r)) {
        return Ok(h.to_string());
    }
    let roles_mapped = roles.entries.iter().map(|(r, _, _)| r.name());
    let candidates: Vec<&str> = headers.iter().map(String::as_str).chain(roles_mapped).collect();
    Err(usage(format!("{flag}: no column '{name}';{} headers found: {}", did_you_mean(name, candidates), list_headers(headers))))
}

/// " did you mean 'segment'?" naming the candidate most like `name` (clap's own rule for
/// misspelled flags: Jaro–Winkler similarity above 0.7, here ignoring case), or nothing.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let name = name.to_lowercase();
    let best = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&name, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    best.map_or(String::new(), |(_, c)| format!(" did you mean '{c}'?"))
}

/// Parses `ROLE=HEADER` from `--col`; the role must be one of `roles` (the command's).
pub fn parse_mapping(text: &str, roles: &[Role]) -> Result<(Role, String)> {
    let Some((role, header)) = text.split_once('=') else {
        return Err(usage(format!("--col takes ROLE=HEADER, e.g. --col csat=\"Overall satisfaction\"; got '{text}'")));
    };
    let role = Role::parse(role).filter(|r| roles.contains(r)).ok_or_else(|| {
        let names: Vec<_> = roles.iter().map(|r| r.name()).collect();
        usage(format!("--col: unknown role '{role}' here; roles are {}", names.join(", ")))
    })?;
    Ok((role, header.trim().to_string()))
}

/// Headers quoted and comma-separated, for messages.
pub fn list_headers(headers: &[String]) -> String {
    if headers.is_empty() {
        return "(none)".to_string();
    }
    let listed = headers.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", ");
    if headers.iter().enumerate().any(|(i, h)| looks_like_a_value(h) && *h != (i + 1).to_string()) {
        // A headerless export read with its first record as the header row.
        format!("{listed} (the first row looks like data: if the file has no header row, read it with --no-header and map the columns by number, e.g. --col customer=2)")
    } else {
        listed
    }
}

/// A header that reads as a number or a date (2025-01-01, 287.66, 03/10/2026): a value rather
/// than a column name. The names --no-header gives (1, 2, …) are not counted by the caller.
fn looks_like_a_value(header: &str) -> bool {
    let h = header.trim();
    h.starts_with(|c: char| c.is_ascii_digit()) && h.chars().all(|c| c.is_ascii_digit() || ".,-/: ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_that_look_like_data_suggest_no_header() {
        let hint = "the first row looks like data";
        assert!(list_headers(&headers(&["O000001", "C00201", "2025-01-01", "287.66", "store"])).contains(hint));
        assert!(list_headers(&headers(&["7", "03/10/2026"])).contains(hint));
        // Names, and the numbers --no-header gives in their places, are headers.
        assert!(!list_headers(&headers(&["order_id", "customer_id", "Q1", "2nd visit"])).contains(hint));
        assert!(!list_headers(&headers(&["1", "2", "3"])).contains(hint));
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn comment_columns_are_recognised_in_english_and_chinese() {
        for header in ["comment", "Comments", "Verbatim", "Why?", "意见", "建议：", "备注"] {
            let map = resolve(&headers(&["id", header, "nps"]), &[], &[], Kind::Responses.roles()).unwrap();
            assert_eq!(map.get(Role::Comment), Some(header), "{header}");
        }
        // Only in survey responses: a complaints export's "reason" is not a comment column.
        let map = resolve(&headers(&["reason"]), &[], &[], Kind::Complaints.roles()).unwrap();
        assert_eq!(map.get(Role::Comment), None);
        assert_eq!(Role::parse("comment"), Some(Role::Comment));
    }

    #[test]
    fn a_misspelled_column_gets_the_closest_header() {
        let h = ["date", "segment", "csat", "nps", "渠道"];
        assert_eq!(did_you_mean("segmnt", h), " did you mean 'segment'?");
        assert_eq!(did_you_mean("SEGMENT ", h), " did you mean 'segment'?");
        assert_eq!(did_you_mean("csta", h), " did you mean 'csat'?");
        assert_eq!(did_you_mean("region", h), "");
        let by = resolve_group_column(&headers(&h), &RoleMap::default(), "segmnet", "--by").unwrap_err().to_string();
        assert!(by.starts_with("--by: no column 'segmnet'; did you mean 'segment'? headers found: 'date'"), "{by}");
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
        let roles = resolve(&h, &[], &[], Kind::Responses.roles()).unwrap();
        assert_eq!(roles.get(Role::Csat), Some("Overall satisfaction"));
        assert_eq!(roles.get(Role::Nps), Some("Likelihood to recommend"));
        assert_eq!(roles.get(Role::Ces), Some("Effort"));
        assert_eq!(roles.get(Role::Date), Some("Submitted"));
        assert_eq!(roles.get(Role::Id), Some("Response ID"));
    }

    #[test]
    fn recognises_help_desk_and_google_forms_headers() {
        // A ticket log; 'Date' is the opening date of a complaint.
        let h = headers(&["Ticket #", "Created", "Received Via", "Status"]);
        let roles = resolve(&h, &[], &[], Kind::Complaints.roles()).unwrap();
        assert_eq!(
            (roles.get(Role::Id), roles.get(Role::Opened), roles.get(Role::Channel)),
            (Some("Ticket #"), Some("Created"), Some("Received Via"))
        );
        let h = headers(&["Date", "Source", "Ticket ID"]);
        let roles = resolve(&h, &[], &[], Kind::Complaints.roles()).unwrap();
        assert_eq!(
            (roles.get(Role::Id), roles.get(Role::Opened), roles.get(Role::Channel)),
            (Some("Ticket ID"), Some("Date"), Some("Source"))
        );
        // Google Forms in Chinese: the timestamp column.
        let h = headers(&["时间戳记", "满意度"]);
        assert_eq!(resolve(&h, &[], &[], Kind::Responses.roles()).unwrap().get(Role::Date), Some("时间戳记"));
    }

    #[test]
    fn recognises_chinese_headers() {
        let h = headers(&["编号", "满意度", "推荐度", "费力度", "提交时间", "渠道"]);
        let roles = resolve(&h, &[], &[], Kind::Responses.roles()).unwrap();
        assert_eq!(roles.get(Role::Csat), Some("满意度"));
        assert_eq!(roles.get(Role::Nps), Some("推荐度"));
        assert_eq!(roles.get(Role::Ces), Some("费力度"));
        assert_eq!(roles.get(Role::Date), Some("提交时间"));
        assert_eq!(roles.get(Role::Channel), Some("渠道"));
    }

    #[test]
    fn recognises_complaint_and_order_exports() {
        let cfpb = headers(&["Date received", "Product", "Issue", "Submitted via", "Timely response?", "Complaint ID"]);
        assert_eq!(Kind::detect(&cfpb), Kind::Complaints);
        let roles = resolve(&cfpb, &[], &[], Kind::Complaints.roles()).unwrap();
        assert_eq!(roles.get(Role::Opened), Some("Date received"));
        assert_eq!(roles.get(Role::Timely), Some("Timely response?"));
        assert_eq!(roles.get(Role::Id), Some("Complaint ID"));
        let orders = headers(&["订单号", "客户编号", "下单时间", "实付金额"]);
        assert_eq!(Kind::detect(&orders), Kind::Orders);
        let roles = resolve(&orders, &[], &[], Kind::Orders.roles()).unwrap();
        assert_eq!(roles.get(Role::Order), Some("订单号"));
        assert_eq!(roles.get(Role::Customer), Some("客户编号"));
        assert_eq!(roles.get(Role::Ordered), Some("下单时间"));
        assert_eq!(roles.get(Role::Amount), Some("实付金额"));
        assert_eq!(Kind::detect(&headers(&["csat", "nps"])), Kind::Responses);
        // A retailer's transaction log (UCI Online Retail).
        let retail = headers(&["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]);
        let roles = resolve(&retail, &[], &[], Kind::Orders.roles()).unwrap();
        assert_eq!((roles.get(Role::Ordered), roles.get(Role::Customer)), (Some("InvoiceDate"), Some("CustomerID")));
    }

    #[test]
    fn explicit_mapping_wins() {
        let h = headers(&["csat", "Q1"]);
        let roles = resolve(&h, &[], &[(Role::Csat, "q1".into())], Kind::Responses.roles()).unwrap();
        assert_eq!(roles.get(Role::Csat), Some("Q1"));
        // The header 'csat' is then free and no role takes it by recognition.
        assert_eq!(roles.role_of("csat"), None);
        let err = resolve(&h, &[], &[(Role::Nps, "Q9".into())], Kind::Responses.roles()).unwrap_err();
        assert!(err.to_string().contains("'Q9'") && err.to_string().contains("'Q1'"));
    }

    #[test]
    fn questions_name_the_scores_of_platform_exports() {
        let q = |h: &str, t: &str| (h.to_string(), t.to_string());
        let questions = vec![
            q("Q1", "Overall, how satisfied are you? - Selected Choice"),
            q("Q2_1", "How easy was it to: - Order"),
            q("Q2_2", "How easy was it to: - Pay"),
            q("Q3", "How likely are you to recommend us?"),
            q("Q3_NPS_GROUP", "How likely are you to recommend us? - Group"),
        ];
        let mut roles = RoleMap::default();
        roles.recognise_by_question(&questions, Kind::Responses.roles());
        assert_eq!(roles.get(Role::Csat), Some("Q1"));
        assert_eq!(roles.get(Role::Nps), Some("Q3"));
        // Two "easy" columns (a matrix): no CES rather than a guess, and said.
        assert_eq!(roles.get(Role::Ces), None);
        assert_eq!(roles.ambiguous(&questions, Kind::Responses.roles()), vec![(Role::Ces, vec!["Q2_1".to_string(), "Q2_2".to_string()])]);
    }

    #[test]
    fn the_comment_is_the_question_asking_why_or_a_qualtrics_text_entry() {
        let q = |h: &str, t: &str| (h.to_string(), t.to_string());
        // "Why are you satisfied?" is the comment, so it is no second candidate for CSAT.
        let questions = vec![
            q("Q1", "Overall, how satisfied are you?"),
            q("Q2", "Why are you satisfied or not?"),
            q("Q3", "How likely are you to recommend us?"),
        ];
        let mut roles = RoleMap::default();
        roles.recognise_by_question(&questions, Kind::Responses.roles());
        assert_eq!((roles.get(Role::Comment), roles.get(Role::Csat)), (Some("Q2"), Some("Q1")));
        assert!(roles.ambiguous(&questions, Kind::Responses.roles()).is_empty());
        // A Qualtrics text entry by its import id, whatever it asks; not an "other" box of a
        // choice (QID5_4_TEXT) nor the topics Qualtrics adds.
        assert_eq!(free_text_question("This is a free text question.", Some("QID2_TEXT")), "This is a free text question. (free text)");
        assert_eq!(free_text_question("Tell us more", Some("QID17_TEXT")), "Tell us more (free text)");
        for id in [Some("QID5_4_TEXT"), Some("QID2_TEXT_eae5Topics"), Some("QID_TEXT"), Some("QID2"), None] {
            assert_eq!(free_text_question("Tell us more", id), "Tell us more", "{id:?}");
        }
        let mut roles = RoleMap::default();
        roles.recognise_by_question(&[q("Q7", "Tell us more (free text)"), q("Q8", "Q8 - Topics")], Kind::Responses.roles());
        assert_eq!(roles.get(Role::Comment), Some("Q7"));
        // Not for complaints: a complaint's "reason" question is no survey comment.
        let mut roles = RoleMap::default();
        roles.recognise_by_question(&[q("Q2", "Why did you complain?")], Kind::Complaints.roles());
        assert_eq!(roles.get(Role::Comment), None);
    }

    #[test]
    fn parses_mappings() {
        let survey = Kind::Responses.roles();
        assert_eq!(parse_mapping("CSAT=Overall score", survey).unwrap(), (Role::Csat, "Overall score".into()));
        assert!(parse_mapping("csat", survey).is_err());
        assert!(parse_mapping("happiness=x", survey).is_err());
        // A role of another kind of export is refused where it means nothing.
        assert!(parse_mapping("amount=Total", survey).is_err());
        assert_eq!(parse_mapping("opened_at=Date received", Kind::Complaints.roles()).unwrap().0, Role::Opened);
    }

    #[test]
    fn group_columns_by_header_or_role() {
        let h = headers(&["客户类型", "Region"]);
        let roles = resolve(&h, &[], &[], Kind::Responses.roles()).unwrap();
        assert_eq!(resolve_group_column(&h, &roles, "segment", "--by").unwrap(), "客户类型");
        assert_eq!(resolve_group_column(&h, &roles, "region", "--by").unwrap(), "Region");
        assert!(resolve_group_column(&h, &roles, "tier", "--by").is_err());
    }
}
