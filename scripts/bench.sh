#!/usr/bin/env bash
# The benchmark (make bench): progs/clone-bench (cost of giving a ring a
# table of N files, by method) and progs/clone-mem (kernel memory per slot)
# on the booted performance kernel, under TCG with -icount shift=0 and one
# vCPU: the guest clock then advances 1 ns per guest instruction, so the
# figures are deterministic and comparable between runs, but they count
# instructions, not the time of any real CPU. Writes bench/results/:
#   bench.tsv  clone-bench's TSV, raw, from this one run
#   bench.md   per-file cost per N and method, ratios from the same run,
#              memory per slot, and what produced them
#   bench.png  cost per file against N, log-log, one line per method
#   lock-hold.{tsv,png}  progs/lock-hold's TSV and its plot: how long the
#              source's lock is held, seen by a waiter on a second vCPU (a
#              second boot, multi-threaded TCG)
#   bench-setup.tsv  progs/setup-threads' TSV: T worker rings each given the
#              same N files, end to end, by clone, register and msg_ring
# Then the same run under User-Mode Linux (the uml-perf flavour,
# scripts/build-uml.sh), in wall-clock time: bench-um.{tsv,md,png}, and
# instructions next to microseconds at the end of bench.md.
#
# Environment:
#   SKIP_KERNEL_BUILD=1   use the kernel as it is built (no build-kernel.sh)
#   BENCH_KERNEL=perf     flavour (or bzImage path) to boot; anything but
#                         perf is labelled as such in bench.md
#   BENCH_SIZES=1,16,256,4096,65536,1048576
#   BENCH_TARGET_MS=200   clone-bench -t: guest time aimed at per point
#   BENCH_MEM_N=65536,1048576  clone-mem -n, once per size
#   BENCH_MEM_MB=2048     guest memory
#   BENCH_HOLD_N=4096,65536,1048576  lock-hold -n (a second boot, 2 vCPUs)
#   BENCH_SETUP_T=1,4,16  setup-threads -T (worker threads)
#   BENCH_SETUP_N=64,4096,65536  setup-threads -n (files per table)
#   BENCH_OUT=bench/results
#   BENCH_UM=1            0: skip the User-Mode Linux run
#   BENCH_DISTRO=1        0: skip the distro-like kernel (configs/distro.config),
#                         whose run writes bench-distro.* and a perf/distro
#                         comparison at the end of bench.md
#   BENCH_REPORT_FROM=F   no build, no run: write the report from a saved
#                         guest output ($CACHE_DIR/logs/bench-guest.out)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${BENCH_KERNEL:-perf}
sizes=${BENCH_SIZES:-1,16,256,4096,65536,1048576}
target_ms=${BENCH_TARGET_MS:-200}
mem_n=${BENCH_MEM_N:-65536,1048576}
mem_mb=${BENCH_MEM_MB:-2048}
hold_n=${BENCH_HOLD_N:-4096,65536,1048576}
setup_t=${BENCH_SETUP_T:-1,4,16}
setup_n=${BENCH_SETUP_N:-64,4096,65536}
out=${BENCH_OUT:-$REPO_DIR/bench/results}
um=$BUILD_DIR/uml-perf/linux
methods=(clone clone_replace clone_range16 clone_empty replace16 register update_sparse
	msg_ring dup_fd unregister unregister_registered)

