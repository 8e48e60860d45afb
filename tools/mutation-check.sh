#!/usr/bin/env bash
# Mutation check (issue #23): applies each deliberate one-line fault of tools/mutants.tsv, one at a time, to a copy of
# the working tree, builds the named test project, runs the named test filter and records whether the suite caught the
# fault (a failing test run). The checked-out tree is never modified: the copy lives in $CQ_MUTATION_DIR.
#
#   tools/mutation-check.sh [ids...]      e.g. tools/mutation-check.sh A01 C03   (default: every mutant)
#
# Output: a table (id, file:line, result, seconds) on stdout and in $CQ_MUTATION_DIR/results.tsv; per-mutant build
# and test logs in $CQ_MUTATION_DIR/logs/. Results: CAUGHT (tests failed), SURVIVED (tests passed: add a test),
# BUILD_ERROR (the fault does not compile: not a valid mutant), NOT_FOUND (the text is not exactly once in the file).
# Exit 0 when every mutant was caught, 1 otherwise.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${CQ_MUTATION_DIR:-/tmp/cq-mutation}
list=${CQ_MUTANTS:-$repo/tools/mutants.tsv}
mkdir -p "$work/logs"
tree="$work/tree"
# A fresh copy of the working tree with its build outputs (incremental builds), without .git.
rm -rf "$tree" && mkdir -p "$tree"
tar -C "$repo" --exclude=./.git -cf - . | tar -C "$tree" -xf -
results="$work/results.tsv"
: > "$results"
failed=0
while IFS=$'\t' read -r id file original replacement project filter; do
    [[ -z "$id" || "$id" == \#* ]] && continue
    if [[ $# -gt 0 ]] && ! printf '%s\n' "$@" | grep -qx "$id"; then continue; fi
    start=$SECONDS
    target="$tree/$file"
    line=$(python3 - "$target" "$original" "$replacement" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path, encoding="utf-8").read()
if text.count(old) != 1:
    print(0); sys.exit()
open(path + ".mutation-orig", "w", encoding="utf-8").write(text)
print(text[:text.index(old)].count("\n") + 1)
open(path, "w", encoding="utf-8").write(text.replace(old, new))
PY
)
    if [[ "$line" == 0 ]]; then
        result=NOT_FOUND
    elif ! dotnet build "$tree/$project" -c Release -v q -nologo > "$work/logs/$id.build.log" 2>&1; then
        result=BUILD_ERROR
    elif dotnet test "$tree/$project" -c Release --no-build --filter "$filter" > "$work/logs/$id.test.log" 2>&1; then
        result=SURVIVED
    else
        result=CAUGHT
    fi
    [[ -f "$target.mutation-orig" ]] && mv "$target.mutation-orig" "$target"
    [[ "$result" == CAUGHT ]] || failed=1
    failing=$(grep -oE '^\s+Failed [^ ]+' "$work/logs/$id.test.log" 2>/dev/null | awk '{print $2}' | sed -E 's/^CementQuant\.[A-Za-z]+\.Tests\.//; s/\(.*//' | sort -u | paste -sd ' ' -)
    printf '%s\t%s:%s\t%s\t%ss\t%s\n' "$id" "$file" "$line" "$result" "$((SECONDS - start))" "$failing" | tee -a "$results"
done < "$list"
# Leave the copy's build outputs matching the unmutated sources for the next run.
exit $failed
