#!/usr/bin/env bash
# The hand-written part of a cover letter: its subject, then the body up to
# the shortlog that git format-patch generates. export.sh feeds it back to
# format-patch as the branch description (--cover-from-description=subject).
#
# usage: cover-letter.sh extract COVER.patch
set -euo pipefail

[ "${1:-}" = extract ] && [ -n "${2:-}" ] ||
	{ echo "usage: cover-letter.sh extract COVER.patch" >&2; exit 2; }
awk '
	!body && /^Subject: / {
		s = $0; sub(/^Subject: (\[[^]]*\] )?/, "", s); subject = s
		cont = 1; next
	}
	!body && cont && /^[ \t]/ { s = $0; sub(/^[ \t]+/, " ", s); subject = subject s; next }
	!body && /^$/ { body = 1; print subject; print ""; next }
	!body { cont = 0; next }
	# format-patch writes the shortlog as "Name (N):" after the text
	/^[^ ].* \([0-9]+\):$/ { exit }
	{ lines[n++] = $0 }
	END {
		while (n > 0 && lines[n - 1] == "") n--
		for (i = 0; i < n; i++) print lines[i]
	}
' "$2"