case "$kernel" in
*/*) flavour=custom image=$kernel ;;
*) flavour=$kernel image=$BUILD_DIR/$kernel/arch/x86/boot/bzImage ;;
esac
from=${BENCH_REPORT_FROM:-}
if [ -z "$from" ] && [ "${SKIP_KERNEL_BUILD:-0}" != 1 ] && [ "$flavour" != custom ]; then
	"$REPO_DIR/scripts/build-kernel.sh" "$flavour"
fi
[ -e "$image" ] || die "no kernel at $image"
hdr_flavour=$flavour
[ "$flavour" = custom ] && hdr_flavour=debug
[ -n "$from" ] || "$REPO_DIR/scripts/build-progs.sh" "$hdr_flavour"
progs=$BUILD_DIR/progs
[ "$hdr_flavour" = debug ] || progs=$BUILD_DIR/progs-$hdr_flavour
if ! command -v gnuplot >/dev/null; then
	stage "installing gnuplot-nox"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/guest" "$out"
[ -n "$from" ] || cp "$progs/clone-bench" "$progs/clone-mem" "$progs/lock-hold" \
	"$progs/setup-threads" "$tmp/guest/"
# nr-open.sh LIST: room in fs.nr_open (which caps RLIMIT_NOFILE) for the
# largest N of LIST plus 64 fds; a scratch guest, so not restored.
cat >"$tmp/guest/nr-open.sh" <<'GUEST'
#!/bin/sh
n=$(echo "$1" | tr , "\n" | sort -n | tail -1)
[ "$(cat /proc/sys/fs/nr_open)" -ge $((n + 64)) ] ||
	echo $((n + 64)) >/proc/sys/fs/nr_open
GUEST
# The guest keeps each program's output in files and prints them between
# marker lines at the end, so that progress and kernel messages on the
# console can't interleave with the TSV.
cat >"$tmp/guest/bench-guest.sh" <<'GUEST'
#!/bin/sh
# usage: bench-guest.sh SIZES TARGET_MS MEM_SIZES SETUP_T SETUP_N memcg|root
echo "=== uname"; uname -r; uname -v
echo "=== guest"; grep -E '^(MemTotal|MemFree):' /proc/meminfo
# "memcg" (the distro kernel): run in a child cgroup with the memory
# controller on, as a service under systemd does: every GFP_KERNEL_ACCOUNT
# allocation is then charged to it. "root": stay in the root cgroup, whose
# allocations are not charged, even where the kernel has memory cgroups
# (the perf kernel has them for the kselftests' memcg test).
if [ "$6" = root ]; then
	echo "memcg: none (root cgroup, not charged)"
elif mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null &&
	grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control &&
		mkdir /sys/fs/cgroup/bench &&
		echo $$ >/sys/fs/cgroup/bench/cgroup.procs &&
		echo "memcg: in $(cut -d: -f3 /proc/self/cgroup), memory controller on" ||
		echo "memcg: could not enter a child cgroup"
else
	echo "memcg: none (no CONFIG_MEMCG)"
fi
[ -r /proc/slabinfo ] && echo "slabinfo: yes" || echo "slabinfo: no"
# setup-threads first, on the fresh boot: after clone-bench's million-slot
# tables, UML runs it 1.6-1.8x slower for every method, and unevenly
# (bench/experiments/README.md, "UML and vmalloc").
./setup-threads -T "$4" -n "$5" >/tmp/setup.tsv 2>/tmp/setup.err
echo "=== setup-threads exit $?"
t0=$(date +%s)
./clone-bench -n "$1" -t "$2" >/tmp/bench.tsv 2>/tmp/bench.err
echo "=== clone-bench exit $? after $(( $(date +%s) - t0 )) s guest time"
st=0
for n in $(echo "$3" | tr , ' '); do
	sh ./nr-open.sh "$n"
	./clone-mem -n "$n" >>/tmp/mem.tsv 2>>/tmp/mem.err || st=$?
done
echo "=== clone-mem exit $st"
for f in bench.tsv bench.err mem.tsv mem.err setup.tsv setup.err; do
	echo "=== $f"; cat /tmp/$f
done
echo "=== end"
GUEST
guest_cmd=(sh ./bench-guest.sh "$sizes" "$target_ms" "$mem_n" "$setup_t" "$setup_n")

# One boot of the guest script: RUNNER... is vm-run.sh or uml-run.sh with
# its options, CGROUP bench-guest.sh's memcg|root. Writes the guest's output
# to OUT, with the date appended and a copy in the logs as NAME-guest.out;
# sets run_rc and run_wall (seconds).
# usage: bench_boot NAME OUT CGROUP RUNNER...
bench_boot() {
	local name=$1 out=$2 cgroup=$3 t0
	shift 3
	t0=$(date +%s)
	echo "=== date $(date -u '+%F %T UTC')" >"$tmp/date"
	run_rc=0
	"$@" --log "$CACHE_DIR/logs/$name-console.log" \
		-- "${guest_cmd[@]}" "$cgroup" >"$out" || run_rc=$?
	run_wall=$(( $(date +%s) - t0 ))
	cat "$tmp/date" >>"$out"
	mkdir -p "$CACHE_DIR/logs"
	cp "$out" "$CACHE_DIR/logs/$name-guest.out"
}

# section NAME FILE: the lines after "=== NAME" up to the next marker
section() {
	awk -v name="$1" '$0 == "=== " name { f = 1; next } /^=== / { f = 0 } f' "$2"
}

# Writes PREFIX.{tsv,md,png} from the guest output in $1.
# usage: report OUTPUT PREFIX MODE COMMAND WALL_S
report() {
	local raw=$1 prefix=$2 mode=$3 cmd=$4 wall=$5
	local tsv=$prefix.tsv md=$prefix.md png=$prefix.png
	local cb_status mem_status uname guest_s

	# the TSV: its header and the lines of the 7-field format only
	section bench.tsv "$raw" |
		awk -F'\t' 'NR == 1 && /^method\t/ || (NF == 7 && $2 ~ /^[0-9]+$/)' >"$tsv"
	section mem.tsv "$raw" >"$tmp/mem.tsv"
	section bench.err "$raw" >"$tmp/bench.err"
	section mem.err "$raw" >"$tmp/mem.err"
	section setup.err "$raw" >"$tmp/setup.err"
	cb_status=$(sed -n 's/^=== clone-bench exit \([0-9]*\).*/\1/p' "$raw")
	guest_s=$(sed -n 's/^=== clone-bench exit [0-9]* after \([0-9]*\) s.*/\1/p' "$raw")
	mem_status=$(sed -n 's/^=== clone-mem exit \([0-9]*\)$/\1/p' "$raw")
	uname=$(section uname "$raw" | paste -sd' ')

	plot "$tsv" "$png" "$mode"

	{
		echo "# IORING_REGISTER_CLONE_FILES benchmark"
		echo
		echo "- Mode: **$mode**"
		echo "- Kernel: \`$uname\` ($image, built $(date -u -r "$image" '+%F %T UTC'))"
		echo "- Date: $(sed -n 's/^=== date //p' "$raw" | head -1); host: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores$(case "$mode" in *TCG*) echo "; $(qemu-system-x86_64 --version | head -1)" ;; esac)"
		echo "- Command: \`$cmd\`; in the guest: \`clone-bench -n $sizes -t $target_ms\`, then \`clone-mem -n M\` for M in $mem_n"
		echo "- Run: ${wall}s wall clock, ${guest_s:-?}s of guest time for clone-bench; clone-bench exit ${cb_status:-none}, clone-mem exit ${mem_status:-none}"
		echo "- Memory cgroup: $(sed -n 's/^memcg: //p' "$raw" | head -1)"
		echo
		echo "Every figure below comes from this one run (\`bench.tsv\` is its raw"
		echo "output); the ratios are computed from the same medians. No figure is"
		echo "checked against a threshold."
		echo
		case "$mode" in
		*icount*)
			echo "Under \`-icount shift=0\` the guest clock advances exactly 1 ns per"
			echo "executed guest instruction: \"ns\" here counts instructions. That is"
			echo "deterministic, but it weighs every instruction the same: an atomic"
			echo "increment, a cache or TLB miss costs what a register move costs, so"
			echo "the figures rank code paths by length, not by real-hardware time."
			echo ;;
		esac
		awk -F'\t' -v methods="${methods[*]}" -f <(report_awk) "$tsv"
		echo
		echo "![cost per file against N](bench${prefix##*/bench}.png)"
		echo
		mem_report "$tmp/mem.tsv"
		section setup.tsv "$raw" | awk -F'\t' 'NF == 8' >"$prefix-setup.tsv"
		setup_report "$prefix-setup.tsv" "$mode"
		if [ -s "$tmp/setup.err" ] && ! grep -qx '=== setup-threads exit 0' "$raw"; then
			echo
			echo "setup-threads' errors:"
			echo
			sed 's/^/    /' "$tmp/setup.err"
		fi
		if [ -s "$tmp/bench.err" ] && grep -qE 'dropped|FAILED|skipped|not supported|setrlimit' "$tmp/bench.err"; then
			echo
			echo "## What clone-bench dropped or skipped"
			echo
			grep -E 'dropped|FAILED|skipped|not supported|setrlimit|nr_open' "$tmp/bench.err" | sed 's/^/    /'
		fi
		if [ -s "$tmp/mem.err" ]; then
			echo
			echo "clone-mem's errors:"
			echo
			sed 's/^/    /' "$tmp/mem.err"
		fi
	} >"$md"
	stage "wrote $tsv, $md, $png"
}

