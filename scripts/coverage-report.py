#!/usr/bin/env python3
"""Write the coverage report of the functions a series adds or changes.

Input: gcov's JSON files (gcov -b -j) and the series' diff (git diff -U0)
of the same sources. A function is the series' if a line it adds or changes
lies within the function, or a deletion sits there; in the functions of
OWN_LINES_ONLY only those lines count. Output, in --out: report.md (a table
of line and branch coverage per function, then every source line with a
line not reached or a branch never taken: first those without a reason,
which should be none, then the others with theirs, from WHY or MACRO_WHY)
and annotated.txt (the source of those functions with gcov's counts:
'#####' marks a line never run, '-' a line without code).

usage: coverage-report.py --diff DIFF --tree TREE --out DIR FILE.gcov.json.gz...
"""
import argparse
import gzip
import json
import os
import re

# Functions the series changes but whose other lines are not its code: a
# switch over every register opcode to which it adds one case, and
# io_uring's init, to which it adds a call. Only the lines the series adds
# or changes count there.
OWN_LINES_ONLY = {'__io_uring_register', 'io_uring_init'}

# Why a branch is never taken, for lines whose code is a check compiled in
# by a debug option or a macro rather than a decision of the source: the
# arm never taken is the report (or the path) that must not happen.
BITOP = ('the bitops\' bitop() (include/linux/bitops.h) picks the const_ '
         'variant for compile-time constant arguments through a chain of '
         '__builtin_constant_p() tests, which gcov instruments before the '
         'compiler folds them; the arguments are never constant here')
# bitmap_*()'s one-word fast path
SMALL_CONST = ('when the size is a small compile-time constant '
               '(small_const_nbits()), tested by __builtin_constant_p(), which '
               'gcov instruments before the compiler folds it; the size is '
               'never constant here')
MACRO_WHY = [
    (r'^lockdep_assert_held\(', 'lockdep_assert_held(), WARN_ON(debug_locks '
     '&& !held): the lock not held, and lockdep off after an earlier '
     'report; neither happened'),
    (r'^(struct io_bpf_filter \*s = )?rcu_dereference\(', 'rcu_dereference()\'s '
     'PROVE_RCU check: lockdep-RCU off, the RCU read lock missing, its '
     'report given once; none of it happened'),
    (r'^WARN_ON_ONCE\(', 'the warning, which would mean the table was not '
     'empty; and its once-only arm'),
    (r'^__(set|clear)_bit\(', BITOP),
    (r'^io_file_bitmap_(set|clear)\(', 'io_file_bitmap_set()/clear() '
     '(filetable.h): WARN_ON_ONCE() if the bit is already set (or clear), '
     'which never fired, then test_bit() and __set_bit()/__clear_bit(): ' + BITOP),
    (r'^(n = )?bitmap_weight\(', 'bitmap_weight() counts one word inline '
     + SMALL_CONST),
    (r'^bitmap_clear\(', 'bitmap_clear() picks __clear_bit(), a one-word '
     'mask or memset() for compile-time constant arguments, tested by '
     '__builtin_constant_p(), which gcov instruments before the compiler '
     'folds it; the arguments are never constant here'),
    (r'^bitmap_copy\(', 'bitmap_copy() copies one word inline ' + SMALL_CONST),
]

# The upstream error paths of io_sqe_files_register(), which patch 8 changes.
REG_UPSTREAM = ('upstream error paths of IORING_REGISTER_FILES that the series '
                'does not change (patch 8 changes where the nodes come from, '
                'and frees the batch at fail:, which the io_uring-fd case of '
                'liburing\'s file-register.t and fault-inject\'s ENOMEM reach): ')

