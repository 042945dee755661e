#!/usr/bin/env python3
"""Write the coverage report of the functions a series adds or changes.

Input: gcov's JSON files (gcov -b -j) and the series' diff (git diff -U0)
of the same sources. A function is the series' if a line it adds or changes
lies within the function, or a deletion sits there. Output, in --out:
report.md (a table of line and branch coverage per function, then every
line not reached and every branch never taken) and annotated.txt (the
source of those functions with gcov's counts: '#####' marks a line never
run, '-' a line without code).

usage: coverage-report.py --diff DIFF --tree TREE --out DIR FILE.gcov.json.gz...
"""
import argparse
import gzip
import json
import os
import re


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
        for l in lines:
            if l['count'] == 0:
                n = l['line_number']
                gaps.append(f'- {path}:{n} {name}: line not reached: '
                            f'`{src[n - 1].strip()}`')
        for n, i, b in br:
            if b['count'] == 0:
                gaps.append(f'- {path}:{n} {name}: branch {i} never taken: '
                            f'`{src[n - 1].strip()}`')
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
        f.write('## Not reached\n\n')
        f.write('\n'.join(gaps) + '\n' if gaps else 'Nothing: every line and '
                'branch was reached.\n')
    with open(os.path.join(args.out, 'annotated.txt'), 'w') as f:
        f.write('\n'.join(annotated))
    print(f'lines {tot[0]}/{tot[1]}, branches {tot[2]}/{tot[3]}, '
          f'{len(gaps)} gaps')


if __name__ == '__main__':
    main()
