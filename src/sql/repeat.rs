//! `cxstat sql repeat`: per period the orders, revenue and refunds, and the customers counted by
//! the engine (active, new, retained, buying on two or more days), as
//! [`crate::metrics::orders::repeat`] counts them from the rows; and the customers of the periods
//! shown, counted once, for the Total row.
//!
//! The orders read as cxstat reads them: a purchase has an ISO date up to the as-of day, a
//! customer, and no negative amount (a negative amount is a refund); an order id repeated keeps
//! one row. Amounts drop currency signs and spaces, and commas that group thousands. Revenue and
//! refunds are summed as decimals (9 places) in the engine, so that their sums do not depend on
//! the order the engine adds them in.

use chrono::NaiveDate;

use crate::metrics::orders::OrderSpec;
use crate::metrics::period::Period;

use super::{count_where, number_literal, Dialect};

/// The result's columns: `part` (`period` rows, then one `total` row), the period number `p`,
/// the as-of day (days since 1970), the period's sums and customer counts, and in the total row
/// the customers of the span and the rows with each problem.
pub const COLUMNS: &[&str] = &[
    "part",
    "p",
    "as_of",
    "orders",
    "valued",
    "revenue",
    "refunds",
    "refund_amount",
    "active",
    "new",
    "retained",
    "repeaters",
    "duplicate_ids",
    "date_invalid",
    "date_missing",
    "amount_invalid",
    "customer_missing",
];

