//! Subcommands, one module each, and the set-up they share: config, input, column roles and
//! answer scales are validated into ready-to-run values before any heavy work starts.

pub mod inspect;
pub mod survey;

use anyhow::Result;

use crate::cli::{InputArgs, ScaleArgs};
use crate::error::usage;
use crate::input::clean::Scale;
use crate::input::config::Config;
use crate::input::frame::Dataset;
use crate::input::roles::{self, Kind, Role, RoleMap};
use crate::input::source::Source;
use crate::metrics::satisfaction::{SatisfactionSpec, ScoreColumn, NPS_SCALE};
use crate::Io;

/// An opened input with its config and column roles.
pub struct Opened {
    pub config: Config,
    pub data: Dataset,
    pub roles: RoleMap,
    pub kind: Kind,
}

/// Reads the config named by `--config` (or the defaults).
pub fn load_config(args: &InputArgs) -> Result<Config> {
    match &args.config {
        Some(path) => Config::load(path),
        None => Ok(Config::default()),
    }
}

/// Reads the config, opens the input and assigns the roles of `kind` (`--col` over `[columns]`
/// over recognition). Without a kind, it is detected from the headers (for `inspect`).
pub fn open_input(args: &InputArgs, kind: Option<Kind>, io: &mut Io) -> Result<Opened> {
    let config = load_config(args)?;
    let (data, roles, kind) = open_dataset(&args.file, args, &config, kind, io)?;
    Ok(Opened { config, data, roles, kind })
}

/// Opens `file` with the decoding options and column mappings of `args` for an export of `kind`.
pub fn open_dataset(
    file: &std::path::Path,
    args: &InputArgs,
    config: &Config,
    kind: Option<Kind>,
    io: &mut Io,
) -> Result<(Dataset, RoleMap, Kind)> {
    let data = Dataset::open(&Source::from_arg(file), args.encoding.as_deref(), args.delimiter.as_deref())?;
    for warning in &data.warnings {
        io.warn(warning);
    }
    let kind = kind.unwrap_or_else(|| Kind::detect(&data.headers));
    let mut mappings = config.mappings();
    for text in &args.columns {
        mappings.push(roles::parse_mapping(text, kind.roles())?);
    }
    let roles = roles::resolve(&data.headers, &mappings, kind.roles())?;
    Ok((data, roles, kind))
}

/// The scoring of CSAT, NPS and CES from flags, config defaults and built-in defaults.
pub fn satisfaction_spec(scales: &ScaleArgs, input: &InputArgs, opened: &Opened) -> Result<SatisfactionSpec> {
    let defaults = &opened.config.survey;
    let csat_scale = Scale::parse(scales.csat_scale.as_deref().or(defaults.csat_scale.as_deref()).unwrap_or("1-5"))?;
    let ces_scale = Scale::parse(scales.ces_scale.as_deref().or(defaults.ces_scale.as_deref()).unwrap_or("1-7"))?;
    let top = scales.csat_top.or(defaults.csat_top).unwrap_or(2);
    if top == 0 || i64::from(top) >= csat_scale.points() {
        return Err(usage(format!(
            "--csat-top must be between 1 and {} for a {csat_scale} scale; got {top}",
            csat_scale.points() - 1
        )));
    }
    // "Easy" = above the scale's midpoint: 5–7 on 1–7, 4–5 on 1–5.
    let midpoint_up = (ces_scale.low + ces_scale.high) / 2 + 1;
    let ces_easy_min = scales.ces_easy.or(defaults.ces_easy).unwrap_or(midpoint_up);
    if ces_easy_min <= ces_scale.low || ces_easy_min > ces_scale.high {
        return Err(usage(format!("--ces-easy must be a score within {ces_scale} above its lowest point; got {ces_easy_min}")));
    }
    let column = |role: Role, scale: Scale| opened.roles.get(role).map(|h| ScoreColumn { header: h.to_string(), scale });
    Ok(SatisfactionSpec {
        csat: column(Role::Csat, csat_scale),
        csat_top_min: csat_scale.high - i64::from(top) + 1,
        nps: column(Role::Nps, NPS_SCALE),
        ces: column(Role::Ces, ces_scale),
        ces_easy_min,
        na_values: input.na_values.clone().or_else(|| defaults.na_values.clone()).unwrap_or_default(),
    })
}
