# first-token attention share and max activation by layer: ungated vs gated
# Written by gatelab plot; reads sinks.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 1200,736 font 'sans,10' background rgb 'white'; set output 'sinks.png'" sinks.gp
#   gnuplot -e "set terminal svg size 1200,736 font 'sans,11' background rgb 'white'; set output 'sinks.svg'" sinks.gp
#   gnuplot -e "set terminal pdfcairo size 12.00in,7.36in font 'sans,9'; set output 'sinks.pdf'" sinks.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set multiplot layout 1,2 title 'first-token attention share and max activation by layer: ungated vs gated (last evaluation)'
set xlabel 'layer (0 = first block)'
set xtics 1
set xrange [-0.3:5.3]
set key below left maxcols 1 box
set bmargin 16
set yrange [0:*]
set title 'first-token attention share (F-Attn; softmax layers)'
set ylabel 'mean attention on token 0 (queries i >= 1)'
plot 'sinks.csv' using (column('layer') + -0.1500):(column('series_index') == 0 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#0072B2' title 'gate_position=none,lr=0.004,seed=0 (ungated baseline)', \
     '' using (column('layer') + -0.1227):(column('series_index') == 1 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#D55E00' title 'gate_position=none,lr=0.004,seed=1 (ungated baseline)', \
     '' using (column('layer') + -0.0955):(column('series_index') == 2 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#009E73' title 'gate_position=none,lr=0.008,seed=0 (ungated baseline)', \
     '' using (column('layer') + -0.0682):(column('series_index') == 3 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#CC79A7' title 'gate_position=none,lr=0.008,seed=1 (ungated baseline)', \
     '' using (column('layer') + -0.0409):(column('series_index') == 4 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#E69F00' title 'gate_position=none,seed=0 (ungated baseline)', \
     '' using (column('layer') + -0.0136):(column('series_index') == 5 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#56B4E9' title 'gate_position=none,seed=1 (ungated baseline)', \
     '' using (column('layer') + 0.0136):(column('series_index') == 6 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#000000' title 'gate_position=G1,lr=0.004,seed=0', \
     '' using (column('layer') + 0.0409):(column('series_index') == 7 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#F0E442' title 'gate_position=G1,lr=0.004,seed=1', \
     '' using (column('layer') + 0.0682):(column('series_index') == 8 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#8C564B' title 'gate_position=G1,lr=0.008,seed=0', \
     '' using (column('layer') + 0.0955):(column('series_index') == 9 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#7F7F7F' title 'gate_position=G1,lr=0.008,seed=1', \
     '' using (column('layer') + 0.1227):(column('series_index') == 10 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#0072B2' title 'gate_position=G1,seed=0', \
     '' using (column('layer') + 0.1500):(column('series_index') == 11 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#D55E00' title 'gate_position=G1,seed=1'
set autoscale y
unset key
set logscale y 10
set title 'max activation (M-Act) of the residual stream'
set ylabel 'max |h_l| over tokens and channels'
plot 'sinks.csv' using (column('layer') + -0.1500):(column('series_index') == 0 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#0072B2' title 'gate_position=none,lr=0.004,seed=0 (ungated baseline)', \
     '' using (column('layer') + -0.1227):(column('series_index') == 1 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#D55E00' title 'gate_position=none,lr=0.004,seed=1 (ungated baseline)', \
     '' using (column('layer') + -0.0955):(column('series_index') == 2 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#009E73' title 'gate_position=none,lr=0.008,seed=0 (ungated baseline)', \
     '' using (column('layer') + -0.0682):(column('series_index') == 3 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#CC79A7' title 'gate_position=none,lr=0.008,seed=1 (ungated baseline)', \
     '' using (column('layer') + -0.0409):(column('series_index') == 4 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#E69F00' title 'gate_position=none,seed=0 (ungated baseline)', \
     '' using (column('layer') + -0.0136):(column('series_index') == 5 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#56B4E9' title 'gate_position=none,seed=1 (ungated baseline)', \
     '' using (column('layer') + 0.0136):(column('series_index') == 6 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#000000' title 'gate_position=G1,lr=0.004,seed=0', \
     '' using (column('layer') + 0.0409):(column('series_index') == 7 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#F0E442' title 'gate_position=G1,lr=0.004,seed=1', \
     '' using (column('layer') + 0.0682):(column('series_index') == 8 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#8C564B' title 'gate_position=G1,lr=0.008,seed=0', \
     '' using (column('layer') + 0.0955):(column('series_index') == 9 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#7F7F7F' title 'gate_position=G1,lr=0.008,seed=1', \
     '' using (column('layer') + 0.1227):(column('series_index') == 10 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#0072B2' title 'gate_position=G1,seed=0', \
     '' using (column('layer') + 0.1500):(column('series_index') == 11 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#D55E00' title 'gate_position=G1,seed=1'
unset multiplot
