// The hot paths of license keys, each one SQL statement (one round trip): the checks run on a
// snapshot to name the first failure, and the write re-checks its condition on the row's latest
// version (PostgreSQL re-evaluates an UPDATE's WHERE after waiting on a concurrent writer), so
// concurrent validations never pass limit_usage nor lose an increment, and concurrent activations
// never pass limit_activations.

/** $1 org, $2 key, $3 activation_id, $4 conditions, $5 benefit_id, $6 customer_id, $7 increment. */
export const VALIDATE_SQL = `
WITH k AS (
  SELECT id, status, expires_at, benefit_id, customer_id, usage, limit_usage
    FROM license_keys WHERE organization_id = $1 AND key = $2
), act AS (
  SELECT a.* FROM license_key_activations a JOIN k ON a.license_key_id = k.id
   WHERE a.id = $3::uuid AND a.deleted_at IS NULL
), chk AS (
  SELECT k.id, k.usage, k.limit_usage, CASE
    WHEN k.status <> 'granted' THEN 'status'
    WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired'
    WHEN $3::uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM act) THEN 'activation'
    WHEN EXISTS (SELECT 1 FROM act WHERE act.conditions <> '{}'::jsonb AND act.conditions <> $4::jsonb) THEN 'conditions'
    WHEN $5::uuid IS NOT NULL AND $5::uuid <> k.benefit_id THEN 'benefit'
    WHEN $6::uuid IS NOT NULL AND $6::uuid <> k.customer_id THEN 'customer'
    WHEN $7::int > 0 AND k.limit_usage IS NOT NULL AND k.usage + $7::int > k.limit_usage THEN 'usage'
  END AS failure
  FROM k
), u AS (
  UPDATE license_keys lk
     SET validations = lk.validations + 1, last_validated_at = now(), usage = lk.usage + $7::int
    FROM chk
   WHERE lk.id = chk.id AND chk.failure IS NULL AND lk.status = 'granted'
     AND (lk.expires_at IS NULL OR lk.expires_at > now())
     AND ($7::int = 0 OR lk.limit_usage IS NULL OR lk.usage + $7::int <= lk.limit_usage)
  RETURNING lk.*
)
SELECT chk.failure, chk.usage AS seen_usage, chk.limit_usage AS seen_limit_usage,
       -- A validation without usage only moves statistics (validations, last_validated_at): it
       -- commits without waiting for the WAL flush. A database crash may forget the last fraction
       -- of a second of those counters, never a usage increment, which still commits durably.
       (SELECT set_config('synchronous_commit', CASE WHEN $7::int = 0 THEN 'off' ELSE 'on' END, true)) AS commit_mode,
       (SELECT to_jsonb(u.*) FROM u) AS key,
       (SELECT to_jsonb(c.*) FROM customers c JOIN u ON c.id = u.customer_id) AS customer,
       (SELECT to_jsonb(act.*) FROM act) AS activation
  FROM chk`;

/** $1 org, $2 key, $3 label, $4 conditions, $5 meta. */
export const ACTIVATE_SQL = `
WITH k AS (
  SELECT id, status, expires_at, limit_activations, activations_count
    FROM license_keys WHERE organization_id = $1 AND key = $2
), chk AS (
  SELECT k.id, CASE
    WHEN k.status <> 'granted' THEN 'status'
    WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired'
    WHEN k.limit_activations IS NULL THEN 'unsupported'
    WHEN k.activations_count >= k.limit_activations THEN 'limit'
  END AS failure
  FROM k
), u AS (
  UPDATE license_keys lk SET activations_count = lk.activations_count + 1
    FROM chk
   WHERE lk.id = chk.id AND chk.failure IS NULL AND lk.status = 'granted'
     AND lk.limit_activations IS NOT NULL AND lk.activations_count < lk.limit_activations
  RETURNING lk.*
), ins AS (
  INSERT INTO license_key_activations (organization_id, license_key_id, label, conditions, meta)
  SELECT u.organization_id, u.id, $3, $4::jsonb, $5::jsonb FROM u
  RETURNING *
)
SELECT chk.failure,
       (SELECT to_jsonb(ins.*) FROM ins) AS activation,
       (SELECT to_jsonb(u.*) FROM u) AS key,
       (SELECT to_jsonb(c.*) FROM customers c JOIN u ON c.id = u.customer_id) AS customer
  FROM chk`;

