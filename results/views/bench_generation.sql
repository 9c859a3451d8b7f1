-- Token-by-token generation, `gatelab bench --generate` (issue 18): one row per (model, batch, context) on a device,
-- from the newest of its three rows (decode, prefill, cache): decode tokens/s (batch x new tokens / decode time) and
-- ms per decode step, the prefill's ms, the cache a sequence carries after context + new tokens (softmax: keys and
-- values; linear attention: its recurrent state, the same at any context) in MiB, and the allocator peak. A point
-- that ran out of memory has its note and no figures.
CREATE VIEW bench_generation AS
WITH newest AS (
  SELECT b.* FROM benches b
  WHERE b.created_at = (SELECT max(n.created_at) FROM benches n
                        WHERE n.what = b.what AND n.shape = b.shape AND n.device = b.device)),
decode AS (
  SELECT d.*, substr(d.what, 10) AS model,
         substr(d.shape, instr(d.shape, 'context=') + 8) AS after_context  -- "<context> new_tokens=<n>"
  FROM newest d WHERE d.what LIKE 'generate:%')
SELECT d.model AS model,
       CAST(substr(d.shape, 3, instr(d.shape, ' ') - 3) AS INTEGER) AS batch,       -- shape "B=<b> context=..."
       CAST(substr(d.after_context, 1, instr(d.after_context, ' ') - 1) AS INTEGER) AS context,
       CAST(substr(d.shape, instr(d.shape, 'new_tokens=') + 11) AS INTEGER) AS new_tokens,
       d.device AS device,
       round(d.tokens_per_s) AS decode_tokens_per_s,
       round(d.ms, 3) AS ms_per_step,
       round(p.ms, 1) AS prefill_ms,
       round(c.peak_mem_gib * 1024, 4) AS cache_mib_per_sequence,
       round(d.peak_mem_gib, 2) AS peak_gib,
       CASE WHEN d.tokens_per_s IS NULL THEN d.target END AS note,
       d.git_commit AS git_commit
FROM decode d
LEFT JOIN newest p ON p.what = 'generate_prefill:' || d.model AND p.shape = d.shape AND p.device = d.device
LEFT JOIN newest c ON c.what = 'generate_cache:' || d.model AND c.shape = d.shape AND c.device = d.device
ORDER BY model, batch, context;