# Why a branch of a decision in the source is never taken, or a line never
# reached: (function, the line's text) -> reason. Every gap of the report
# is either explained here or by MACRO_WHY, or listed as unexplained.
WHY = {
    ('io_uring_register_check',
     'if (!test_bit(opcode, ctx->restrictions.register_op))'):
        'both outcomes run: the line after it (return -EACCES) runs in '
        'clone_restrict_test\'s and clone_threads_test\'s register-'
        'restricted rings, and allowed opcodes go on. The arms never taken '
        'are test_bit()\'s: ' + BITOP,
    ('__io_uring_register',
     'static int __io_uring_register(struct io_ring_ctx *ctx, unsigned opcode,'):
        'upstream code the series only moves (patch 2 puts '
        'io_uring_register_check() before it). A branch gcov puts on the '
        'declaration line, taken the same way on all 123,248 calls: it is '
        'in the entry block the compiler builds, not a decision of the '
        'source, whose first decision is the WARN_ON_ONCE() below',
    ('__io_uring_register',
     'if (WARN_ON_ONCE(percpu_ref_is_dying(&ctx->refs)))'):
        'upstream code the series only moves: a register call holds a '
        'reference to the ring\'s file, so its refs cannot be dying (the '
        'comment above it says so); the warning and its once-only arm '
        'never run',
    ('io_clone_buffers',
     'if (ctx->user != src_ctx->user || ctx->mm_account != src_ctx->mm_account)'):
        'upstream\'s accounting check: reached by make stress\'s limits, '
        'CLONE_BUFFERS into a ring of another user (ctx->user differs) and '
        'of the same user in a forked process (ctx->mm_account differs)',
    ('io_clone_buffers', 'if (nbufs > IORING_MAX_REG_BUFFERS)'):
        'reached by make stress\'s limits (a destination table of '
        '(1 << 14) + 1 buffers)',
    ('io_clone_buffers', 'if (node) {'):
        'the empty slots before the range: reached by make stress\'s limits '
        '(a replace into slot 2 of a sparse table)',
    ('io_clone_buffers', 'if (ret) {'):
        'io_buffer_acct_cloned_hpages() fails only for a ring accounted to '
        'an unprivileged user (ctx->user: no CAP_IPC_LOCK) cloning a buffer '
        'backed by huge pages, when hpage_acct_ref() cannot account one '
        'more reference (RLIMIT_MEMLOCK); for root, as every clone of this '
        'run, it returns before looking at the pages. Upstream code the '
        'series does not change: not tested here',
    ('io_clone_buffers', 'refcount_dec(&src_node->buf->refs);'):
        'the error path of io_buffer_acct_cloned_hpages(), see above',
    ('io_clone_buffers', 'io_cache_free(&ctx->node_cache, dst_node);'):
        'the error path of io_buffer_acct_cloned_hpages(), see above',
    ('io_clone_buffers', 'io_rsrc_data_free(ctx, &data);'):
        'the error path of io_buffer_acct_cloned_hpages(), see above',
    ('io_clone_buffers', 'return ret;'):
        'the error path of io_buffer_acct_cloned_hpages(), see above',
    ('io_sqe_files_register', 'if (!nr_args)'):
        REG_UPSTREAM +
        'no test here registers 0 files',
    ('io_sqe_files_register', 'if (nr_args > IORING_MAX_FIXED_FILES)'):
        REG_UPSTREAM +
        'no test here registers more than IORING_MAX_FIXED_FILES files',
    ('io_sqe_files_register',
     'if (tags && copy_from_user(&tag, &tags[i], sizeof(tag)))'):
        REG_UPSTREAM +
        'no test here faults in the middle of the tags array',
    ('io_sqe_files_register', 'if (fds && copy_from_user(&fd, &fds[i], sizeof(fd)))'):
        REG_UPSTREAM +
        'no test here faults in the middle of the fds array',
    ('io_sqe_files_register', 'if (tag)'):
        REG_UPSTREAM +
        'no test here tags a -1 entry',
    ('io_sqe_files_register', 'goto fail;'):
        REG_UPSTREAM +
        'the faults in the fds or tags array and the tag on a -1 entry '
        'above',
    ('io_register_clone', 'if (copy_from_user(&buf, arg, sizeof(buf)))'):
        'reached by make stress\'s limits (an unmapped argument)',
    ('io_register_clone',
     'if (buf.flags & ~(IORING_REGISTER_SRC_REGISTERED|IORING_REGISTER_DST_REPLACE))'):
        'reached by make stress\'s limits (an unknown flag)',
    ('io_register_clone', 'if (memchr_inv(buf.pad, 0, sizeof(buf.pad)))'):
        'reached by make stress\'s limits (a non-zero pad)',
}


def why(name, text):
    if (name, text) in WHY:
        return WHY[(name, text)]
    for pat, reason in MACRO_WHY:
        if re.search(pat, text):
            return reason
    return None


def changed_lines(diff):
    """{path: set of new-side line numbers} the diff adds or touches."""
    changed, path = {}, None
    for line in diff:
        if line.startswith('+++ '):
            path = line[6:].strip() if line.startswith('+++ b/') else None
        m = re.match(r'@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@', line)
        if m and path:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            changed.setdefault(path, set()).update(
                range(start, start + max(count, 1)))
    return changed


def load(paths, tree):
    """{relative path: gcov file entry} from the JSON files."""
    files = {}
    for p in paths:
        with gzip.open(p, 'rt') as f:
            data = json.load(f)
        for entry in data['files']:
            rel = os.path.relpath(os.path.join(
                data['current_working_directory'], entry['file']), tree)
            if rel.startswith('..'):
                rel = os.path.relpath(entry['file'], tree)
            files[rel] = entry
    return files