# The markdown tables of clone-bench's TSV: per-file cost, ratios, raw.
report_awk() {
	cat <<'AWK'
function fmt(v) { return v == "" ? "-" : v >= 100 ? sprintf("%.0f", v) : sprintf("%.1f", v) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
BEGIN { nm = split(methods, m, " ") }
NR == 1 { next }
{
	if (!($2 in seen)) { seen[$2] = 1; ns[++nn] = $2 }
	pf[$1, $2] = $7; raw[++nr] = $0
}
END {
	print "## Cost per file (median ns / files handled)"
	print ""
	print "clone_range16 handles N/16 files (from the middle of the source, to slot 0);"
	print "clone_empty clones a table of N empty slots (the table, bitmap and loop"
	print "without any node or file reference); replace16 replaces 16 slots in the"
	print "middle of a table of N registered files (DST_REPLACE, the table does not"
	print "grow): the table is rebuilt, so its cost grows with N;"
	print "unregister and unregister_registered are the cost of tearing the table down"
	print "again (cloned and registered); dup_fd is the kernel copying a process fd table"
	print "(unshare(CLONE_FILES)), the floor of any copy of N file pointers."
	print ""
	line = "| N |"; sep = "| ---: |"
	for (i = 1; i <= nm; i++) { line = line " " m[i] " |"; sep = sep " ---: |" }
	print line; print sep
	for (j = 1; j <= nn; j++) {
		line = "| " ns[j] " |"
		for (i = 1; i <= nm; i++) line = line " " fmt(pf[m[i], ns[j]]) " |"
		print line
	}
	print ""
	print "## Ratios (same run, per-file medians)"
	print ""
	print "\"clone / dup_fd\" is how far clone is above the floor; \"X / clone\" is how"
	print "many times cheaper clone is than X; the last column is clone's per-file cost"
	print "relative to its own at N = 4096. \"clone - clone_empty\" is what an"
	print "occupied slot adds to a clone (its node, file reference, pointer and bit),"
	print "in ns per slot. \"replace16(N) / replace16(16)\" is what the table around a"
	print "16-slot replace adds to it."
	print ""
	print "| N | clone / dup_fd | register / clone | update_sparse / clone | msg_ring / clone | clone_replace / clone | clone(N) / clone(4096) | clone - clone_empty | replace16(N) / replace16(16) |"
	print "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (j = 1; j <= nn; j++) {
		n = ns[j]; c = pf["clone", n]
		print "| " n " | " ratio(c, pf["dup_fd", n]) " | " ratio(pf["register", n], c) \
		      " | " ratio(pf["update_sparse", n], c) " | " ratio(pf["msg_ring", n], c) \
		      " | " ratio(pf["clone_replace", n], c) " | " ratio(c, pf["clone", 4096]) \
		      " | " (c == "" || pf["clone_empty", n] == "" ? "-" : fmt(c - pf["clone_empty", n])) \
		      " | " ratio(pf["replace16", n], pf["replace16", 16]) " |"
	}
	print ""
	print "## Raw (bench.tsv)"
	print ""
	print "| method | N | reps | median ns | min ns | max ns | ns per file |"
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (k = 1; k <= nr; k++) {
		split(raw[k], f, "\t")
		print "| " f[1] " | " f[2] " | " f[3] " | " f[4] " | " f[5] " | " f[6] " | " f[7] " |"
	}
}
AWK
}

