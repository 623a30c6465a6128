# stats.awk - the statistics both table printers use (bench/run.sh and
# bench/ruby_bench.sh).  Samples are in val[k, 1..cnt[k]], per key k.

# Sorts a[1..c] in place and returns its median.
function med_of(a, c,    i, j, t) {
  for (i = 2; i <= c; i++) {
    t = a[i]
    for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
    a[j + 1] = t
  }
  return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
}

# Median of the samples of key k; also sets mad, their median absolute
# deviation from it, a spread that one stray sample cannot inflate.
function median(k,    i, c, m, a, d) {
  c = cnt[k]
  for (i = 1; i <= c; i++) a[i] = val[k, i]
  m = med_of(a, c)
  for (i = 1; i <= c; i++) d[i] = a[i] > m ? a[i] - m : m - a[i]
  mad = med_of(d, c)
  return m
}
