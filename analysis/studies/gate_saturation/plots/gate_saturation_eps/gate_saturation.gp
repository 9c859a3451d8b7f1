# gate saturation and mean gate value by layer
# Written by gatelab plot; reads gate_saturation.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 1200,952 font 'sans,10' background rgb 'white'; set output 'gate_saturation.png'" gate_saturation.gp
#   gnuplot -e "set terminal svg size 1200,952 font 'sans,11' background rgb 'white'; set output 'gate_saturation.svg'" gate_saturation.gp
#   gnuplot -e "set terminal pdfcairo size 12.00in,9.52in font 'sans,9'; set output 'gate_saturation.pdf'" gate_saturation.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set multiplot layout 1,2 title 'gate saturation and mean gate value by layer (last evaluation)'
set xlabel 'layer (0 = first block)'
set xtics 1
set xrange [-0.3:3.3]
set key below left maxcols 1 box
set bmargin 28
set yrange [0:1]
set title 'saturated share (values < 0.005 or > 1 - 0.005)'
set ylabel 'share of gate values'
plot 'gate_saturation.csv' using (column('layer') + -0.1500):(column('series_index') == 0 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'gate=fast_decay,gate_bias_init=extreme,seed=0: alpha', \
     '' using (column('layer') + -0.1370):(column('series_index') == 1 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#D55E00' title 'gate=fast_decay,gate_bias_init=extreme,seed=0: alpha_v', \
     '' using (column('layer') + -0.1239):(column('series_index') == 2 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#009E73' title 'gate=fast_decay,gate_bias_init=extreme,seed=1: alpha', \
     '' using (column('layer') + -0.1109):(column('series_index') == 3 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#CC79A7' title 'gate=fast_decay,gate_bias_init=extreme,seed=1: alpha_v', \
     '' using (column('layer') + -0.0978):(column('series_index') == 4 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#E69F00' title 'gate=fast_decay,gate_bias_init=uniform,seed=0: alpha', \
     '' using (column('layer') + -0.0848):(column('series_index') == 5 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#56B4E9' title 'gate=fast_decay,gate_bias_init=uniform,seed=0: alpha_v', \
     '' using (column('layer') + -0.0717):(column('series_index') == 6 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#000000' title 'gate=fast_decay,gate_bias_init=uniform,seed=1: alpha', \
     '' using (column('layer') + -0.0587):(column('series_index') == 7 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#F0E442' title 'gate=fast_decay,gate_bias_init=uniform,seed=1: alpha_v', \
     '' using (column('layer') + -0.0457):(column('series_index') == 8 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#8C564B' title 'gate=gla,gate_bias_init=extreme,seed=0: alpha', \
     '' using (column('layer') + -0.0326):(column('series_index') == 9 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#7F7F7F' title 'gate=gla,gate_bias_init=extreme,seed=1: alpha', \
     '' using (column('layer') + -0.0196):(column('series_index') == 10 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'gate=gla,gate_bias_init=uniform,seed=0: alpha', \
     '' using (column('layer') + -0.0065):(column('series_index') == 11 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#D55E00' title 'gate=gla,gate_bias_init=uniform,seed=1: alpha', \
     '' using (column('layer') + 0.0065):(column('series_index') == 12 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#009E73' title 'gate=refining,gate_bias_init=extreme,seed=0: alpha', \
     '' using (column('layer') + 0.0196):(column('series_index') == 13 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#CC79A7' title 'gate=refining,gate_bias_init=extreme,seed=0: g', \
     '' using (column('layer') + 0.0326):(column('series_index') == 14 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#E69F00' title 'gate=refining,gate_bias_init=extreme,seed=0: r', \
     '' using (column('layer') + 0.0457):(column('series_index') == 15 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#56B4E9' title 'gate=refining,gate_bias_init=extreme,seed=1: alpha', \
     '' using (column('layer') + 0.0587):(column('series_index') == 16 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#000000' title 'gate=refining,gate_bias_init=extreme,seed=1: g', \
     '' using (column('layer') + 0.0717):(column('series_index') == 17 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#F0E442' title 'gate=refining,gate_bias_init=extreme,seed=1: r', \
     '' using (column('layer') + 0.0848):(column('series_index') == 18 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#8C564B' title 'gate=refining,gate_bias_init=uniform,seed=0: alpha', \
     '' using (column('layer') + 0.0978):(column('series_index') == 19 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#7F7F7F' title 'gate=refining,gate_bias_init=uniform,seed=0: g', \
     '' using (column('layer') + 0.1109):(column('series_index') == 20 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#0072B2' title 'gate=refining,gate_bias_init=uniform,seed=0: r', \
     '' using (column('layer') + 0.1239):(column('series_index') == 21 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#D55E00' title 'gate=refining,gate_bias_init=uniform,seed=1: alpha', \
     '' using (column('layer') + 0.1370):(column('series_index') == 22 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#009E73' title 'gate=refining,gate_bias_init=uniform,seed=1: g', \
     '' using (column('layer') + 0.1500):(column('series_index') == 23 ? column('saturation') : NaN) with linespoints lw 2 pt 7 lc rgb '#CC79A7' title 'gate=refining,gate_bias_init=uniform,seed=1: r'
unset key
set title 'mean gate value, bars: 5% to 95% quantiles'
set ylabel 'gate value'
plot 'gate_saturation.csv' using (column('layer') + -0.1500):(column('series_index') == 0 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#0072B2' title 'gate=fast_decay,gate_bias_init=extreme,seed=0: alpha', \
     '' using (column('layer') + -0.1370):(column('series_index') == 1 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#D55E00' title 'gate=fast_decay,gate_bias_init=extreme,seed=0: alpha_v', \
     '' using (column('layer') + -0.1239):(column('series_index') == 2 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#009E73' title 'gate=fast_decay,gate_bias_init=extreme,seed=1: alpha', \
     '' using (column('layer') + -0.1109):(column('series_index') == 3 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#CC79A7' title 'gate=fast_decay,gate_bias_init=extreme,seed=1: alpha_v', \
     '' using (column('layer') + -0.0978):(column('series_index') == 4 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#E69F00' title 'gate=fast_decay,gate_bias_init=uniform,seed=0: alpha', \
     '' using (column('layer') + -0.0848):(column('series_index') == 5 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#56B4E9' title 'gate=fast_decay,gate_bias_init=uniform,seed=0: alpha_v', \
     '' using (column('layer') + -0.0717):(column('series_index') == 6 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#000000' title 'gate=fast_decay,gate_bias_init=uniform,seed=1: alpha', \
     '' using (column('layer') + -0.0587):(column('series_index') == 7 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#F0E442' title 'gate=fast_decay,gate_bias_init=uniform,seed=1: alpha_v', \
     '' using (column('layer') + -0.0457):(column('series_index') == 8 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#8C564B' title 'gate=gla,gate_bias_init=extreme,seed=0: alpha', \
     '' using (column('layer') + -0.0326):(column('series_index') == 9 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#7F7F7F' title 'gate=gla,gate_bias_init=extreme,seed=1: alpha', \
     '' using (column('layer') + -0.0196):(column('series_index') == 10 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#0072B2' title 'gate=gla,gate_bias_init=uniform,seed=0: alpha', \
     '' using (column('layer') + -0.0065):(column('series_index') == 11 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#D55E00' title 'gate=gla,gate_bias_init=uniform,seed=1: alpha', \
     '' using (column('layer') + 0.0065):(column('series_index') == 12 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#009E73' title 'gate=refining,gate_bias_init=extreme,seed=0: alpha', \
     '' using (column('layer') + 0.0196):(column('series_index') == 13 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#CC79A7' title 'gate=refining,gate_bias_init=extreme,seed=0: g', \
     '' using (column('layer') + 0.0326):(column('series_index') == 14 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#E69F00' title 'gate=refining,gate_bias_init=extreme,seed=0: r', \
     '' using (column('layer') + 0.0457):(column('series_index') == 15 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#56B4E9' title 'gate=refining,gate_bias_init=extreme,seed=1: alpha', \
     '' using (column('layer') + 0.0587):(column('series_index') == 16 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#000000' title 'gate=refining,gate_bias_init=extreme,seed=1: g', \
     '' using (column('layer') + 0.0717):(column('series_index') == 17 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#F0E442' title 'gate=refining,gate_bias_init=extreme,seed=1: r', \
     '' using (column('layer') + 0.0848):(column('series_index') == 18 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#8C564B' title 'gate=refining,gate_bias_init=uniform,seed=0: alpha', \
     '' using (column('layer') + 0.0978):(column('series_index') == 19 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#7F7F7F' title 'gate=refining,gate_bias_init=uniform,seed=0: g', \
     '' using (column('layer') + 0.1109):(column('series_index') == 20 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#0072B2' title 'gate=refining,gate_bias_init=uniform,seed=0: r', \
     '' using (column('layer') + 0.1239):(column('series_index') == 21 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#D55E00' title 'gate=refining,gate_bias_init=uniform,seed=1: alpha', \
     '' using (column('layer') + 0.1370):(column('series_index') == 22 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#009E73' title 'gate=refining,gate_bias_init=uniform,seed=1: g', \
     '' using (column('layer') + 0.1500):(column('series_index') == 23 ? column('mean') : NaN):'q05':'q95' with yerrorlines lw 2 pt 7 lc rgb '#CC79A7' title 'gate=refining,gate_bias_init=uniform,seed=1: r'
unset multiplot