# The memory section from clone-mem's output (one run per size).
mem_report() {
	local f=$1
	echo "## Kernel memory per slot (clone-mem)"
	echo
	if ! grep -q '^mem' "$f"; then
		echo "clone-mem produced no figures (see its errors below)."
		return
	fi
	echo "An empty ring given a table of N slots (N dups of one file, so no"
	echo "struct file is allocated), by IORING_REGISTER_CLONE_FILES from a ring"
	echo "holding them, and by IORING_REGISTER_FILES of the fds; \"none\" reads"
	echo "the counters twice with nothing in between (the noise). Kernel bytes ="
	echo "change of /proc/meminfo Slab + VmallocUsed (large kmallocs count in"
	echo "Slab; kvmalloc's vmalloc fallback in VmallocUsed), median of"
	echo "$(awk -F'\t' '$1 == "mem" { print $4; exit }' "$f") rounds. MemFree is not the total: pages served from the"
	echo "per-CPU page lists (where the previous round's freed slab pages wait)"
	echo "do not count in it, so it shows mostly the large allocations (the node"
	echo "array, 8 bytes per slot)."
	echo
	echo "| method | N | kernel bytes per slot | MemFree decrease per slot |"
	echo "| --- | ---: | ---: | ---: |"
	awk -F'\t' '$1 == "mem" { printf "| %s | %s | %s | %s |\n", $2, $3, $5, $6 }' "$f"
	echo
	echo "Expected from the source: one struct io_rsrc_node per occupied slot (24"
	echo "bytes, from kmalloc-32: 32 bytes), one pointer in the table's node array"
	echo "(kvmalloc'ed, 8 bytes) and one bit of the allocation bitmap: 40.125"
	echo "bytes per slot, the same for both methods. The counters read slab"
	echo "pages, not objects: nodes that land in free space of slab pages that"
	echo "already existed (left by the previous round's free) add no page, so"
	echo "the figure can come out a little under 40.125, less so as N grows."
	echo
	echo "Per round (bytes, whole table):"
	echo
	echo "| method | N | round | Slab | SUnreclaim | VmallocUsed | MemFree decrease |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk -F'\t' '$1 == "round" { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8 }' "$f"
	echo
	if grep -q '^# clone-mem: .*slabinfo=yes' "$f"; then
		echo "/proc/slabinfo, caches whose active objects changed by at least N/64"
		echo "(SLUB counts the free objects of per-CPU slabs as active, so these"
		echo "counts can fall short of N by the free space those slabs had):"
		echo
		echo "| method | N | round | cache | object size | objects | bytes | bytes per slot |"
		echo "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
		awk -F'\t' '$1 == "cache" {
			printf "| %s | %s | %s | %s | %s | %s | %s | %.2f |\n", $2, $3, $4, $5, $6, $7, $8, $8 / $3 }' "$f"
	else
		echo "This kernel has no /proc/slabinfo (CONFIG_SLUB_DEBUG is off), so the"
		echo "split between caches is not shown."
	fi
}

# A table of per-file medians of two runs side by side (clone-bench TSVs),
# at N = 16, 4096, 65536 and 1M, with each method's ratio to clone in each.
# usage: compare_table TSV_A TSV_B LABEL_A LABEL_B
compare_table() {
	echo "| method | N | $3 | $4 | $4 / $3 | X / clone, $3 | X / clone, $4 |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk -F'\t' 'FNR == 1 { f++; next } { v[f, $1, $2] = $7; if (f == 1 && !(($1, $2) in s)) { s[$1, $2] = 1; k[++n] = $1 SUBSEP $2 } }
		function fm(x) { return x == "" ? "-" : x >= 100 ? sprintf("%.0f", x) : sprintf("%.1f", x) }
		function r(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
		END { for (i = 1; i <= n; i++) { split(k[i], mn, SUBSEP); m = mn[1]; x = mn[2]
			if (m !~ /^(clone|replace16|register|update_sparse|msg_ring|dup_fd)$/ || (x != 16 && x != 4096 && x != 65536 && x != 1048576)) continue
			p = v[1, m, x]; d = v[2, m, x]
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", m, x, fm(p), fm(d), r(d, p),
				m == "clone" ? "1.00x" : r(p, v[1, "clone", x]), m == "clone" ? "1.00x" : r(d, v[2, "clone", x]) } }' "$1" "$2"
}

# Per-file cost on the perf kernel against the distro-like one, same run.
# usage: compare_report PERF_TSV DISTRO_TSV
compare_report() {
	echo
	echo "## Perf kernel and distro-like kernel (same make bench run)"
	echo
	echo "Median guest instructions per file on each kernel; the distro-like"
	echo "kernel (\`configs/distro.config\`, see \`bench-distro.md\`) runs the"
	echo "benchmark in a child memory cgroup, so every GFP_KERNEL_ACCOUNT"
	echo "allocation (each node, the table) is charged; it also zeroes every"
	echo "allocation (init_on_alloc) and hardens the slab freelists."
	echo
	compare_table "$1" "$2" perf distro
}

# Instructions under TCG against wall-clock time under UML, same run.
# usage: um_report PERF_TSV UM_TSV
um_report() {
	echo
	echo "## Instructions (perf kernel, TCG) and wall clock (User-Mode Linux)"
	echo
	echo "Per file: median guest instructions on the perf kernel under TCG"
	echo "\`-icount\`, and median wall-clock ns on the uml-perf kernel"
	echo "(\`configs/uml.config\` + \`configs/uml-perf.config\`: the same series,"
	echo "ARCH=um, no debug option; kernel code runs natively on the host CPU,"
	echo "but each entry from a guest process into the kernel goes through the"
	echo "host, so a system call costs far more than on hardware and the small"
	echo "N weigh it; see \`bench-um.md\`). Both ran in this make bench run."
	echo "Wall clock is noisy: the ratios say more than the ns."
	echo "Above 2^19 slots an array of 8 bytes per slot passes 4 MiB and"
	echo "kvmalloc() falls back to vmalloc(), which UML maps page by page with"
	echo "host mmap() and munmap() calls: the clone allocates two such arrays"
	echo "(the table and the slots taken under the source's lock), register"
	echo "one, so at N = 1M UML shows the clone slower than register although it"
	echo "runs fewer instructions (\`bench/experiments/README.md\`, \"UML and"
	echo "vmalloc\")."
	echo
	compare_table "$1" "$2" "TCG instr" "UML ns"
}

# The end-to-end section from setup-threads' TSV.
setup_report() {
	local f=$1 mode=$2
	echo
	echo "## End to end: T worker rings, each given the same N files (setup-threads)"
	echo
	if ! [ "$(wc -l <"$f")" -gt 1 ]; then
		echo "setup-threads produced no figures (see its errors below)."
		return
	fi
	echo "From the release of T waiting threads to the moment the last one's"
	echo "table is complete, ring creation included; median of"
	echo "$(awk -F'\t' 'NR == 2 { print $4 }' "$f") repetitions. clone: each worker clones the source ring's"
	echo "whole table (all T at once); register: each worker registers the N fds"
	echo "(IORING_REGISTER_FILES); msg_ring: each worker creates a sparse table,"
	echo "then the source's owner sends every slot to every worker"
	echo "(IORING_MSG_SEND_FD, CQE_SKIP). Three slots of every table are read"
	echo "back through IOSQE_FIXED_FILE after each repetition (not timed)."
	case "$mode" in
	*icount*) echo "Under -icount the µs are millions of guest instructions; with one"
		echo "vCPU the T workers take turns, so the total is their sum." ;;
	*"1 CPU"*) echo "With one CPU the T workers take turns, so the total is their sum." ;;
	esac
	echo
	echo "| T | N | clone µs | register µs | msg_ring µs | register / clone | msg_ring / clone | clone ns per file |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk -F'\t' 'NR > 1 { v[$1, $2, $3] = $5; pf[$1, $2, $3] = $8
			k = $2 SUBSEP $3; if (!(k in seen)) { seen[k] = 1; key[++n] = k } }
		function r(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
		END { for (i = 1; i <= n; i++) { split(key[i], tn, SUBSEP); t = tn[1]; x = tn[2]
			c = v["clone", t, x]; g = v["register", t, x]; m = v["msg_ring", t, x]
			printf "| %s | %s | %.1f | %.1f | %.1f | %s | %s | %.1f |\n", t, x,
				c / 1000, g / 1000, m / 1000, r(g, c), r(m, c), pf["clone", t, x] } }' "$f"
	echo
	echo "\`${f##*/}\` is the raw output."
}

