-- db: bench_h200.db.zst
-- The linear-attention kernels, forward + backward, bf16, causal, GLA log-decays on every key channel (`gatelab
-- bench`, view bench_kernels), one H200 (2026-12-02): ms of our CUDA kernels and of SDPA flash in the same run, their
-- ratio, and the target the rows were measured against (issue 7's; issue 18's are 0.98 / 0.56 / 0.33 / 0.19). This
-- DB predates the K = V = 128 shapes and the memory floor (floor_ms, times_floor): empty here.
SELECT shape, cuda_ms, flash_ms, ratio, target_ratio, met, floor_ms, times_floor
FROM bench_kernels
ORDER BY head_dim, flash_ms
