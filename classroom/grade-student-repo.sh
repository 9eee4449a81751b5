#!/usr/bin/env bash
# Grade the exercise notebooks pushed to one student's repository with the course's hidden tests.
#
#   classroom/grade-student-repo.sh STUDENT_REPO OUT_DIR [STUDENT_ID]
#
# Run from a checkout of the course repository (which holds autograder/source, the hidden tests);
# the student's repository never contains them. Every *.ipynb at the top of STUDENT_REPO whose name
# is an exercise id is graded. Writes OUT_DIR/result.json, OUT_DIR/feedback/<student>/<id>.html and
# OUT_DIR/summary.md, and exits 0 whatever the score (a failing test is feedback, not a CI error).
set -euo pipefail
student_repo=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
student=${3:-${STUDENT_ID:-$(basename "$student_repo")}}
course=$(cd "$(dirname "$0")/.." && pwd)

cd "$course"
make --quiet install system-deps >/dev/null
submissions="$out/submissions/$student"
rm -rf "$out/submissions" && mkdir -p "$submissions"
for id in $(.venv/bin/python -m autograder list | cut -f1); do
  if [ -f "$student_repo/$id.ipynb" ]; then cp "$student_repo/$id.ipynb" "$submissions/"; fi
done
.venv/bin/python -m autograder grade "$out/submissions" --workdir "$out/work" \
  --json "$out/result.json" --feedback "$out/feedback" | tee "$out/summary.txt"
.venv/bin/python -m autograder summary "$out/result.json" > "$out/summary.md"
