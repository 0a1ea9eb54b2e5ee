# tests/r/apim.R — the research exports, read by R as they are: each of
# the three layouts (tests/unit/golden/research-*.csv, the files the unit
# test compares byte for byte) is read with read.csv and no cleaning, turned
# into pairwise form where it is not already, and an actor-partner
# interdependence model is fitted with nlme:
#
#   closeness ~ understood (actor) + understood_p (partner),
#   residuals correlated within a dyad's day (compound symmetry), and a
#   random intercept per dyad.
#
# The three layouts must give the same estimates, the actor and partner
# effects must come out positive and clearly non-zero (the generator built
# them in), and the codebooks must name every column. Any failure stops R
# with a non-zero status.
suppressPackageStartupMessages(library(nlme))

dir <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(dir)) dir <- "tests/unit/golden"
path <- function(f) file.path(dir, f)
check <- function(ok, what) if (!isTRUE(ok)) stop(what, call. = FALSE)

long <- read.csv(path("research-long.csv"))
pairwise <- read.csv(path("research-pairwise.csv"))
dyadwide <- read.csv(path("research-dyadwide.csv"))

vars <- c("closeness", "closeness_wanted", "opened_up", "understood",
          "safety", "affection", "wordless", "shares")
check(identical(names(long), c("dyad", "person", "member", "day", vars)), "long: columns")
check(identical(names(pairwise), c("dyad", "person", "member", "day", vars, paste0(vars, "_p"))),
      "pairwise: columns")
check(identical(names(dyadwide), c("dyad", "day", paste0(vars, "_1"), paste0(vars, "_2"))),
      "dyadwide: columns")
check(is.numeric(long$closeness) && anyNA(long$closeness), "long: numbers with NA read as such")

for (layout in c("long", "pairwise", "dyadwide")) {
  book <- read.csv(path(paste0("research-", layout, "-codebook.csv")))
  cols <- names(get(layout))
  check(all(cols %in% book$variable), paste(layout, "codebook lacks a column"))
}

# long -> pairwise: each row gets the other member's values of the same day
from_long <- function(d) {
  other <- d[, c("dyad", "day", "member", vars)]
  other$member <- 3 - other$member
  names(other)[names(other) %in% vars] <- paste0(vars, "_p")
  merge(d, other, by = c("dyad", "day", "member"))
}

# dyadwide -> pairwise: two rows per dyad and day
from_wide <- function(w) {
  one <- function(m) {
    o <- 3 - m
    data.frame(dyad = w$dyad, day = w$day, member = m,
               setNames(w[paste0(vars, "_", m)], vars),
               setNames(w[paste0(vars, "_", o)], paste0(vars, "_p")))
  }
  rbind(one(1), one(2))
}

apim <- function(d) {
  d <- d[order(d$dyad, d$day, d$member), ]
  d$dyad <- factor(d$dyad)
  d$dyadday <- factor(paste(d$dyad, d$day))
  fit <- lme(closeness ~ understood + understood_p, random = ~ 1 | dyad,
             correlation = corCompSymm(form = ~ 1 | dyad / dyadday),
             data = d, na.action = na.omit, method = "REML")
  fixef(fit)
}

fits <- list(pairwise = apim(pairwise), long = apim(from_long(long)),
             dyadwide = apim(from_wide(dyadwide)))
print(fits)
for (k in names(fits)) {
  check(isTRUE(all.equal(fits[[k]], fits$pairwise, tolerance = 1e-6)),
        paste(k, "gives other estimates than pairwise"))
}
b <- fits$pairwise
check(b[["understood"]] > 0.3, "actor effect should be clearly positive")
check(b[["understood_p"]] > 0.1, "partner effect should be positive")
cat("apim: three layouts read as they are; actor", round(b[["understood"]], 3),
    "partner", round(b[["understood_p"]], 3), "\n")
