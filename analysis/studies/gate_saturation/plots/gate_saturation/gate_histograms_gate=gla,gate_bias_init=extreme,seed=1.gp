# gate values at steps 0, 800, 1600: gate=gla,gate_bias_init=extreme,seed=1 (linear regla/layernorm/gla/bias=extreme)
# Written by gatelab plot; reads gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.csv (tidy CSV, one observation per row).
# Restyle freely, then render from this folder with:
#   gnuplot -e "set terminal pngcairo size 900,620 font 'sans,10' background rgb 'white'; set output 'gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.png'" gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.gp
#   gnuplot -e "set terminal svg size 900,620 font 'sans,11' background rgb 'white'; set output 'gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.svg'" gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.gp
#   gnuplot -e "set terminal pdfcairo size 9.00in,6.20in font 'sans,9'; set output 'gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.pdf'" gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.gp

set datafile separator comma
set datafile columnheaders
set datafile missing ''
set termoption noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set title 'gate values at steps 0, 800, 1600: gate=gla,gate_bias_init=extreme,seed=1 (linear regla/layernorm/gla/bias=extreme)'
set xlabel 'gate value (bins over [0, 1])'
set ylabel 'share of gate values per bin'
set xrange [0:1]
set logscale y 10
set key below left maxcols 3 box
plot 'gate_histograms_gate=gla,gate_bias_init=extreme,seed=1.csv' using 'center':(column('series_index') == 0 && column('step') == 0 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 3 lc rgb '#0072B2' title 'layer 0 alpha, step 0', \
     '' using 'center':(column('series_index') == 0 && column('step') == 800 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 2 lc rgb '#0072B2' title 'layer 0 alpha, step 800', \
     '' using 'center':(column('series_index') == 0 && column('step') == 1600 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 1 lc rgb '#0072B2' title 'layer 0 alpha, step 1600', \
     '' using 'center':(column('series_index') == 1 && column('step') == 0 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 3 lc rgb '#D55E00' title 'layer 1 alpha, step 0', \
     '' using 'center':(column('series_index') == 1 && column('step') == 800 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 2 lc rgb '#D55E00' title 'layer 1 alpha, step 800', \
     '' using 'center':(column('series_index') == 1 && column('step') == 1600 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 1 lc rgb '#D55E00' title 'layer 1 alpha, step 1600', \
     '' using 'center':(column('series_index') == 2 && column('step') == 0 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 3 lc rgb '#009E73' title 'layer 2 alpha, step 0', \
     '' using 'center':(column('series_index') == 2 && column('step') == 800 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 2 lc rgb '#009E73' title 'layer 2 alpha, step 800', \
     '' using 'center':(column('series_index') == 2 && column('step') == 1600 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 1 lc rgb '#009E73' title 'layer 2 alpha, step 1600', \
     '' using 'center':(column('series_index') == 3 && column('step') == 0 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 3 lc rgb '#CC79A7' title 'layer 3 alpha, step 0', \
     '' using 'center':(column('series_index') == 3 && column('step') == 800 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 2 lc rgb '#CC79A7' title 'layer 3 alpha, step 800', \
     '' using 'center':(column('series_index') == 3 && column('step') == 1600 && column('share') > 0 ? column('share') : NaN) with histeps lw 2 dt 1 lc rgb '#CC79A7' title 'layer 3 alpha, step 1600'