# Line style per method: colour, point type, width, dash type. The clone
# family in purples and blues, the alternatives in warm colours, the dup_fd
# floor in black, the teardowns dashed.
declare -A style=(
	[clone]="#5b1a9e 5 3 1"
	[clone_replace]="#a574d6 4 2 1"
	[clone_range16]="#1f77b4 6 2 1"
	[clone_empty]="#5fb9d6 8 2 1"
	[replace16]="#2ca02c 10 2 1"
	[register]="#d62728 7 2 1"
	[update_sparse]="#ff7f0e 9 2 1"
	[msg_ring]="#8c564b 11 2 1"
	[dup_fd]="#000000 13 3 1"
	[unregister]="#7f7f7f 12 2 2"
	[unregister_registered]="#b8b800 2 2 3"
)

# gnuplot: ns per file against N, log-log, one line per method.
plot() {
	local tsv=$1 png=$2 mode=$3 data=$tmp/plot.dat m term ylabel i=0 plots=()
	local col pt lw dt
	: >"$data"
	for m in "${methods[@]}"; do
		awk -F'\t' -v m="$m" '$1 == m { print $2, $7 }' "$tsv" >"$tmp/plot.one"
		[ -s "$tmp/plot.one" ] || continue
		cat "$tmp/plot.one" >>"$data"
		printf '\n\n' >>"$data"
		read -r col pt lw dt <<<"${style[$m]:-#333333 1 2 1}"
		plots+=("'$data' index $i using 1:2 with linespoints lc rgb '$col' pt $pt ps 1.3 lw $lw dt $dt title '$m'")
		i=$((i + 1))
	done
	[ $i -gt 0 ] || return 0
	ylabel="ns per file (median)"
	case "$mode" in
	*icount*) ylabel="ns per file (median; -icount: 1 ns = 1 guest instruction)" ;;
	esac
	term="pngcairo size 1100,700 font 'Sans,11'"
	gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo || term="png size 1100,700"
	{
		echo "set terminal $term"
		echo "set output '$png'"
		echo "set title \"IORING_REGISTER_CLONE_FILES: cost per file by method\\n($mode)\" noenhanced"
		echo "set logscale xy"
		echo "set xlabel 'N (files in the table)'"
		echo "set ylabel '$ylabel' noenhanced"
		echo "set format x '10^{%T}'"
		echo "set format y '10^{%T}'"
		echo "set xrange [0.7:1.5e6]"
		echo "set grid xtics ytics mxtics mytics lc rgb '#dddddd'"
		echo "set key outside right top box Left reverse spacing 1.3 noenhanced"
		printf 'plot %s' "${plots[0]}"
		printf ', \\\n\t%s' "${plots[@]:1}"
		echo
	} >"$tmp/plot.gp"
	gnuplot "$tmp/plot.gp"
}

