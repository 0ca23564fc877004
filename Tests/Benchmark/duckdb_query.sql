-- The peer query of `make bench`: sign-ins and distinct active users per UTC day, from the
-- Pinpoint event-stream objects alone, with the user of docs/inputs.md "Pinpoint event
-- stream" and the activity event types of docs/metrics.md "Kinds".
SELECT
    CAST(to_timestamp(event_timestamp / 1000) AS DATE) AS day,
    count(*) FILTER (WHERE event_type = '_userauth.sign_in') AS sign_ins,
    count(DISTINCT coalesce(nullif(endpoint.User.UserId, ''), client.client_id)) FILTER (
        WHERE event_type IN ('_userauth.sign_up', '_userauth.sign_in')
           OR event_type LIKE '\_session.%' ESCAPE '\'
           OR event_type LIKE '\_monetization.%' ESCAPE '\'
           OR event_type NOT LIKE '\_%' ESCAPE '\'
    ) AS active_users
FROM read_json(
    'PINPOINT_GLOB',
    format = 'newline_delimited',
    compression = 'gzip',
    columns = {
        'event_type': 'VARCHAR',
        'event_timestamp': 'BIGINT',
        'client': 'STRUCT(client_id VARCHAR)',
        'endpoint': 'STRUCT("User" STRUCT("UserId" VARCHAR))'
    }
)
GROUP BY 1
ORDER BY 1;
