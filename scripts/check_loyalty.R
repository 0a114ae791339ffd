#!/usr/bin/env Rscript
# `cxstat loyalty --window 90d --adjust-for segment,channel` on fixtures/loyalty_adjust_*.csv
# (scripts/make_loyalty_fixture.py), recomputed in R: each customer's one survey, ordered again =
# an order 1-90 days after it; then per measure (NPS groups, CSAT boxes) chisq.test,
# prop.trend.test over the ordered groups, and glm(binomial) of ordering again on segment +
# channel + group against segment + channel (anova, test = "LRT"), with the groups' odds ratios
# against the lowest group and their Wald intervals (exp(confint.default)).
# Usage: Rscript scripts/check_loyalty.R [fixtures]
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "fixtures"
options(digits = 15)
r <- read.csv(file.path(dir, "loyalty_adjust_responses.csv"), stringsAsFactors = FALSE)
o <- read.csv(file.path(dir, "loyalty_adjust_orders.csv"), stringsAsFactors = FALSE)
r$day <- as.Date(r$submitted_at)
o$day <- as.Date(o$ordered_at)
as_of <- max(o$day)
r <- r[r$day + 90 <= as_of, ]
m <- merge(r, o[, c("customer_id", "day")], by = "customer_id", all.x = TRUE, suffixes = c("", ".o"))
m$hit <- !is.na(m$day.o) & m$day.o > m$day & m$day.o <= m$day + 90
again <- tapply(m$hit, m$customer_id, any)
r$again <- as.numeric(again[r$customer_id])
r$nps_group <- factor(ifelse(r$nps >= 9, "promoters", ifelse(r$nps >= 7, "passives", "detractors")),
                      levels = c("detractors", "passives", "promoters"))
r$csat_box <- factor(ifelse(r$csat >= 4, "satisfied", ifelse(r$csat <= 2, "dissatisfied", "neutral")),
                     levels = c("dissatisfied", "neutral", "satisfied"))
for (measure in c("nps_group", "csat_box")) {
  g <- r[[measure]]
  tab <- table(g, r$again)
  chi <- suppressWarnings(chisq.test(tab, correct = FALSE))
  n <- as.vector(table(g))
  x <- as.vector(tapply(r$again, g, sum))
  tr <- prop.trend.test(x, n, score = c(0, 1, 2))
  full <- glm(again ~ segment + channel + g, family = binomial, data = r, control = glm.control(epsilon = 1e-14, maxit = 100))
  reduced <- glm(again ~ segment + channel, family = binomial, data = r, control = glm.control(epsilon = 1e-14, maxit = 100))
  lr <- anova(reduced, full, test = "LRT")
  cat(sprintf("%s chi_square=%.15g p=%.15g trend=%.15g trend_p=%.15g lr=%.15g lr_df=%d lr_p=%.15g\n", measure,
              chi$statistic, chi$p.value, tr$statistic, tr$p.value, lr$Deviance[2], as.integer(lr$Df[2]), lr$`Pr(>Chi)`[2]))
  ci <- exp(confint.default(full))
  for (level in levels(g)[-1]) {
    name <- paste0("g", level)
    cat(sprintf("%s %s odds=%.15g low=%.15g high=%.15g\n", measure, level, exp(coef(full)[[name]]), ci[name, 1], ci[name, 2]))
  }
}