# gnuplot: lock-hold.tsv's hold and call per file against N, log-log. A
# hold shorter than the probe's base is noise and gets no point.
plot_hold() {
	local tsv=$1 png=$2 term
	awk -F'\t' 'NR > 1 && $1 == "clone" && $6 > 0 && $4 >= $5 { print $2, $6 }' "$tsv" >"$tmp/hold-clone.dat"
	awk -F'\t' 'NR > 1 && $1 == "dup_fd" && $6 > 0 && $4 >= $5 { print $2, $6 }' "$tsv" >"$tmp/hold-dup.dat"
	awk -F'\t' 'NR > 1 && $1 == "clone" { print $2, $8 }' "$tsv" >"$tmp/hold-call.dat"
	[ -s "$tmp/hold-call.dat" ] || return 0
	term="pngcairo size 900,600 font 'Sans,11'"
	gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo || term="png size 900,600"
	gnuplot <<-GP
	set terminal $term
	set output '$png'
	set title "Source lock hold per file (lock-hold, 2 vCPUs, multi-threaded TCG)" noenhanced
	set logscale xy
	set xlabel 'N (files in the table)'
	set ylabel 'host ns per file (emulated)' noenhanced
	set format x '10^{%T}'
	set xrange [2000:2e6]
	set grid xtics ytics mxtics mytics lc rgb '#dddddd'
	set key top left box noenhanced
	plot '$tmp/hold-clone.dat' using 1:2 with linespoints lc rgb '#1f77b4' pt 7 lw 2 title 'clone: source uring_lock held', \
	     '$tmp/hold-dup.dat' using 1:2 with linespoints lc rgb '#000000' pt 13 lw 2 title 'dup_fd: file_lock held', \
	     '$tmp/hold-call.dat' using 1:2 with linespoints lc rgb '#7f7f7f' pt 5 lw 2 dt 2 title 'clone: whole call (the old hold)'
	GP
}

# ---- the QEMU run ----
if [ "$flavour" = perf ]; then
	mode="TCG -icount shift=0, perf kernel, 1 vCPU"
else
	mode="TCG -icount shift=0, $flavour kernel (NOT the perf kernel), 1 vCPU"
fi
cmd="make bench"
[ "${SKIP_KERNEL_BUILD:-0}" = 1 ] && cmd="SKIP_KERNEL_BUILD=1 $cmd"
[ "$kernel" = perf ] || cmd="BENCH_KERNEL=$kernel $cmd"
saved=$CACHE_DIR/logs/bench-guest.out
if [ -n "$from" ]; then
	cp "$from" "$tmp/qemu.out"
	rc=$(sed -n 's/^=== vm-run status //p' "$from")
	wall=$(sed -n 's/^=== wall //p' "$from")
else
	stage "benchmark in the VM ($mode), N = $sizes"
	bench_boot bench "$tmp/qemu.out" root "$REPO_DIR/scripts/vm-run.sh" \
		--kernel "$image" --dir "$tmp/guest" --smp 1 --mem "$mem_mb" \
		--qemu-opt "-icount shift=0" --timeout 1800
	rc=$run_rc wall=$run_wall
	printf '=== vm-run status %s\n=== wall %s\n' "$rc" "$wall" >>"$tmp/qemu.out"
	cp "$tmp/qemu.out" "$saved"
fi
grep -q '^=== end$' "$tmp/qemu.out" ||
	die "the guest did not finish the benchmark (vm-run status $rc; log: $CACHE_DIR/logs/bench-console.log)"
report "$tmp/qemu.out" "$out/bench" "$mode" "$cmd" "$wall"
status=0
[ "$rc" = 0 ] || { echo "vm-run: status $rc (126: kernel report in the console log)" >&2; status=1; }
grep -q '^=== clone-bench exit 0 ' "$tmp/qemu.out" || status=1
grep -qx '=== clone-mem exit 0' "$tmp/qemu.out" || status=1
grep -qx '=== setup-threads exit 0' "$tmp/qemu.out" || status=1

# ---- the lock hold time, in a second boot with two vCPUs ----
# progs/lock-hold: a probe thread on the second CPU waits for the lock the
# copy on the first holds (see the program's header). Without -icount:
# under it QEMU runs the vCPUs in turns and a busy first vCPU starves the
# second, so the probe would not run while the copy does.
# hold_boot IMAGE NAME: progs/lock-hold in a boot with two vCPUs, its TSV
# in $out/NAME.tsv; a failed boot sets status.
hold_boot() {
	local rc=0
	"$REPO_DIR/scripts/vm-run.sh" --kernel "$1" --dir "$tmp/guest" \
		--smp 2 --mem "$mem_mb" --timeout 1800 \
		--log "$CACHE_DIR/logs/bench-$2-console.log" \
		-- sh -c 'sh ./nr-open.sh "$1" && exec ./lock-hold -n "$1" -r 5' \
		sh "$hold_n" >"$tmp/$2.out" || rc=$?
	cp "$tmp/$2.out" "$CACHE_DIR/logs/bench-$2-guest.out"
	awk -F'\t' 'NF == 8 && ($1 == "method" || $2 ~ /^[0-9]+$/)' "$tmp/$2.out" >"$out/$2.tsv"
	[ "$rc" = 0 ] || { echo "$2: vm-run status $rc" >&2; status=1; }
}