/// The query. `as_of`: the last day counted (`None`: the day of the latest purchase, found by
/// the engine); `span`: the first and last period numbers shown (`--from`/`--to`), for the
/// Total row.
pub fn query(
    d: Dialect,
    table: &str,
    spec: &OrderSpec,
    period: Period,
    as_of: Option<NaiveDate>,
    span: (Option<i64>, Option<i64>),
) -> String {
    let text = |h: &Option<String>| h.as_deref().map_or_else(|| d.null_text(), |h| d.text(h));
    let amount = match &spec.amount {
        Some(_) => d.amount("t_amount"),
        None => "CAST(NULL AS DOUBLE)".to_string(),
    };
    // An amount given: not blank once currency signs and spaces are removed (looked at only
    // where no amount was read).
    let amount_given = match &spec.amount {
        Some(_) => {
            format!("CASE WHEN a IS NOT NULL THEN 1 WHEN t_amount IS NULL OR {} = '' THEN 0 ELSE 1 END", d.without_money_signs("t_amount"))
        }
        None => "0".to_string(),
    };
    let as_of_day = match as_of {
        Some(day) => d.days(&d.date_literal(day)),
        None => "(SELECT max(day_n) FROM unbounded WHERE customer IS NOT NULL AND NOT coalesce(amount < 0, FALSE))".to_string(),
    };
    let dup = match &spec.order {
        Some(_) => "CASE WHEN id IS NULL THEN 1 ELSE row_number() OVER (PARTITION BY id ORDER BY day_n, customer, amount) END".to_string(),
        None => "1".to_string(),
    };
    let lo_hi = |v: Option<i64>, op: &str| v.map(|v| format!(" AND p {op} {v}")).unwrap_or_default();
    let span_filter = format!("{}{}", lo_hi(span.0, ">="), lo_hi(span.1, "<="));
    let max_amount = number_literal(crate::input::clean::MAX_AMOUNT);
    format!(
        "WITH texts AS (
  SELECT
    {order} AS t_order,
    {customer} AS t_customer,
    {ordered} AS t_day,
    {amount_text} AS t_amount
  FROM {table}
),
money AS (
  SELECT t_order, t_customer, t_day, t_amount, {amount} AS a FROM texts
),
parsed AS (
  SELECT
    nullif(t_order, '') AS id,
    nullif(t_customer, '') AS customer,
    {day} AS day,
    CASE WHEN t_day IS NOT NULL AND t_day <> '' THEN 1 ELSE 0 END AS dated_text,
    CASE WHEN abs(a) <= {max_amount} THEN a END AS amount,
    {amount_given} AS amount_text
  FROM money
),
dayed AS (
  SELECT *, {days} AS day_n FROM parsed
),
numbered AS (
  SELECT *, {dup} AS k FROM dayed
),
unbounded AS (
  SELECT * FROM numbered WHERE k = 1 AND day IS NOT NULL
),
limits AS (
  SELECT {as_of_day} AS as_of
),
counted AS (
  SELECT u.customer, u.day_n, u.amount, {p} AS p
  FROM unbounded u CROSS JOIN limits l
  WHERE u.day_n <= l.as_of
),
buys AS (
  SELECT * FROM counted WHERE customer IS NOT NULL AND NOT coalesce(amount < 0, FALSE)
),
customer_periods AS (
  SELECT customer, p, min(day_n) AS first_day, max(day_n) AS last_day FROM buys GROUP BY customer, p
),
firsts AS (
  SELECT customer, min(p) AS p FROM buys GROUP BY customer
),
sums AS (
  SELECT p, COUNT(*) AS orders, COUNT(amount) AS valued, CAST(SUM(CAST(amount AS DECIMAL(38, 9))) AS DOUBLE) AS revenue FROM buys GROUP BY p
),
refunds AS (
  SELECT p, COUNT(*) AS refunds, CAST(SUM(CAST(-amount AS DECIMAL(38, 9))) AS DOUBLE) AS refund_amount FROM counted WHERE amount < 0 GROUP BY p
),
activity AS (
  SELECT p, COUNT(*) AS active, {repeaters} AS repeaters FROM customer_periods GROUP BY p
),
news AS (
  SELECT p, COUNT(*) AS new FROM firsts GROUP BY p
),
retained AS (
  SELECT a.p, COUNT(*) AS retained
  FROM customer_periods a JOIN customer_periods b ON a.customer = b.customer AND b.p = a.p - 1
  GROUP BY a.p
),
periods AS (
  SELECT p FROM sums UNION SELECT p FROM refunds
),
span AS (
  SELECT customer, min(day_n) AS first_day, max(day_n) AS last_day FROM buys WHERE TRUE{span_filter} GROUP BY customer
),
problems AS (
  SELECT
    COUNT(CASE WHEN k > 1 THEN 1 END) AS duplicate_ids,
    {date_invalid} AS date_invalid,
    {date_missing} AS date_missing,
    {amount_invalid} AS amount_invalid,
    {customer_missing} AS customer_missing
  FROM numbered
)
SELECT
  'period' AS part, x.p, l.as_of,
  coalesce(s.orders, 0) AS orders, coalesce(s.valued, 0) AS valued, s.revenue,
  coalesce(f.refunds, 0) AS refunds, f.refund_amount,
  coalesce(a.active, 0) AS active, coalesce(n.new, 0) AS new, coalesce(r.retained, 0) AS retained,
  coalesce(a.repeaters, 0) AS repeaters,
  CAST(NULL AS BIGINT) AS duplicate_ids, CAST(NULL AS BIGINT) AS date_invalid, CAST(NULL AS BIGINT) AS date_missing,
  CAST(NULL AS BIGINT) AS amount_invalid, CAST(NULL AS BIGINT) AS customer_missing
FROM periods x
CROSS JOIN limits l
LEFT JOIN sums s ON s.p = x.p
LEFT JOIN refunds f ON f.p = x.p
LEFT JOIN activity a ON a.p = x.p
LEFT JOIN news n ON n.p = x.p
LEFT JOIN retained r ON r.p = x.p
UNION ALL
SELECT
  'total' AS part, CAST(NULL AS BIGINT) AS p, l.as_of,
  NULL, NULL, NULL, NULL, NULL,
  t.active, NULL, NULL, t.repeaters,
  q.duplicate_ids, q.date_invalid, q.date_missing, q.amount_invalid, q.customer_missing
FROM (SELECT COUNT(*) AS active, {span_repeaters} AS repeaters FROM span) t
CROSS JOIN limits l
CROSS JOIN problems q
ORDER BY part, p",
        order = text(&spec.order),
        customer = text(&spec.customer),
        ordered = d.text(&spec.ordered),
        amount_text = text(&spec.amount),
        table = d.table(table),
        day = d.date("t_day"),
        days = d.days("day"),
        p = d.period_index("u.day", period),
        repeaters = count_where("first_day <> last_day"),
        span_repeaters = count_where("first_day <> last_day"),
        date_invalid = count_where("dated_text = 1 AND day IS NULL"),
        date_missing = count_where("dated_text = 0"),
        amount_invalid = if spec.amount.is_some() { count_where("amount_text = 1 AND amount IS NULL") } else { "0".to_string() },
        customer_missing = count_where("customer IS NULL"),
    )
}
