# validation accuracy by variant
# Written by gatelab plot; reads loss_curves_valid_accuracy.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 960,580 font 'sans,10' background rgb 'white'; set output 'loss_curves_valid_accuracy.png'" loss_curves_valid_accuracy.gp
#   gnuplot -e "set terminal svg size 960,580 font 'sans,11' background rgb 'white'; set output 'loss_curves_valid_accuracy.svg'" loss_curves_valid_accuracy.gp
#   gnuplot -e "set terminal pdfcairo size 9.60in,5.80in font 'sans,9'; set output 'loss_curves_valid_accuracy.pdf'" loss_curves_valid_accuracy.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set title 'validation accuracy by variant'
set xlabel 'step (optimizer steps)'
set ylabel 'validation accuracy (fraction of queries)'
set autoscale xfix
set key below left maxcols 2 box title 'variant'
plot 'loss_curves_valid_accuracy.csv' using 'step':(column('case_index') == 0 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#0072B2' notitle, \
     '' using 'step':(column('case_index') == 1 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#0072B2' notitle, \
     '' using 'step':(column('case_index') == 2 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#0072B2' notitle, \
     '' using 'step':(column('case_index') == 0 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' title 'baseconv', \
     '' using 'step':(column('case_index') == 1 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle, \
     '' using 'step':(column('case_index') == 2 ? column('accuracy') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' notitle
