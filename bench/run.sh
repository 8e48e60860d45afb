#!/usr/bin/env bash
# Benchmark of issues 2 and 8 in one run: a 512×512×600 series tiled from the Visible Human pelvis;
# CementQuant's load, `convert` and `analyze --no-report` against dcm2niix (-z n and -z y) and the Python
# peer (time and peak RSS, medians of RUNS runs, the tools interleaved run by run so a change in machine
# load hits them alike); then the kernel numbers: memory-copy bandwidth with the rescale and threshold
# kernels as a fraction of it, and our 3D labelling against scipy.ndimage.label on the same mask.
# Needs: apt-get install -y dcm2niix python3-pydicom python3-scipy time bc (Debian python: /usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/cq-bench}
SRC=${SRC:-../shared/data/real-ct/visible-human-pelvis}
mkdir -p "$WORK"
for p in tests/CementQuant.Benchmarks src/CementQuant.Cli; do dotnet build -c Release "$p" -v q -nologo >/dev/null; done
SERIES="$WORK/series600"
[ -d "$SERIES" ] || /usr/bin/python3 bench/make_tiled_series.py "$SRC" "$SERIES" 4
cat "$SERIES"/* > /dev/null   # page cache: every tool reads from memory
CQ=src/CementQuant.Cli/bin/Release/net10.0/cementquant
BENCH=tests/CementQuant.Benchmarks/bin/Release/net10.0/CementQuant.Benchmarks
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
once() { # label, command...: prints "label seconds peakMiB"
  local label=$1; shift
  # Flush the previous tool's output first: otherwise its dirty pages are written back during this tool's
  # run and slow whichever tool comes next (dcm2niix -z n ranged 0.33-1.1 s depending on what ran before it).
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1
  read -r secs kb < "$WORK/time.txt"
  echo "$label $secs $((kb / 1024))"
}
fresh() { rm -rf "$1"; mkdir -p "$1"; }
{
  for _ in $(seq "$RUNS"); do
    once cq_load "$BENCH" load "$SERIES"
    fresh "$WORK/cq"; once cq_convert "$CQ" convert "$SERIES" --out "$WORK/cq"
    fresh "$WORK/an"; once cq_analyze "$CQ" analyze "$SERIES" --out "$WORK/an" --no-report
    fresh "$WORK/d2n"; once dcm2niix dcm2niix -z n -o "$WORK/d2n" -f "%s_%r" "$SERIES"
    fresh "$WORK/d2nz"; once dcm2niix_gz dcm2niix -z y -o "$WORK/d2nz" -f "%s_%r" "$SERIES"
    once python_peer /usr/bin/python3 bench/python_peer.py "$SERIES"
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
for t in cq_load cq_convert cq_analyze dcm2niix dcm2niix_gz python_peer; do
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
