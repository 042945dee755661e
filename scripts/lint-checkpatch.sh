#!/usr/bin/env bash
# checkpatch.pl --strict on every patch of the series: no error, warning or
# check may remain, except those listed with a reason in
# lint/checkpatch-accepted (one "patch-file-glob<TAB>message regex" a line),
# which the cover letter must justify too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

accepted=$REPO_DIR/lint/checkpatch-accepted
bad=0
while read -r patch; do
	out=$("$TREE_DIR/scripts/checkpatch.pl" --strict --quiet --show-types \
		"$patch" 2>&1 || true)
	[ -z "$out" ] && continue
	# an option checkpatch does not know makes it print its usage and
	# check nothing: that must not read as clean
	case "$out" in *"Unknown option"*|Usage:*) die "checkpatch did not run: $out" ;; esac
	# Keep only the ERROR/WARNING/CHECK lines not accepted for this patch.
	while IFS= read -r line; do
		case "$line" in ERROR:*|WARNING:*|CHECK:*) ;; *) continue ;; esac
		ok=0
		if [ -e "$accepted" ]; then
			while IFS=$'\t' read -r glob regex _; do
				case "$glob" in ''|'#'*) continue ;; esac
				# shellcheck disable=SC2254
				case "$(basename "$patch")" in $glob)
					[[ "$line" =~ $regex ]] && ok=1 ;;
				esac
			done <"$accepted"
		fi
		if [ $ok = 0 ]; then
			echo "$(basename "$patch"): $line"
			bad=$((bad + 1))
		fi
	done <<<"$out"
done < <(series_patches "$REPO_DIR/series")
[ $bad = 0 ] || die "checkpatch: $bad unaccepted report(s)"
stage "checkpatch --strict: clean"
