# first-token attention share and max activation by layer: ungated vs gated
# Written by gatelab plot; reads sinks.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 1200,610 font 'sans,10' background rgb 'white'; set output 'sinks.png'" sinks.gp
#   gnuplot -e "set terminal svg size 1200,610 font 'sans,11' background rgb 'white'; set output 'sinks.svg'" sinks.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set multiplot layout 1,2 title 'first-token attention share and max activation by layer: ungated vs gated (last evaluation)'
set xlabel 'layer (0 = first block)'
set xtics 1
set xrange [-0.3:1.3]
set key below left maxcols 1 box
set bmargin 9
set yrange [0:*]
set title 'first-token attention share (F-Attn; softmax layers)'
set ylabel 'mean attention on token 0 (queries i >= 1)'
plot 'sinks.csv' using 'layer':(column('series_index') == 0 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#0072B2' title 'task=bytes,kind=softmax (ungated baseline)', \
     '' using 'layer':(column('series_index') == 1 ? column('first_token_share') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#D55E00' title 'task=mqar,kind=softmax (ungated baseline)', \
     '' using 'layer':(column('series_index') == 2 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#009E73' title 'task=bytes,hybrid_every=2', \
     '' using 'layer':(column('series_index') == 3 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#CC79A7' title 'task=bytes,kind=linear', \
     '' using 'layer':(column('series_index') == 4 ? column('first_token_share') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#E69F00' title 'task=mqar,kind=linear'
set autoscale y
unset key
set title 'max activation (M-Act) of the residual stream'
set ylabel 'max |h_l| over tokens and channels'
plot 'sinks.csv' using 'layer':(column('series_index') == 0 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#0072B2' title 'task=bytes,kind=softmax (ungated baseline)', \
     '' using 'layer':(column('series_index') == 1 ? column('max_activation') : NaN) with linespoints lw 2 pt 6 dt 2 lc rgb '#D55E00' title 'task=mqar,kind=softmax (ungated baseline)', \
     '' using 'layer':(column('series_index') == 2 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#009E73' title 'task=bytes,hybrid_every=2', \
     '' using 'layer':(column('series_index') == 3 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#CC79A7' title 'task=bytes,kind=linear', \
     '' using 'layer':(column('series_index') == 4 ? column('max_activation') : NaN) with linespoints lw 2 pt 7 dt 1 lc rgb '#E69F00' title 'task=mqar,kind=linear'
unset multiplot
