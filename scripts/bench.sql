-- The monthly workload of BENCHMARKS.md in DuckDB SQL, the same definitions as cxstat:
-- scripts/bench_duckdb.py runs one part (between "-- part:" lines), with {dir} replaced by the
-- data directory. Each part reads its CSV files directly, as an analyst's query would.

-- part: survey
-- survey --by segment --period month: CSAT top-2-box % (4–5 on 1–5) and mean, NPS (promoters
-- 9–10 minus detractors 0–6, % of NPS answers) with its 95% Wald margin, CES mean.
SELECT
    strftime(CAST(left(submitted_at, 10) AS DATE), '%Y-%m') AS period,
    segment,
    count(*) AS n,
    100e0 * count(*) FILTER (WHERE csat >= 4) / count(csat) AS csat_pct,
    avg(csat) AS csat_mean,
    100e0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) / count(nps) AS nps,
    100e0 * 1.959963984540054e0 * sqrt(
        (count(*) FILTER (WHERE nps >= 9) + count(*) FILTER (WHERE nps <= 6)) / count(nps)
        - pow((count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) / count(nps), 2)
    ) / sqrt(count(nps)) AS nps_moe,
    avg(ces) AS ces_mean
FROM read_csv('{dir}/responses.csv')
GROUP BY ALL
ORDER BY ALL;

-- part: complaints
-- complaints --by category --period month --orders: per month of opening and category, hours
-- to first response (median) and to resolution (p90, linear between ranks), resolution %,
-- reopen % of resolved, complaints per 1,000 orders of the month (first row of each order id,
-- refunds left out). One row per complaint id.
WITH c AS (
    SELECT * FROM read_csv('{dir}/complaints.csv')
    QUALIFY row_number() OVER (PARTITION BY complaint_id) = 1
), o AS (
    SELECT strftime(ordered_at, '%Y-%m') AS period, count(*) AS orders
    FROM (
        SELECT ordered_at, amount FROM read_csv('{dir}/orders.csv')
        QUALIFY row_number() OVER (PARTITION BY order_id) = 1
    )
    WHERE amount >= 0
    GROUP BY 1
), g AS (
    SELECT
        strftime(opened_at, '%Y-%m') AS period,
        category,
        count(*) AS n,
        quantile_cont(epoch(first_response_at - opened_at) / 3600, 0.5) AS response_h_median,
        quantile_cont(epoch(resolved_at - opened_at) / 3600, 0.9) AS resolve_h_p90,
        100e0 * count(resolved_at) / count(*) AS resolved_pct,
        100e0 * count(*) FILTER (WHERE reopened AND resolved_at IS NOT NULL) / count(resolved_at) AS reopen_pct
    FROM c
    GROUP BY ALL
)
SELECT g.*, 1000e0 * n / o.orders AS per_1000_orders
FROM g LEFT JOIN o USING (period)
ORDER BY period, category;

-- part: complaints_full
-- The same command as "complaints", with every column of cxstat's output that is counted from
-- the rows (its intervals are formulas on these counts): the backlog at the end of each month,
-- FCR % of resolved complaints, median, p90 and mean of both durations, the distinct ordering
-- customers of each month and of all months (per 1,000 customers), and the subtotal of each
-- month and the total that cxstat prints.
WITH c AS (
    SELECT * FROM read_csv('{dir}/complaints.csv')
    QUALIFY row_number() OVER (PARTITION BY complaint_id) = 1
), t AS (
    SELECT
        strftime(opened_at, '%Y-%m') AS period,
        category,
        resolved_at IS NOT NULL AS resolved,
        resolved_at IS NULL OR resolved_at >= date_trunc('month', opened_at) + INTERVAL 1 MONTH AS open_end,
        first_contact_resolution AS fcr,
        reopened,
        CASE WHEN first_response_at >= opened_at THEN epoch(first_response_at - opened_at) / 3600 END AS response_h,
        CASE WHEN resolved_at >= opened_at THEN epoch(resolved_at - opened_at) / 3600 END AS resolve_h
    FROM c
), b AS (
    SELECT strftime(ordered_at, '%Y-%m') AS period, customer_id
    FROM (
        SELECT customer_id, ordered_at, amount FROM read_csv('{dir}/orders.csv')
        QUALIFY row_number() OVER (PARTITION BY order_id) = 1
    )
    WHERE amount >= 0
), o AS (
    SELECT coalesce(period, 'Total') AS period, count(*) AS orders, count(DISTINCT customer_id) AS ordering_customers
    FROM b
    GROUP BY GROUPING SETS ((period), ())
), g AS (
    SELECT
        CASE WHEN grouping(period) = 1 THEN 'Total' ELSE period END AS period,
        CASE WHEN grouping(category) = 1 THEN 'Total' ELSE category END AS category,
        count(*) AS n,
        -- by the end of the month; on the total, by the end of the scope (now): unresolved
        CASE WHEN grouping(period) = 1 THEN count(*) FILTER (WHERE NOT resolved)
             ELSE count(*) FILTER (WHERE open_end) END AS open_at_end,
        count(*) FILTER (WHERE resolved) AS resolved_n,
        100e0 * count(*) FILTER (WHERE resolved) / count(*) AS resolved_pct,
        count(fcr) FILTER (WHERE resolved) AS fcr_n,
        100e0 * count(*) FILTER (WHERE resolved AND fcr) / count(fcr) FILTER (WHERE resolved) AS fcr_pct,
        count(reopened) FILTER (WHERE resolved) AS reopen_n,
        100e0 * count(*) FILTER (WHERE resolved AND reopened) / count(reopened) FILTER (WHERE resolved) AS reopen_pct,
        count(response_h) AS response_n,
        quantile_cont(response_h, 0.5) AS response_h_median,
        quantile_cont(response_h, 0.9) AS response_h_p90,
        avg(response_h) AS response_h_mean,
        count(resolve_h) AS resolve_n,
        quantile_cont(resolve_h, 0.5) AS resolve_h_median,
        quantile_cont(resolve_h, 0.9) AS resolve_h_p90,
        avg(resolve_h) AS resolve_h_mean
    FROM t
    GROUP BY GROUPING SETS ((period, category), (period), ())
)
SELECT g.*, o.orders, o.ordering_customers,
    1000e0 * n / o.orders AS per_1000_orders,
    1000e0 * n / o.ordering_customers AS per_1000_customers
FROM g LEFT JOIN o USING (period)
ORDER BY period, category;

-- part: repeat
-- repeat --period month: customers buying in the month (first row of each order id, refunds
-- left out), those whose first purchase was in an earlier month, and their share.
WITH b AS (
    SELECT customer_id, ordered_at
    FROM (
        SELECT customer_id, ordered_at, amount FROM read_csv('{dir}/orders.csv')
        QUALIFY row_number() OVER (PARTITION BY order_id) = 1
    )
    WHERE amount >= 0
), f AS (
    SELECT customer_id, date_trunc('month', min(ordered_at)) AS first_month FROM b GROUP BY 1
), a AS (
    SELECT DISTINCT date_trunc('month', ordered_at) AS month, customer_id FROM b
)
SELECT
    strftime(month, '%Y-%m') AS period,
    count(*) AS active_customers,
    count(*) FILTER (WHERE first_month < month) AS returning_customers,
    100e0 * count(*) FILTER (WHERE first_month < month) / count(*) AS repeat_rate
FROM a JOIN f USING (customer_id)
GROUP BY month
ORDER BY month;
