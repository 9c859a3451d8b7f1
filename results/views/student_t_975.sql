-- student_t_975: the two-sided 95% quantile of Student's t distribution, t(0.975, df), tabulated for df 1..30,
-- 40, 60 and 120 (beyond 120 the table's last row, 1.980, is used: slightly wider than the normal 1.960). The seed
-- views (seed_summary, metric_by_case, versus_baseline_by_case) give 95% intervals mean +- t * std / sqrt(n) with
-- df = n - 1, taking the row of the largest tabulated df <= n - 1 (an interval never narrower than the exact one).
-- t-based because a sweep has few seeds: with 3 seeds t(0.975, 2) = 4.303, not the normal 1.96.
-- Checked against Boost.Math's quantile in tests/results.
CREATE VIEW student_t_975 AS
SELECT column1 AS df, column2 AS t FROM (VALUES
  (1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764), (5, 2.5706), (6, 2.4469), (7, 2.3646), (8, 2.3060),
  (9, 2.2622), (10, 2.2281), (11, 2.2010), (12, 2.1788), (13, 2.1604), (14, 2.1448), (15, 2.1314), (16, 2.1199),
  (17, 2.1098), (18, 2.1009), (19, 2.0930), (20, 2.0860), (21, 2.0796), (22, 2.0739), (23, 2.0687), (24, 2.0639),
  (25, 2.0595), (26, 2.0555), (27, 2.0518), (28, 2.0484), (29, 2.0452), (30, 2.0423), (40, 2.0211), (60, 2.0003),
  (120, 1.9799));
