# MQAR accuracy at the best learning rate vs model width
# Written by gatelab plot; reads mqar_accuracy.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 1240,640 font 'sans,10' background rgb 'white'; set output 'mqar_accuracy.png'" mqar_accuracy.gp
#   gnuplot -e "set terminal svg size 1240,640 font 'sans,11' background rgb 'white'; set output 'mqar_accuracy.svg'" mqar_accuracy.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set multiplot layout 1,2 title 'MQAR accuracy at the best learning rate vs model width'
set xlabel 'd_model (hidden size)'
set ylabel 'accuracy (fraction of queries)'
set yrange [-0.03:1.03]
set logscale x 2
set xtics (64, 128, 256)
set offsets graph 0.05, graph 0.05, 0, 0
set key below maxcols 1 box
set bmargin 14
set title 'MQAR L=64, D=4'
plot 'mqar_accuracy.csv' using 'd_model':(column('panel_index') == 0 && column('series_index') == 0 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'baseconv', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 1 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#D55E00' title 'baseconv + linear elu1/denominator/none', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 2 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#009E73' title 'baseconv + linear identity/layernorm/fast_decay', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 3 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#CC79A7' title 'baseconv + linear identity/layernorm/gla/init=fla', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 4 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#E69F00' title 'baseconv + linear regla/layernorm/refining', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 5 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#56B4E9' title 'baseconv + linear taylor/denominator/none/f8', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 6 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#000000' title 'linear identity/layernorm/gla/init=fla', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 7 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#F0E442' title 'linear identity/layernorm/gla/init=fla/conv4', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 8 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#8C564B' title 'linear regla/layernorm/refining/conv4', \
     '' using 'd_model':(column('panel_index') == 0 && column('series_index') == 9 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#7F7F7F' title 'softmax ungated/norope/noqknorm +learned-pos'
set title 'MQAR L=256, D=16'
plot 'mqar_accuracy.csv' using 'd_model':(column('panel_index') == 1 && column('series_index') == 0 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'baseconv', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 1 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#D55E00' title 'baseconv + linear elu1/denominator/none', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 2 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#009E73' title 'baseconv + linear identity/layernorm/fast_decay', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 3 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#CC79A7' title 'baseconv + linear identity/layernorm/gla/init=fla', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 4 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#E69F00' title 'baseconv + linear regla/layernorm/refining', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 5 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#56B4E9' title 'baseconv + linear taylor/denominator/none/f8', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 6 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#000000' title 'linear identity/layernorm/gla/init=fla', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 7 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#F0E442' title 'linear identity/layernorm/gla/init=fla/conv4', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 8 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#8C564B' title 'linear regla/layernorm/refining/conv4', \
     '' using 'd_model':(column('panel_index') == 1 && column('series_index') == 9 ? column('best_accuracy') : NaN) with linespoints lw 2 pt 7 lc rgb '#7F7F7F' title 'softmax ungated/norope/noqknorm +learned-pos'
unset multiplot
