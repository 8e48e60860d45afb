#!/usr/bin/env bash
# Loading benchmark of issue 2 (extended by issue 8): a 512×512×600 series tiled from the Visible Human
# pelvis, loaded into HU by CementQuant, by dcm2niix and by the Python peer; medians of RUNS runs, peak
# RSS, ratios. Needs: apt-get install -y dcm2niix python3-pydicom python3-scipy time bc (Debian python: /usr/bin/python3)
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
LOADER=tests/CementQuant.Benchmarks/bin/Release/net10.0/CementQuant.Benchmarks

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # label, command...: prints "label seconds peakMiB" per run
  local label=$1; shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1
    read -r secs kb < "$WORK/time.txt"
    echo "$label $secs $((kb / 1024))"
  done
}
{
  measure cq_load "$LOADER" load "$SERIES"
  rm -rf "$WORK/cq"; measure cq_convert "$CQ" convert "$SERIES" --out "$WORK/cq"
  rm -rf "$WORK/d2n"; mkdir -p "$WORK/d2n"; measure dcm2niix dcm2niix -z n -o "$WORK/d2n" -f "%s_%r" "$SERIES"
  rm -rf "$WORK/d2nz"; mkdir -p "$WORK/d2nz"; measure dcm2niix_gz dcm2niix -z y -o "$WORK/d2nz" -f "%s_%r" "$SERIES"
  measure python_peer /usr/bin/python3 bench/python_peer.py "$SERIES"
} > "$WORK/results.txt"
volume_mib=$(( 512 * 512 * 600 * 2 / 1048576 ))
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "series: 512x512x600 int16 = ${volume_mib} MiB; median of $RUNS runs, page cache warm"
printf "%-14s %9s %10s %12s\n" tool "time (s)" "peak MiB" "peak/volume"
for t in cq_load cq_convert dcm2niix dcm2niix_gz python_peer; do
  s=$(awk -v t=$t '$1==t {print $2}' "$WORK/results.txt" | median)
  m=$(awk -v t=$t '$1==t {print $3}' "$WORK/results.txt" | median)
  printf "%-14s %9.3f %10.0f %12.2f\n" "$t" "$s" "$m" "$(echo "$m / $volume_mib" | bc -l)"
  eval "t_$t=$s"
done
echo "ratios: cq_load/dcm2niix $(echo "$t_cq_load / $t_dcm2niix" | bc -l | cut -c1-5), cq_convert/dcm2niix_gz $(echo "$t_cq_convert / $t_dcm2niix_gz" | bc -l | cut -c1-5), cq_load/python_peer $(echo "$t_cq_load / $t_python_peer" | bc -l | cut -c1-5)"
