#!/usr/bin/env bash
# Benchmark of issues 2 and 8 in one run: a 512×512×600 series tiled from the Visible Human pelvis;
# CementQuant's load, `convert` and `analyze --no-report` against dcm2niix (-z n and -z y) and the Python
# peer (time and peak RSS, medians of RUNS runs, the tools interleaved run by run so a change in machine
# load hits them alike); then the kernel numbers: memory-copy bandwidth with the rescale and threshold
# kernels as a fraction of it, and our 3D labelling against scipy.ndimage.label on the same mask.
# Issue 22 in the same run: the `cat` floor (reading the series' files, page cache warm), `analyze` with and without the
# QA report against it (and the report pictures' share, from analyze's own stage timings), and a mixed study (the series
# plus two clinical-size CRs standing in for its AP and lateral views): studies per hour, CPU-seconds, peak memory and
# bytes read per study.
# Needs: apt-get install -y dcm2niix python3-pydicom python3-scipy time bc (Debian python: /usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/cq-bench}
SRC=${SRC:-../shared/data/real-ct/visible-human-pelvis}
# Two real CRs at clinical size (no public spine AP/lateral pair exists): 2446×2010 JPEG baseline, 1976×1576 JPEG lossless.
XR_AP=${XR_AP:-../shared/data/conformance/orthanc-tests/xray/Monochrome1-Jpeg.dcm}
XR_LAT=${XR_LAT:-../shared/data/conformance/fo-dicom/xray/CR-ModalitySequenceLUT.dcm}
mkdir -p "$WORK"
for p in tests/CementQuant.Benchmarks src/CementQuant.Cli; do dotnet build -c Release "$p" -v q -nologo >/dev/null; done
SERIES="$WORK/series600"
[ -d "$SERIES" ] || /usr/bin/python3 bench/make_tiled_series.py "$SRC" "$SERIES" 4
cat "$SERIES"/* > /dev/null   # page cache: every tool reads from memory
CQ=src/CementQuant.Cli/bin/Release/net10.0/cementquant
BENCH=tests/CementQuant.Benchmarks/bin/Release/net10.0/CementQuant.Benchmarks
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
once() { # label, command...: prints "label seconds peakMiB cpuSeconds"
  local label=$1; shift
  # Flush the previous tool's output first: otherwise its dirty pages are written back during this tool's
  # run and slow whichever tool comes next (dcm2niix -z n ranged 0.33-1.1 s depending on what ran before it).
  sync
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/last.err"
  read -r secs kb user sys < "$WORK/time.txt"
  echo "$label $secs $((kb / 1024)) $(echo "$user + $sys" | bc -l)"
}
stages() { # prefix: analyze's own per-series stage timings (--verbose detail line) of the last run, one row each
  grep -o 'load [0-9.]* s, vertebrae [0-9.]* s, cement [0-9.]* s, masks [0-9.]* s, report pictures [0-9.]* s' "$WORK/last.err" |
    awk -v p="$1" '{print p "_load " $2; print p "_vertebrae " $5; print p "_cement " $8; print p "_masks " $11; print p "_pictures " $15}'
}
mixed() { # one mixed study: "mixed wall cpu peakMiB bytesRead" (bytes read: rchar of the run, runtime and libraries included)
  sync
  rm -rf "$WORK/mx"; mkdir -p "$WORK/mx"
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" bash -c '"$@" >/dev/null 2>&1; awk "/^rchar/ {print \$2}" /proc/$$/io > "'"$WORK"'/io.txt"' _ \
    "$CQ" analyze "$SERIES" "$XR_AP" "$XR_LAT" --out "$WORK/mx"
  read -r secs user sys kb < "$WORK/time.txt"
  echo "mixed $secs $(echo "$user + $sys" | bc -l) $((kb / 1024)) $(cat "$WORK/io.txt")"
}
fresh() { rm -rf "$1"; mkdir -p "$1"; }
{
  for _ in $(seq "$RUNS"); do
    once cq_load "$BENCH" load "$SERIES"
    fresh "$WORK/cq"; once cq_convert "$CQ" convert "$SERIES" --out "$WORK/cq"
    once cat_floor cat "$SERIES"/*
    fresh "$WORK/an"; once cq_analyze "$CQ" analyze "$SERIES" --out "$WORK/an" --no-report --verbose; stages noreport
    fresh "$WORK/anr"; once cq_analyze_report "$CQ" analyze "$SERIES" --out "$WORK/anr" --verbose; stages report
    fresh "$WORK/d2n"; once dcm2niix dcm2niix -z n -o "$WORK/d2n" -f "%s_%r" "$SERIES"
    fresh "$WORK/d2nz"; once dcm2niix_gz dcm2niix -z y -o "$WORK/d2nz" -f "%s_%r" "$SERIES"
    once python_peer /usr/bin/python3 bench/python_peer.py "$SERIES"
    mixed
  done
} > "$WORK/results.txt"
{
  "$BENCH" bandwidth 256 "$((RUNS + 2))"
  "$BENCH" ccl "$SERIES" "$WORK/mask.raw" "$RUNS" 200
} > "$WORK/kernels.txt"
read -r _ sx sy sz < <(grep '^dims ' "$WORK/kernels.txt")
/usr/bin/python3 bench/ccl_peer.py "$WORK/mask.raw" "$sx" "$sy" "$sz" "$RUNS" >> "$WORK/kernels.txt"
k() { awk -v k="$1" '$1==k {print $2}' "$WORK/kernels.txt"; }
ratio() { echo "$1 / $2" | bc -l | awk '{printf "%.2f", $1}'; }

volume_mib=$(( 512 * 512 * 600 * 2 / 1048576 ))
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
echo "series: 512x512x600 int16 = ${volume_mib} MiB; median of $RUNS interleaved runs, page cache warm"
printf "%-14s %9s %10s %12s\n" tool "time (s)" "peak MiB" "peak/volume"
for t in cat_floor cq_load cq_convert cq_analyze cq_analyze_report dcm2niix dcm2niix_gz python_peer; do
  s=$(awk -v t=$t '$1==t {print $2}' "$WORK/results.txt" | median)
  m=$(awk -v t=$t '$1==t {print $3}' "$WORK/results.txt" | median)
  printf "%-14s %9.3f %10.0f %12.2f\n" "$t" "$s" "$m" "$(echo "$m / $volume_mib" | bc -l)"
  eval "t_$t=$s; m_$t=$m"
done
echo "convert / dcm2niix -z n: $(ratio "$t_cq_convert" "$t_dcm2niix") (goal <= 0.8); convert / dcm2niix -z y: $(ratio "$t_cq_convert" "$t_dcm2niix_gz"); load / dcm2niix -z n: $(ratio "$t_cq_load" "$t_dcm2niix")"
echo "analyze --no-report / python peer: time $(ratio "$t_cq_analyze" "$t_python_peer") (goal <= 0.25), peak RSS $(ratio "$m_cq_analyze" "$m_python_peer"); analyze peak / volume $(ratio "$m_cq_analyze" "$volume_mib") (goal <= 1.6)"
echo "memory copy $(k memcpy_gbps | awk '{printf "%.1f", $1}') GB/s (one thread, 256 MiB buffers); rescale kernel $(k rescale_fraction | awk '{printf "%.2f", $1}') of it (scalar $(k rescale_scalar_fraction | awk '{printf "%.2f", $1}')), threshold kernel $(k threshold_fraction | awk '{printf "%.2f", $1}') (scalar $(k threshold_scalar_fraction | awk '{printf "%.2f", $1}')) (goal >= 0.5)"
for c in 6 26; do
  echo "3D labels, ${c}-connectivity, bone mask HU > 200 of the series: CementQuant $(k cq_ccl$c) s (one slab $(k cq_ccl${c}_one_slab) s), scipy.ndimage.label $(k scipy_ccl$c) s: $(ratio "$(k scipy_ccl$c)" "$(k cq_ccl$c)")x faster (goal >= 5)"
done
grep '^#' "$WORK/kernels.txt" | sed 's/^# /  /'

col() { awk -v t="$1" -v c="$2" '$1==t {print $c}' "$WORK/results.txt" | median; }
cpu() { awk -v t="$1" '$1==t {print $4}' "$WORK/results.txt" | median; }
echo "CPU-seconds (user + sys, medians; steadier than wall time on a loaded machine): cat $(cpu cat_floor), analyze --no-report $(cpu cq_analyze) ($(ratio "$(cpu cq_analyze)" "$(cpu cat_floor)") x cat), with the report $(cpu cq_analyze_report) ($(ratio "$(cpu cq_analyze_report)" "$(cpu cat_floor)") x cat; the report $(echo "100 * ($(cpu cq_analyze_report) - $(cpu cq_analyze)) / $(cpu cq_analyze_report)" | bc -l | awk '{printf "%.0f", $1}') % of it), python peer $(cpu python_peer) (analyze / peer $(ratio "$(cpu cq_analyze)" "$(cpu python_peer)")), dcm2niix -z y $(cpu dcm2niix_gz), convert $(cpu cq_convert) (convert / dcm2niix -z y $(ratio "$(cpu cq_convert)" "$(cpu dcm2niix_gz)"))"
echo "against the cat floor ($(printf %.3f "$t_cat_floor") s to read the series' 600 files): analyze --no-report $(ratio "$t_cq_analyze" "$t_cat_floor") (goal <= 2.5), analyze with the report $(ratio "$t_cq_analyze_report" "$t_cat_floor") (goal <= 3)"
echo "analyze stages (medians, s): $(for st in load vertebrae cement masks; do printf '%s %.2f, ' "$st" "$(col noreport_$st 2)"; done | sed 's/, $//'); with the report: pictures $(printf %.2f "$(col report_pictures 2)") s = $(echo "100 * $(col report_pictures 2) / $t_cq_analyze_report" | bc -l | awk '{printf "%.0f", $1}') % of the series' time (goal <= 15 %); report run minus no-report run $(echo "100 * ($t_cq_analyze_report - $t_cq_analyze) / $t_cq_analyze_report" | bc -l | awk '{printf "%.0f", $1}') %"
mw=$(col mixed 2); mc=$(col mixed 3); mm=$(col mixed 4); mb=$(col mixed 5)
echo "mixed study (the 600-slice CT + two clinical-size CRs, one analyze run, report on): $(printf %.2f "$mw") s wall = $(echo "3600 / $mw" | bc -l | awk '{printf "%.0f", $1}') studies/hour one after another; $(printf %.2f "$mc") CPU-s per study ($(echo "3600 * $(nproc) / $mc" | bc -l | awk '{printf "%.0f", $1}') studies/hour if $(nproc) cores were kept busy); peak $mm MiB; $(echo "$mb / 1048576" | bc -l | awk '{printf "%.0f", $1}') MiB read per study"
