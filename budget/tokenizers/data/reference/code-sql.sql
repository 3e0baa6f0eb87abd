-- Monthly active customers and revenue by plan, last 12 months
WITH months AS (
    SELECT generate_series(
        date_trunc('month', now()) - interval '11 months',
        date_trunc('month', now()),
        interval '1 month'
    )::date AS month
),
activity AS (
    SELECT
        date_trunc('month', e.created_at)::date AS month,
        e.customer_id,
        c.plan
    FROM events AS e
    JOIN customers AS c ON c.id = e.customer_id
    WHERE e.created_at >= (SELECT min(month) FROM months)
      AND e.kind IN ('login', 'api_call', 'export')
    GROUP BY 1, 2, 3
)
SELECT
    m.month,
    a.plan,
    count(DISTINCT a.customer_id) AS active_customers,
    coalesce(sum(i.amount_cents), 0) / 100.0 AS revenue_eur
FROM months AS m
LEFT JOIN activity AS a ON a.month = m.month
LEFT JOIN invoices AS i
    ON i.customer_id = a.customer_id
   AND date_trunc('month', i.issued_at)::date = m.month
GROUP BY m.month, a.plan
ORDER BY m.month, revenue_eur DESC NULLS LAST;