if [ -z "$from" ]; then
	stage "lock hold time in the VM (two vCPUs, multi-threaded TCG), N = $hold_n"
	hold_boot "$image" lock-hold
	{
		echo
		echo "## Source lock hold time (lock-hold, two vCPUs, same kernel)"
		echo
		echo "A probe thread on the second vCPU times round trips that need the"
		echo "lock the copy on the first holds: IORING_OP_NOP on the source ring"
		echo "(its uring_lock) while IORING_REGISTER_CLONE_FILES copies its whole"
		echo "table into a fresh ring; dup()/close() on a fd table (its"
		echo "file_lock) while unshare(CLONE_FILES) copies it (dup_fd()). Hold:"
		echo "the shortest, over 5 copies, of the longest round trip during a"
		echo "copy, less the longest without one (base). Call: the copy's whole"
		echo "call, the shortest of the 5, which is how long the source was held"
		echo "when the clone kept it for all its work. Multi-threaded TCG, so"
		echo "both vCPUs run at once (under -icount they take turns): host"
		echo "nanoseconds of emulated code, TSC-timed, comparable within this"
		echo "table only. A hold shorter than base is within the probe's noise"
		echo "(host scheduling of the vCPU threads): no ratio is given for it."
		echo "\`lock-hold.tsv\` is the raw output."
		echo
		echo "| N | base ns | clone: hold ns | dup_fd: hold ns | clone hold / file | dup_fd hold / file | clone / dup_fd | clone call / file | hold / call |"
		echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		awk -F'\t' 'NR > 1 { h[$1, $2] = $4; b[$1, $2] = $5; p[$1, $2] = $6; c[$1, $2] = $8
				if (!($2 in s)) { s[$2] = 1; n[++k] = $2 } }
			END { for (i = 1; i <= k; i++) { x = n[i]
				bx = (b["clone", x] > b["dup_fd", x] ? b["clone", x] : b["dup_fd", x])
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", x, bx,
					h["clone", x], h["dup_fd", x], p["clone", x], p["dup_fd", x],
					(h["dup_fd", x] >= bx && h["clone", x] >= bx ? sprintf("%.2fx", p["clone", x] / p["dup_fd", x]) : "noise"),
					c["clone", x],
					(c["clone", x] > 0 ? sprintf("%.0f%%", 100 * p["clone", x] / c["clone", x]) : "-") } }' "$out/lock-hold.tsv"
		echo
		echo "![source lock hold per file against N](lock-hold.png)"
	} >>"$out/bench.md"
	plot_hold "$out/lock-hold.tsv" "$out/lock-hold.png"
fi

# ---- the distro-like kernel: the same guest run, in a child memcg ----
if [ -z "$from" ] && [ "${BENCH_DISTRO:-1}" != 0 ] && [ "$flavour" = perf ]; then
	[ "${SKIP_KERNEL_BUILD:-0}" = 1 ] || "$REPO_DIR/scripts/build-kernel.sh" distro
	image_saved=$image
	image=$BUILD_DIR/distro/arch/x86/boot/bzImage
	[ -e "$image" ] || die "no distro kernel at $image"
	mode_d="TCG -icount shift=0, distro-like kernel (configs/distro.config), 1 vCPU"
	stage "benchmark in the VM ($mode_d)"
	bench_boot bench-distro "$tmp/distro.out" memcg "$REPO_DIR/scripts/vm-run.sh" \
		--kernel "$image" --dir "$tmp/guest" --smp 1 --mem "$mem_mb" \
		--qemu-opt "-icount shift=0" --timeout 3600
	rc_d=$run_rc wall=$run_wall
	if grep -q '^=== end$' "$tmp/distro.out"; then
		report "$tmp/distro.out" "$out/bench-distro" "$mode_d" "$cmd" "$wall"
		grep -q '^memcg: in ' "$tmp/distro.out" || { echo "distro run: not in a memcg" >&2; status=1; }
		compare_report "$out/bench.tsv" "$out/bench-distro.tsv" >>"$out/bench.md"
	else
		echo "distro kernel run did not finish (status $rc_d)" >&2
		status=1
	fi
	[ "$rc_d" = 0 ] || status=1
	image=$image_saved
fi

# ---- the unpatched base and the core series, same kernels' configs ----
# BASE=1 and CORE=1 (scripts/lib.sh): trees and build directories of their
# own. clone-bench at two sizes on each one's perf kernel (root cgroup) and
# distro-like kernel (child memcg); lock-hold on the core's perf kernel.
# The base has no IORING_REGISTER_CLONE_FILES: clone-bench skips the
# clone methods there (exit 2) and measures what applications use today.
cat >"$tmp/guest/variant-guest.sh" <<'GUEST'
#!/bin/sh
# usage: variant-guest.sh SIZES METHODS TARGET_MS memcg|root
if [ "$4" = memcg ] && mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null; then
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control &&
		mkdir /sys/fs/cgroup/bench && echo $$ >/sys/fs/cgroup/bench/cgroup.procs
