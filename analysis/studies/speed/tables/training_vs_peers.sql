-- db: bench_h200_fused.db.zst
-- Training throughput of gatelab's reference models against the same models in PyTorch eager, one H200, one device
-- call (view bench_versus_peers): ratio = gatelab tokens/s / PyTorch tokens/s, memory_ratio = peak / peak.
SELECT model, peer, gatelab_tokens_per_s, peer_tokens_per_s, ratio, gatelab_peak_gib, peer_peak_gib, memory_ratio
FROM bench_versus_peers
ORDER BY model, peer
