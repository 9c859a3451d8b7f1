-- db: bench_h200_fused.db.zst
-- Token-by-token generation (`gatelab bench --generate`, view bench_generation), one H200: 128 new tokens after a
-- random prefilled context, bf16; decode tokens/s = batch x 128 / decode time; the cache a sequence carries (GLA: its
-- recurrent state; softmax: keys and values) in MiB.
SELECT model, batch, context, decode_tokens_per_s, ms_per_step, prefill_ms, cache_mib_per_sequence, peak_gib
FROM bench_generation
ORDER BY model, batch, context
