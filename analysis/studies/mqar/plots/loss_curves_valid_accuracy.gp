# validation accuracy by variant
# Written by gatelab plot; reads loss_curves_valid_accuracy.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 960,540 font 'sans,10' background rgb 'white'; set output 'loss_curves_valid_accuracy.png'" loss_curves_valid_accuracy.gp
#   gnuplot -e "set terminal svg size 960,540 font 'sans,11' background rgb 'white'; set output 'loss_curves_valid_accuracy.svg'" loss_curves_valid_accuracy.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set title 'validation accuracy by variant'
set xlabel 'step (optimizer steps)'
set ylabel 'validation accuracy (fraction of queries)'
set key outside right top title 'variant' box
plot 'loss_curves_valid_accuracy.csv' using 'step':(column('run_index') == 0 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' title 'baseconv', \
     '' using 'step':(column('run_index') == 1 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 2 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 3 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 4 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 5 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 6 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 7 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 8 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 9 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 10 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 11 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('run_index') == 12 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' title 'baseconv + linear elu1/denominator/none', \
     '' using 'step':(column('run_index') == 13 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 14 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 15 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 16 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 17 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 18 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 19 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 20 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 21 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 22 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 23 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' notitle, \
     '' using 'step':(column('run_index') == 24 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#009E73' title 'baseconv + linear identity/layernorm/fast_decay', \
     '' using 'step':(column('run_index') == 25 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#009E73' notitle, \
     '' using 'step':(column('run_index') == 26 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#009E73' notitle, \
     '' using 'step':(column('run_index') == 27 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#009E73' notitle, \
     '' using 'step':(column('run_index') == 28 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#009E73' notitle, \
     '' using 'step':(column('run_index') == 29 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#009E73' notitle, \
     '' using 'step':(column('run_index') == 30 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' title 'baseconv + linear identity/layernorm/gla/init=fla', \
     '' using 'step':(column('run_index') == 31 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 32 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 33 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 34 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 35 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 36 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 37 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 38 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 39 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 40 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 41 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('run_index') == 42 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' title 'baseconv + linear regla/layernorm/refining', \
     '' using 'step':(column('run_index') == 43 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 44 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 45 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 46 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 47 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 48 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 49 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 50 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 51 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 52 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 53 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' notitle, \
     '' using 'step':(column('run_index') == 54 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 12 ps 0.6 lc rgb '#56B4E9' title 'baseconv + linear taylor/denominator/none/f8', \
     '' using 'step':(column('run_index') == 55 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 12 ps 0.6 lc rgb '#56B4E9' notitle, \
     '' using 'step':(column('run_index') == 56 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 12 ps 0.6 lc rgb '#56B4E9' notitle, \
     '' using 'step':(column('run_index') == 57 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 12 ps 0.6 lc rgb '#56B4E9' notitle, \
     '' using 'step':(column('run_index') == 58 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 12 ps 0.6 lc rgb '#56B4E9' notitle, \
     '' using 'step':(column('run_index') == 59 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 12 ps 0.6 lc rgb '#56B4E9' notitle, \
     '' using 'step':(column('run_index') == 60 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#000000' title 'linear identity/layernorm/gla/init=fla', \
     '' using 'step':(column('run_index') == 61 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#000000' notitle, \
     '' using 'step':(column('run_index') == 62 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#000000' notitle, \
     '' using 'step':(column('run_index') == 63 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#000000' notitle, \
     '' using 'step':(column('run_index') == 64 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#000000' notitle, \
     '' using 'step':(column('run_index') == 65 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#000000' notitle, \
     '' using 'step':(column('run_index') == 66 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#F0E442' title 'linear identity/layernorm/gla/init=fla/conv4', \
     '' using 'step':(column('run_index') == 67 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#F0E442' notitle, \
     '' using 'step':(column('run_index') == 68 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#F0E442' notitle, \
     '' using 'step':(column('run_index') == 69 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#F0E442' notitle, \
     '' using 'step':(column('run_index') == 70 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#F0E442' notitle, \
     '' using 'step':(column('run_index') == 71 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#F0E442' notitle, \
     '' using 'step':(column('run_index') == 72 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#8C564B' title 'linear regla/layernorm/refining/conv4', \
     '' using 'step':(column('run_index') == 73 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#8C564B' notitle, \
     '' using 'step':(column('run_index') == 74 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#8C564B' notitle, \
     '' using 'step':(column('run_index') == 75 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#8C564B' notitle, \
     '' using 'step':(column('run_index') == 76 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#8C564B' notitle, \
     '' using 'step':(column('run_index') == 77 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#8C564B' notitle, \
     '' using 'step':(column('run_index') == 78 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' title 'softmax ungated/norope/noqknorm +learned-pos', \
     '' using 'step':(column('run_index') == 79 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 80 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 81 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 82 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 83 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 84 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 85 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 86 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 87 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 88 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle, \
     '' using 'step':(column('run_index') == 89 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#7F7F7F' notitle
