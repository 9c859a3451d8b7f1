#!/usr/bin/env bash
# Names the commit of a source tree copied without its history, for every run's `git_commit`.
#
# Why: the device tool copies the working tree onto the GPU machine beside a .git that holds only the session's base
# commit, so `git rev-parse HEAD` there names that base, and every run recorded "<base>-dirty" whatever commit the
# tree was at. Git's tree hash is a hash of the content: a copied tree whose tree hash equals the one recorded where
# the checkout is *is* that checkout, so it may carry the checkout's commit.
#
#   bash scripts/source_stamp.sh write   # where the checkout is, before the device call: writes .source-stamp
#                                        # ("<label> <tree>"; gitignored: pass it to the device tool's carry)
#   bash scripts/source_stamp.sh check   # on the copy: prints <label> when its tree is the stamped one; otherwise
#                                        # prints nothing and says why on stderr (exit 0 either way)
# <label> is HEAD's 12-digit commit, plus "-dirty" when the stamped tree differs from HEAD's (uncommitted changes or
# untracked files that travel). scripts/gpu_check.sh exports it as GATELAB_GIT_COMMIT, which
# harness/util/build_info.cpp records in place of git's own answer. tests/harness/source_stamp_test.cpp checks both.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMP=.source-stamp

# The tree hash of the working tree as it is (tracked and untracked files that .gitignore does not exclude), through
# a throwaway index so the real one is untouched.
worktree_tree() {
  local index
  index=$(mktemp)
  rm -f "$index"
  GIT_INDEX_FILE=$index git add -A . >/dev/null && GIT_INDEX_FILE=$index git write-tree
  rm -f "$index"
}

case "${1:-}" in
  write)
    tree=$(worktree_tree)
    label=$(git rev-parse --short=12 HEAD)
    [[ "$tree" == "$(git rev-parse 'HEAD^{tree}')" ]] || label="$label-dirty"
    echo "$label $tree" >"$STAMP"
    echo "source_stamp: $label (tree $tree) in $STAMP" >&2
    ;;
  check)
    if [[ ! -f "$STAMP" ]]; then
      echo "source_stamp: no $STAMP (run 'scripts/source_stamp.sh write' where the checkout is and carry it)" >&2
      exit 0
    fi
    read -r label tree <"$STAMP"
    actual=$(worktree_tree 2>/dev/null || true)
    if [[ -n "$actual" && "$actual" == "$tree" ]]; then
      echo "$label"
    else
      echo "source_stamp: this tree (${actual:-no git}) is not the stamped one ($tree): runs keep git's own commit" >&2
    fi
    ;;
  *)
    echo "usage: bash scripts/source_stamp.sh write|check" >&2
    exit 2
    ;;
esac
