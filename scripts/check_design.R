#!/usr/bin/env Rscript
# Design-based standard errors of cxstat survey's shares and means, by R's survey package
# (Lumley), on fixtures/survey_design.csv: Taylor linearisation (svymean), the design effect
# (deff = "replace"), the design's degrees of freedom (degf) and the intervals cxstat gives:
# shares by svyciprop(method = "logit"), NPS and the CES mean as estimate ± t(df)·SE.
# Every domain (a segment, a month, the total) is a subset of the whole design, as svyby does.
# Usage: Rscript scripts/check_design.R [fixtures/survey_design.csv]
suppressMessages(library(survey))
options(digits = 15)
args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) > 0) args[1] else "fixtures/survey_design.csv"
d <- read.csv(path, stringsAsFactors = FALSE, na.strings = "")
d$month <- substr(d$submitted_at, 1, 7)
d$top <- as.numeric(d$csat >= 4)
d$npsv <- ifelse(is.na(d$nps), NA, (d$nps >= 9) - (d$nps <= 6))
d$asked <- ifelse(is.na(d$asked_by_name), NA, as.numeric(d$asked_by_name == "yes"))
designs <- list(
  weights = svydesign(ids = ~1, weights = ~weight, data = d),
  strata = svydesign(ids = ~1, strata = ~region, weights = ~weight, data = d),
  cluster = svydesign(ids = ~store, strata = ~region, weights = ~weight, data = d, nest = TRUE)
)
level <- 0.95
one <- function(design, var, share) {
  f <- as.formula(paste0("~", var))
  sub <- design[!is.na(design$variables[[var]]), ]
  m <- svymean(f, sub, deff = "replace")
  est <- coef(m)[[1]]
  se <- SE(m)[[1]]
  df <- degf(sub)
  if (share) {
    ci <- svyciprop(f, sub, method = "logit", level = level)
    lims <- attr(ci, "ci")
  } else {
    t <- qt(1 - (1 - level) / 2, df)
    lims <- c(est - t * se, est + t * se)
  }
  c(est = est, se = se, deff = deff(m)[[1]], df = df, low = lims[[1]], high = lims[[2]])
}
domains <- function(design) {
  out <- list(Total = design)
  for (s in sort(unique(d$segment))) out[[paste0("segment=", s)]] <- subset(design, segment == s)
  for (m in sort(unique(d$month))) out[[paste0("month=", m)]] <- subset(design, month == m)
  out
}
for (name in names(designs)) {
  for (dom in names(domains(designs[[name]]))) {
    design <- domains(designs[[name]])[[dom]]
    for (v in list(c("top", TRUE), c("npsv", FALSE), c("ces", FALSE), c("asked", TRUE))) {
      r <- one(design, v[1], as.logical(v[2]))
      cat(sprintf("%s %s %s est=%.15g se=%.15g deff=%.15g df=%d low=%.15g high=%.15g\n",
                  name, dom, v[1], r[["est"]], r[["se"]], r[["deff"]], as.integer(r[["df"]]), r[["low"]], r[["high"]]))
    }
  }
}
