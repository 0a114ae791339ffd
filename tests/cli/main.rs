//! End-to-end tests of the real binary on files in fixtures/, one module per command.

mod test_charts;
mod test_clv;
mod test_compare;
mod test_complaints;
mod test_design;
mod test_drivers;
mod test_hostile;
mod test_index;
mod test_inspect;
mod test_layout;
mod test_loyalty;
mod test_merge;
mod test_messages;
mod test_readme;
mod test_repeat;
mod test_scorecard;
mod test_sources;
mod test_sql;
mod test_survey;
mod test_terminal;
mod test_themes;
mod test_weights;
mod workdir;
