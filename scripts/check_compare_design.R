#!/usr/bin/env Rscript
# `cxstat compare --weight weight --strata region --cluster store` on fixtures/survey_design.csv,
# recomputed with R's survey package: each difference by svyttest(y ~ side, design) on the rows
# of the two sides with an answer (a subset of the whole design, as cxstat's domains), and each
# score distribution by svychisq(~side + score, design, statistic = "F") (Rao and Scott).
# Sides: business against retail (--segments segment), and 2026-10 against 2026-09 (the default
# month comparison). Usage: Rscript scripts/check_compare_design.R [fixtures/survey_design.csv]
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) > 0) args[1] else "fixtures/survey_design.csv"
d <- read.csv(path, stringsAsFactors = FALSE, na.strings = "")
d$month <- substr(d$submitted_at, 1, 7)
d$top <- as.numeric(d$csat >= 4)
d$npsv <- (d$nps >= 9) - (d$nps <= 6)
d$asked <- as.numeric(d$asked_by_name == "yes")
design <- svydesign(ids = ~store, strata = ~region, weights = ~weight, data = d, nest = TRUE)
for (cmp in list(list("segment", "business", "retail"), list("month", "2026-10", "2026-09"))) {
  column <- cmp[[1]]
  design <- update(design, side = factor(ifelse(d[[column]] == cmp[[2]], "a", ifelse(d[[column]] == cmp[[3]], "b", NA)), levels = c("b", "a")))
  for (v in c("top", "npsv", "ces", "asked")) {
    sub <- subset(design, !is.na(side) & !is.na(design$variables[[v]]))
    t <- svyttest(as.formula(paste(v, "~ side")), sub)
    ci <- confint(svyglm(as.formula(paste(v, "~ side")), sub), parm = 2, df = t$parameter)
    cat(sprintf("%s %s difference=%.15g statistic=%.15g df=%d p=%.15g low=%.15g high=%.15g\n", column, v,
                t$estimate, t$statistic, as.integer(t$parameter), t$p.value, ci[1], ci[2]))
  }
  for (v in c("csat", "nps", "ces")) {
    sub <- subset(design, !is.na(side) & !is.na(design$variables[[v]]))
    sub <- update(sub, score = factor(sub$variables[[v]]))
    x <- svychisq(~side + score, sub, statistic = "F")
    cat(sprintf("%s %s_distribution F=%.15g ndf=%.15g ddf=%.15g p=%.15g\n", column, v, x$statistic, x$parameter[1], x$parameter[2], x$p.value))
  }
}
