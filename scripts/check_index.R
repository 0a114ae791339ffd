# The numbers of tests/cli/test_index.rs, computed independently with R's psych package
# (Debian r-cran-psych) and base R: Cronbach's alpha, the standardised alpha, Feldt's interval,
# item-rest correlations (r.drop), alpha if dropped, the 0-100 index with its t interval, and the
# SERVQUAL gaps with paired t intervals.
#   Rscript scripts/check_index.R fixtures/index_survey.csv
suppressMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], na.strings = c("", "N/A"))
p <- function(...) cat(sprintf("%s\n", paste(...)))
num <- function(x) formatC(x, digits = 15, format = "g")

construct <- function(name, items, low, high, reverse = character(0), rows = rep(TRUE, nrow(d))) {
  x <- d[rows, items]
  x <- x[complete.cases(x), ]
  for (r in reverse) x[[r]] <- low + high - x[[r]]
  a <- psych::alpha(x, check.keys = FALSE, warnings = FALSE)
  n <- nrow(x)
  ci <- psych::alpha.ci(a$total$raw_alpha, n, length(items), digits = 15)
  idx <- rowMeans((x - low) / (high - low) * 100)
  tt <- t.test(idx)
  p(name, "n", n)
  p(name, "index", num(mean(idx)), num(tt$conf.int[1]), num(tt$conf.int[2]))
  p(name, "alpha", num(a$total$raw_alpha), "std", num(a$total$std.alpha))
  p(name, "feldt", num(ci$lower.ci), num(ci$upper.ci))
  for (i in seq_along(items)) {
    p(name, items[i], "r.drop", num(a$item.stats$r.drop[i]), "alpha.drop", num(a$alpha.drop$raw_alpha[i]))
  }
}
construct("satisfaction", c("CUSA1", "CUSA2", "CUSA3"), 1, 10)
construct("service", c("S1", "S2", "S3", "S4_neg"), 1, 5, "S4_neg")
construct("satisfaction[retail]", c("CUSA1", "CUSA2", "CUSA3"), 1, 10, rows = d$segment == "retail")

gap <- function(dm) (d[[paste0("P_", dm, "1")]] + d[[paste0("P_", dm, "2")]]) / 2 - (d[[paste0("E_", dm, "1")]] + d[[paste0("E_", dm, "2")]]) / 2
for (dm in c("tan", "rel", "res")) {
  g <- gap(dm)
  g <- g[!is.na(g)]
  tt <- t.test(g)
  p("gap", dm, "n", length(g), num(mean(g)), num(tt$conf.int[1]), num(tt$conf.int[2]), "negative", num(100 * mean(g < 0)))
}
G <- cbind(gap("tan"), gap("rel"), gap("res"))
ok <- complete.cases(G)
overall <- rowMeans(G[ok, ])
tt <- t.test(overall)
p("overall n", sum(ok), num(mean(overall)), num(tt$conf.int[1]), num(tt$conf.int[2]), "negative", num(100 * mean(overall < 0)))
I <- cbind(d$IMP_tan, d$IMP_rel, d$IMP_res)
okw <- complete.cases(G, I)
weighted <- rowSums(G[okw, ] * I[okw, ]) / rowSums(I[okw, ])
tt <- t.test(weighted)
p("weighted n", sum(okw), num(mean(weighted)), num(tt$conf.int[1]), num(tt$conf.int[2]), "negative", num(100 * mean(weighted < 0)))
pts <- c(20, 50, 30)
fixed <- as.vector(G[ok, ] %*% (pts / sum(pts)))
tt <- t.test(fixed)
p("fixed n", sum(ok), num(mean(fixed)), num(tt$conf.int[1]), num(tt$conf.int[2]), "negative", num(100 * mean(fixed < 0)))
