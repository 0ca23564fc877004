-- The same peer query as duckdb_query.sql, the way an analyst usually writes it: DuckDB
-- detects the JSON schema itself (read_json_auto): one of the two ways the DuckDB peer of
-- docs/performance.md "The DuckDB peer" may have run.
SELECT
    CAST(to_timestamp(event_timestamp / 1000) AS DATE) AS day,
    count(*) FILTER (WHERE event_type = '_userauth.sign_in') AS sign_ins,
    count(DISTINCT coalesce(nullif(CAST(endpoint.User.UserId AS VARCHAR), ''), CAST(client.client_id AS VARCHAR))) FILTER (
        WHERE event_type IN ('_userauth.sign_up', '_userauth.sign_in')
           OR event_type LIKE '\_session.%' ESCAPE '\'
           OR event_type LIKE '\_monetization.%' ESCAPE '\'
           OR event_type NOT LIKE '\_%' ESCAPE '\'
    ) AS active_users
FROM read_json_auto('PINPOINT_GLOB', format = 'newline_delimited', union_by_name = true)
GROUP BY 1
ORDER BY 1;