/** $1 org, $2 key, $3 activation_id. A second deactivation of the same activation changes nothing. */
export const DEACTIVATE_SQL = `
WITH k AS (
  SELECT id FROM license_keys WHERE organization_id = $1 AND key = $2
), d AS (
  UPDATE license_key_activations a SET deleted_at = now(), modified_at = now()
    FROM k WHERE a.id = $3::uuid AND a.license_key_id = k.id AND a.deleted_at IS NULL
  RETURNING a.license_key_id
), u AS (
  UPDATE license_keys lk SET activations_count = lk.activations_count - 1
    FROM d WHERE lk.id = d.license_key_id
  RETURNING lk.id
)
SELECT (SELECT count(*) FROM k)::int AS keys, (SELECT count(*) FROM u)::int AS deactivated`;

/**
 * Plain validations (no usage increment) of many requests in one statement: the API gathers the
 * validations that arrive while earlier ones are in flight, so a busy server pays one round trip
 * and one commit per batch. Arrays $1 org, $2 key, $3 activation_id, $4 conditions, $5 benefit_id,
 * $6 customer_id, one element per request (`n` is its position). Same checks as VALIDATE_SQL.
 */
export const VALIDATE_BATCH_SQL = `
WITH req AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::jsonb[], $5::uuid[], $6::uuid[])
    WITH ORDINALITY AS r(org, key, activation_id, conditions, want_benefit, want_customer, n)
), k AS (
  SELECT r.n, r.activation_id, r.conditions, r.want_benefit, r.want_customer,
         lk.id, lk.status, lk.expires_at, lk.benefit_id, lk.customer_id
    FROM req r JOIN license_keys lk ON lk.organization_id = r.org AND lk.key = r.key
), chk AS (
  SELECT k.n, k.id, to_jsonb(a.*) AS activation, CASE
    WHEN k.status <> 'granted' THEN 'status'
    WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired'
    WHEN k.activation_id IS NOT NULL AND a.id IS NULL THEN 'activation'
    WHEN a.conditions <> '{}'::jsonb AND a.conditions <> k.conditions THEN 'conditions'
    WHEN k.want_benefit IS NOT NULL AND k.want_benefit <> k.benefit_id THEN 'benefit'
    WHEN k.want_customer IS NOT NULL AND k.want_customer <> k.customer_id THEN 'customer'
  END AS failure
  FROM k LEFT JOIN license_key_activations a ON a.id = k.activation_id AND a.license_key_id = k.id AND a.deleted_at IS NULL
), passing AS (
  SELECT id, count(*)::int AS cnt FROM chk WHERE failure IS NULL GROUP BY id
), locked AS (
  -- Locked in id order: two batches sharing keys never wait on each other in a cycle.
  SELECT lk.id FROM license_keys lk JOIN passing p ON p.id = lk.id ORDER BY lk.id FOR UPDATE OF lk
), u AS (
  UPDATE license_keys lk SET validations = lk.validations + p.cnt, last_validated_at = now()
    FROM passing p JOIN locked l ON l.id = p.id
   WHERE lk.id = p.id AND lk.status = 'granted' AND (lk.expires_at IS NULL OR lk.expires_at > now())
  RETURNING lk.*
)
SELECT chk.n, chk.failure, chk.activation, p.cnt,
       row_number() OVER (PARTITION BY chk.id, chk.failure IS NULL ORDER BY chk.n)::int AS rank,
       to_jsonb(u.*) AS key,
       (SELECT to_jsonb(c.*) FROM customers c WHERE c.id = u.customer_id) AS customer,
       -- Statistics only, as in VALIDATE_SQL: no wait for the WAL flush.
       set_config('synchronous_commit', 'off', true) AS commit_mode
  FROM chk LEFT JOIN passing p ON p.id = chk.id AND chk.failure IS NULL
           LEFT JOIN u ON u.id = chk.id AND chk.failure IS NULL`;