def series_functions(files, changed):
    for path in sorted(changed):
        entry = files.get(path)
        if entry is None:
            continue
        for fn in sorted(entry['functions'], key=lambda f: f['start_line']):
            lo, hi = fn['start_line'], fn['end_line']
            if any(lo <= n <= hi for n in changed[path]):
                lines = [l for l in entry['lines']
                         if lo <= l['line_number'] <= hi and
                         l.get('function_name', fn['name']) == fn['name']]
                if fn['demangled_name'] in OWN_LINES_ONLY:
                    lines = [l for l in lines
                             if l['line_number'] in changed[path]]
                yield path, fn, lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--diff', required=True)
    ap.add_argument('--tree', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('json', nargs='+')
    args = ap.parse_args()

    with open(args.diff) as f:
        changed = changed_lines(f)
    files = load(args.json, args.tree)
    os.makedirs(args.out, exist_ok=True)

    rows, gaps, annotated = [], [], []
    tot = [0, 0, 0, 0]
    for path, fn, lines in series_functions(files, changed):
        with open(os.path.join(args.tree, path)) as f:
            src = f.read().splitlines()
        name = fn['demangled_name']
        hit = sum(1 for l in lines if l['count'] > 0)
        br = [(l['line_number'], i, b) for l in lines
              for i, b in enumerate(l['branches']) if not b.get('throw')]
        taken = sum(1 for _, _, b in br if b['count'] > 0)
        for i, v in enumerate((hit, len(lines), taken, len(br))):
            tot[i] += v
        rows.append(f'| {path} | {name} | {fn["execution_count"]} | '
                    f'{hit}/{len(lines)} | {taken}/{len(br)} |')
        # one entry per source line: its line and branch gaps together
        missed = {}
        for l in lines:
            if l['count'] == 0:
                missed.setdefault(l['line_number'], []).append('line')
        for n, i, b in br:
            if b['count'] == 0:
                missed.setdefault(n, []).append(f'branch {i}')
        for n in sorted(missed):
            text = src[n - 1].strip()
            what = ', '.join(missed[n])
            reason = why(name, text)
            gaps.append((reason is not None,
                         f'- {path}:{n} {name} ({what}): `{text}`' +
                         (f'\n  {reason}' if reason else '')))
        counts = {l['line_number']: l['count'] for l in lines}
        annotated.append(f'==== {path}: {name}')
        for n in range(fn['start_line'], fn['end_line'] + 1):
            c = counts.get(n)
            mark = '-' if c is None else ('#####' if c == 0 else str(c))
            annotated.append(f'{mark:>9}:{n:5}: {src[n - 1]}')
        annotated.append('')

    def pct(a, b):
        return f'{100.0 * a / b:.1f}%' if b else '-'

    with open(os.path.join(args.out, 'report.md'), 'w') as f:
        f.write('# Coverage of the functions the series adds or changes\n\n'
                'Written by `make coverage` (scripts/coverage.sh): one boot '
                'of the coverage kernel running the io_uring kselftests and '
                'make stress. Lines and branches as gcov counts them in the '
                'kernel\'s optimised build, where some source lines carry no '
                'code of their own.\n\n'
                '| file | function | calls | lines | branches |\n'
                '| --- | --- | ---: | ---: | ---: |\n')
        f.write('\n'.join(rows) + '\n')
        f.write(f'| all | | | {tot[0]}/{tot[1]} ({pct(tot[0], tot[1])}) | '
                f'{tot[2]}/{tot[3]} ({pct(tot[2], tot[3])}) |\n\n')
        unexplained = [g for ok, g in gaps if not ok]
        f.write('## Not reached, unexplained\n\n')
        f.write('\n'.join(unexplained) + '\n' if unexplained else
                'None.\n')
        f.write('\n## Not reached, and why\n\n'
                'Each line of the source that has a line or a branch gcov '
                'never saw run, and the reason.\n\n')
        f.write('\n'.join(g for ok, g in gaps if ok) + '\n' if
                len(unexplained) < len(gaps) else 'None.\n')
    with open(os.path.join(args.out, 'annotated.txt'), 'w') as f:
        f.write('\n'.join(annotated))
    print(f'lines {tot[0]}/{tot[1]}, branches {tot[2]}/{tot[3]}, '
          f'{len(gaps)} source lines with gaps, '
          f'{sum(1 for ok, _ in gaps if not ok)} unexplained')


if __name__ == '__main__':
    main()
