-- The linear-attention kernels of `gatelab bench` (forward + backward, bf16, causal): one row per (shape, device)
-- from the newest row of each kind. ratio = our CUDA kernels' ms / SDPA flash ms in the same run (what the targets
-- judge); target_ratio is the target the row was measured against (issue 7's before 2026-12-07, issue 18's since);
-- floor_ms is the least the shape must move through memory at the bandwidth of a device copy timed in the same run
-- (harness/bench_command.cpp, kernel_min_bytes), and times_floor how far the kernels are above it. Rows from before
-- the floor was measured have none.
CREATE VIEW bench_kernels AS
WITH newest AS (
  SELECT b.* FROM benches b
  WHERE b.ms IS NOT NULL
    AND b.created_at = (SELECT max(n.created_at) FROM benches n
                        WHERE n.what = b.what AND n.shape = b.shape AND n.device = b.device)),
ours AS (
  SELECT c.*,
         -- shape "B=<b> T=<t> H=<h> D=<d>"
         CAST(substr(c.shape, instr(c.shape, 'T=') + 2, instr(c.shape, ' H=') - instr(c.shape, 'T=') - 2)
              AS INTEGER) AS t,
         CAST(substr(c.shape, instr(c.shape, 'D=') + 2) AS INTEGER) AS head_dim,
         -- the number after "ratio to SDPA flash <= " (CAST keeps the leading number of what follows)
         CAST(substr(c.target, instr(c.target, 'ratio to SDPA flash <= ') + 23) AS REAL) AS target_ratio
  FROM newest c WHERE c.what = 'kernel:cuda_chunk')
SELECT o.shape AS shape,
       o.head_dim AS head_dim,
       o.device AS device,
       round(o.ms, 3) AS cuda_ms,
       round(f.ms, 3) AS flash_ms,
       round(o.ms / f.ms, 3) AS ratio,
       o.target_ratio AS target_ratio,
       CASE WHEN f.ms IS NULL THEN NULL WHEN o.ms / f.ms <= o.target_ratio THEN 'yes' ELSE 'no' END AS met,
       round(fl.ms, 3) AS floor_ms,
       round(o.ms / fl.ms, 1) AS times_floor,
       round(c.ms, 3) AS chunked_ms,
       o.git_commit AS git_commit
FROM ours o
LEFT JOIN newest f ON f.what = 'sdpa_flash' AND f.shape = o.shape AND f.device = o.device
LEFT JOIN newest fl ON fl.what = 'floor:kernel:cuda_chunk' AND fl.shape = o.shape AND fl.device = o.device
LEFT JOIN newest c ON c.what = 'kernel:torch_chunked' AND c.shape = o.shape AND c.device = o.device
ORDER BY o.device, o.head_dim, o.t;