fi
./clone-bench -n "$1" -m "$2" -t "$3"
GUEST
variant_n=${BENCH_VARIANT_N:-4096,65536}
variant_m=clone,clone_empty,replace16,register,update_sparse,msg_ring,dup_fd
kernels=(perf)
[ "${BENCH_DISTRO:-1}" = 0 ] || kernels+=(distro)
if [ -z "$from" ] && [ "${BENCH_VARIANTS:-1}" != 0 ] && [ "$flavour" = perf ]; then
	for v in BASE CORE; do
		name=${v,,}
		# the variant's own tree and build directories, not this run's
		venv=(env -u TREE_DIR -u BUILD_DIR "$v=1")
		vbuild=$("${venv[@]}" bash -c '. "$0"; echo "$BUILD_DIR"' "$REPO_DIR/scripts/lib.sh")
		if [ "${SKIP_KERNEL_BUILD:-0}" != 1 ]; then
			"${venv[@]}" "$REPO_DIR/scripts/tree.sh"
			for k in "${kernels[@]}"; do
				"${venv[@]}" "$REPO_DIR/scripts/build-kernel.sh" "$k"
			done
		fi
		for k in "${kernels[@]}"; do
			cg=root
			[ "$k" = distro ] && cg=memcg
			stage "clone-bench on the $name series' $k kernel, N = $variant_n"
			rc=0
			"$REPO_DIR/scripts/vm-run.sh" --kernel "$vbuild/$k/arch/x86/boot/bzImage" \
				--dir "$tmp/guest" --smp 1 --mem "$mem_mb" --qemu-opt "-icount shift=0" \
				--timeout 1800 --log "$CACHE_DIR/logs/bench-$name-$k-console.log" \
				-- sh ./variant-guest.sh "$variant_n" "$variant_m" "$target_ms" "$cg" \
				>"$tmp/$name-$k.out" || rc=$?
			# 2: the base's clone-bench without the clone methods
			case $rc in 0|2) ;; *) echo "$name $k: vm-run status $rc" >&2; status=1 ;; esac
			awk -F'\t' 'NR == 1 && /^method\t/ || (NF == 7 && $2 ~ /^[0-9]+$/)' \
				"$tmp/$name-$k.out" >"$out/bench-$name-$k.tsv"
		done
		[ "$v" = BASE ] || hold_boot "$vbuild/perf/arch/x86/boot/bzImage" lock-hold-core
	done
	printf 'method\n' >"$tmp/none.tsv"
	{
		echo
		echo "## The unpatched base, the core series and the full series (same make bench run)"
		echo
		echo "Median guest instructions per file, from clone-bench on each one's"
		echo "perf kernel (root cgroup) and distro-like kernel (child memcg). The"
		echo "base is Debian's 7.3.4 without the series: what applications pay"
		echo "today (it has no clone). The core is the series without the optional"
		echo "patches the cover letter names. Raw: \`bench-{base,core}-{perf,distro}.tsv\`,"
		echo "and the full series' \`bench.tsv\` and \`bench-distro.tsv\`."
		echo
		echo "| method | N | perf: base | perf: core | perf: full | distro: base | distro: core | distro: full |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		for f in "$out/bench-base-perf.tsv" "$out/bench-core-perf.tsv" "$out/bench.tsv" \
			"$out/bench-base-distro.tsv" "$out/bench-core-distro.tsv" "$out/bench-distro.tsv"; do
			[ -e "$f" ] && echo "$f" || echo "$tmp/none.tsv"
		done | xargs awk -F'\t' -v n="$variant_n" -v m="$variant_m" '
			FNR == 1 { f++ } $2 ~ /^[0-9]+$/ { v[f, $1, $2] = $7 }
			function fm(x) { return x == "" ? "-" : x >= 100 ? sprintf("%.0f", x) : sprintf("%.1f", x) }
			END { k = split(m, ms, ","); l = split(n, ns, ",")
				for (i = 1; i <= k; i++) for (j = 1; j <= l; j++) {
					printf "| %s | %s |", ms[i], ns[j]
					for (g = 1; g <= 6; g++) printf " %s |", fm(v[g, ms[i], ns[j]])
					printf "\n" } }'
		echo
		echo "Source lock hold per file (lock-hold, host ns under multi-threaded"
		echo "TCG; \`lock-hold-core.tsv\` and \`lock-hold.tsv\` are the raw output):"
		echo
		echo "| N | core: clone hold | full: clone hold | dup_fd hold (full's boot) | core / dup_fd | full / dup_fd |"
		echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
		awk -F'\t' 'FNR == 1 { f++; next } { p[f, $1, $2] = $6; if (f == 1 && $1 == "clone") n[++k] = $2 }
			function r(a, b) { return (a == "" || b <= 0) ? "-" : sprintf("%.2fx", a / b) }
			END { for (i = 1; i <= k; i++) { x = n[i]; d = p[2, "dup_fd", x]
				printf "| %s | %s | %s | %s | %s | %s |\n", x, p[1, "clone", x], p[2, "clone", x], d,
					r(p[1, "clone", x], d), r(p[2, "clone", x], d) } }' \
			"$out/lock-hold-core.tsv" "$out/lock-hold.tsv"
	} >>"$out/bench.md"
fi

# ---- the User-Mode Linux run (uml-perf), wall clock ----
if [ -z "$from" ] && [ "${BENCH_UM:-1}" != 0 ]; then
	[ "${SKIP_KERNEL_BUILD:-0}" = 1 ] || "$REPO_DIR/scripts/build-uml.sh" uml-perf
	[ -x "$um" ] || die "no uml-perf kernel at $um (scripts/build-uml.sh uml-perf)"
	mode_um="User-Mode Linux (uml-perf kernel), wall clock, 1 CPU"
	stage "benchmark in User-Mode Linux ($mode_um)"
	bench_boot bench-um "$tmp/um.out" root "$REPO_DIR/scripts/uml-run.sh" \
		--kernel uml-perf --dir "$tmp/guest" --mem "$mem_mb" --timeout 1800
	rc=$run_rc wall=$run_wall
	if grep -q '^=== end$' "$tmp/um.out"; then
		image_saved=$image
		image=$um
		report "$tmp/um.out" "$out/bench-um" "$mode_um" "$cmd" "$wall"
		image=$image_saved
		um_report "$out/bench.tsv" "$out/bench-um.tsv" >>"$out/bench.md"
	else
		echo "User-Mode Linux run did not finish (status $rc): no bench-um.*" >&2
		status=1
	fi
	[ "$rc" = 0 ] || status=1
fi
exit $status
