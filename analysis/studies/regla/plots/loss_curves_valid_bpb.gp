# validation bpb by variant, mean over seeds with 95% band
# Written by gatelab plot; reads loss_curves_valid_bpb.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 960,640 font 'sans,10' background rgb 'white'; set output 'loss_curves_valid_bpb.png'" loss_curves_valid_bpb.gp
#   gnuplot -e "set terminal svg size 960,640 font 'sans,11' background rgb 'white'; set output 'loss_curves_valid_bpb.svg'" loss_curves_valid_bpb.gp
#   gnuplot -e "set terminal pdfcairo size 9.60in,6.40in font 'sans,9'; set output 'loss_curves_valid_bpb.pdf'" loss_curves_valid_bpb.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set title 'validation bpb by variant, mean over seeds with 95% band'
set xlabel 'step (optimizer steps)'
set ylabel 'validation bits per byte'
set autoscale xfix
set key below left maxcols 2 box title 'variant'
set yrange [1.3:2.2]
plot 'loss_curves_valid_bpb.csv' using 'step':(column('case_index') == 0 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#0072B2' notitle, \
     '' using 'step':(column('case_index') == 1 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#D55E00' notitle, \
     '' using 'step':(column('case_index') == 2 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#009E73' notitle, \
     '' using 'step':(column('case_index') == 3 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#CC79A7' notitle, \
     '' using 'step':(column('case_index') == 4 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#E69F00' notitle, \
     '' using 'step':(column('case_index') == 5 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#56B4E9' notitle, \
     '' using 'step':(column('case_index') == 6 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#000000' notitle, \
     '' using 'step':(column('case_index') == 7 ? column('ci95_low') : NaN):'ci95_high' with filledcurves fs transparent solid 0.18 noborder lc rgb '#F0E442' notitle, \
     '' using 'step':(column('case_index') == 0 ? column('bpb') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#0072B2' title 'hybrid elu1/layernorm/gla + softmax ungated', \
     '' using 'step':(column('case_index') == 1 ? column('bpb') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#D55E00' title 'hybrid regla/layernorm/refining + softmax ungated', \
     '' using 'step':(column('case_index') == 2 ? column('bpb') : NaN) with linespoints lw 1.5 pt 9 ps 0.6 lc rgb '#009E73' title 'hybrid regla/layernorm/refining/eps=1.0e-12 + softmax ungated', \
     '' using 'step':(column('case_index') == 3 ? column('bpb') : NaN) with linespoints lw 1.5 pt 10 ps 0.6 lc rgb '#CC79A7' title 'linear elu1/layernorm/gla', \
     '' using 'step':(column('case_index') == 4 ? column('bpb') : NaN) with linespoints lw 1.5 pt 11 ps 0.6 lc rgb '#E69F00' title 'linear regla/layernorm/refining', \
     '' using 'step':(column('case_index') == 5 ? column('bpb') : NaN) with linespoints lw 1.5 pt 12 ps 0.6 lc rgb '#56B4E9' title 'linear regla/layernorm/refining/eps=1.0e-08', \
     '' using 'step':(column('case_index') == 6 ? column('bpb') : NaN) with linespoints lw 1.5 pt 7 ps 0.6 lc rgb '#000000' title 'linear regla/layernorm/refining/eps=1.0e-12', \
     '' using 'step':(column('case_index') == 7 ? column('bpb') : NaN) with linespoints lw 1.5 pt 8 ps 0.6 lc rgb '#F0E442' title 'softmax ungated'
