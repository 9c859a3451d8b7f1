-- gatelab's reference training models beside the peers measured on the same device (issue 18): PyTorch eager,
-- torch.compile and fla, written by scripts/peer_bench.py through `gatelab bench --import-peers`. One row per
-- (model, peer) from the newest row of each on that device; ratio = gatelab tokens/s / peer tokens/s (> 1: gatelab
-- is faster), memory_ratio = gatelab peak / peer peak (< 1: gatelab needs less). The README's speed table is this
-- view (`gatelab query --format markdown "SELECT * FROM bench_versus_peers"`).
CREATE VIEW bench_versus_peers AS
WITH newest AS (
  SELECT b.* FROM benches b
  WHERE b.tokens_per_s IS NOT NULL
    AND b.created_at = (SELECT max(n.created_at) FROM benches n
                        WHERE n.what = b.what AND n.shape = b.shape AND n.device = b.device))
SELECT substr(g.what, 7) AS model,
       g.shape AS shape,
       g.device AS device,
       substr(p.what, 6, instr(substr(p.what, 6), ':') - 1) AS peer,
       round(g.tokens_per_s) AS gatelab_tokens_per_s,
       round(p.tokens_per_s) AS peer_tokens_per_s,
       round(g.tokens_per_s / p.tokens_per_s, 3) AS ratio,
       round(g.peak_mem_gib, 2) AS gatelab_peak_gib,
       round(p.peak_mem_gib, 2) AS peer_peak_gib,
       round(g.peak_mem_gib / p.peak_mem_gib, 3) AS memory_ratio,
       g.git_commit AS git_commit
FROM newest g
JOIN newest p ON p.what = 'peer:' || substr(p.what, 6, instr(substr(p.what, 6), ':') - 1) || ':' || substr(g.what, 7)
             AND p.shape = g.shape AND p.device = g.device
WHERE g.what LIKE 'train:%'
ORDER BY model, peer;
