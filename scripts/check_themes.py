#!/usr/bin/env python3
"""Independent check of `cxstat themes` (overall, no --by): recomputes every counted figure
from the responses CSV with the Python `jieba` package and the standard library, and compares
with cxstat's CSV output to 1e-9.

  pip install jieba==0.42.1
  cxstat themes R.csv -o themes.csv
  cxstat themes R.csv --unmatched --top 1000 -o unmatched.csv
  cxstat themes R.csv --terms --top 1000 --min-count 1 -o terms.csv
  python3 scripts/check_themes.py R.csv themes.csv unmatched.csv terms.csv

The themes are read from src/text/themes.toml (the data); how comments are cut into words and
how keywords match is written again here from the README's rules, not taken from cxstat:
- a comment is lower-cased and cut into clauses at line breaks and at every character that is
  not a letter, digit, white space or apostrophe; in a clause, runs of Han characters go to
  jieba.cut (HMM on) and the rest is split into words;
- a keyword with a Han character matches as a substring of the lower-cased comment; any other
  keyword matches as consecutive whole words of one clause (`word*`: words starting so);
- words are tokens with a letter that are not stop words; a phrase is two adjacent words.
Columns: comment, nps (0-10), csat (1-5, top 2), ces (1-7). Exit 0 when all agree; 1 otherwise.
"""
import csv
import logging
import math
import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path
from statistics import NormalDist

import jieba

jieba.setLogLevel(logging.ERROR)
ROOT = Path(__file__).resolve().parent.parent
TOL = 1e-9
Z = NormalDist().inv_cdf(0.975)
NO_COMMENT = {"n/a", "na", "none", "nil", "no comment", "no comments", "无", "没有", "暂无", "无意见", "无建议"}
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
HAN_RUN = re.compile(f"([{HAN}]+)")
LATIN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def stop_words():
    words = set()
    for name in ("stop_words_en.txt", "stop_words_zh.txt"):
        words |= {w.strip() for w in (ROOT / "src/text" / name).read_text(encoding="utf-8").splitlines() if w.strip()}
    return words


STOP = stop_words()


def is_han(c):
    return bool(HAN_RUN.fullmatch(c))


def clauses(lower):
    out, current = [], []
    for c in lower:
        if c in "\n\r" or not (c.isalnum() or c.isspace() or c in "'’"):
            out.append("".join(current))
            current = []
        else:
            current.append(c)
    out.append("".join(current))
    result = []
    for clause in out:
        tokens = []
        for part in HAN_RUN.split(clause):
            if not part:
                continue
            if is_han(part[0]):
                tokens.extend(jieba.lcut(part, HMM=True))
            else:
                tokens.extend(LATIN_WORD.findall(part))
        if tokens:
            result.append(tokens)
    return result


def has_text(comment):
    t = comment.strip()
    return any(c.isalnum() for c in t) and t.lower() not in NO_COMMENT


def keyword(k):
    k = k.strip().lower()
    if any(is_han(c) for c in k):
        return ("han", k)
    pats = []
    for part in k.split():
        prefix = part.endswith("*")
        body = part[:-1] if prefix else part
        words = [w for cl in clauses(body) for w in cl]
        pats += [(w, prefix and i == len(words) - 1) for i, w in enumerate(words)]
    return ("words", pats)


def kw_matches(kw, lower, cls):
    kind, v = kw
    if kind == "han":
        return v in lower
    n = len(v)
    for cl in cls:
        for i in range(len(cl) - n + 1):
            if all((cl[i + j].startswith(w) if pre else cl[i + j] == w) for j, (w, pre) in enumerate(v)):
                return True
    return False


def themes():
    t = tomllib.loads((ROOT / "src/text/themes.toml").read_text(encoding="utf-8"))["themes"]
    return {name: ([keyword(k) for k in v.get("keywords", [])], [keyword(k) for k in v.get("exclude", [])]) for name, v in t.items()}


def is_word(t):
    return any(c.isalpha() for c in t) and t not in STOP


def words_phrases(cls):
    words, phrases = [], []
    for cl in cls:
        for i, t in enumerate(cl):
            if not is_word(t):
                continue
            words.append(t)
            if i + 1 < len(cl) and is_word(cl[i + 1]):
                n = cl[i + 1]
                phrases.append(t + n if is_han(t[-1]) and is_han(n[0]) else f"{t} {n}")
    return words, phrases


def score(v, lo, hi):
    v = (v or "").strip()
    if not re.fullmatch(r"-?\d+(\.0+)?", v):
        return None
    x = int(float(v))
    return x if lo <= x <= hi else None


def nps(rows):
    s = [r for r in rows if r["nps"] is not None]
    if not s:
        return None, None, 0
    pro = sum(r["nps"] >= 9 for r in s)
    det = sum(r["nps"] <= 6 for r in s)
    return 100 * (pro - det) / len(s), (pro, det, len(s)), len(s)


def mean_of(rows, key, f):
    s = [r[key] for r in rows if r[key] is not None]
    return f(s) if s else None


def compare(name, got, want, problems):
    if want is None and (got is None or got == ""):
        return
    if want is None or got in (None, ""):
        problems.append(f"{name}: cxstat {got!r}, check {want!r}")
        return
    if isinstance(want, str):
        if got != want:
            problems.append(f"{name}: cxstat {got!r}, check {want!r}")
        return
    if abs(float(got) - want) > TOL * max(1.0, abs(want)):
        problems.append(f"{name}: cxstat {got}, check {want!r}")


def main(responses, themes_csv, unmatched_csv, terms_csv):
    theme_defs = themes()
    names = sorted(theme_defs)
    rows = []
    with open(responses, newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f)):
            c = r["comment"] or ""
            row = {"row": i + 2, "id": r.get("response_id"), "text": c, "nps": score(r["nps"], 0, 10),
                   "csat": score(r["csat"], 1, 5), "ces": score(r["ces"], 1, 7), "has": has_text(c), "themes": set()}
            rows.append(row)
    read = {}
    for r in rows:
        if r["has"] and r["text"] not in read:
            lower = r["text"].lower()
            cls = clauses(lower)
            hit = {n for n in names if any(kw_matches(k, lower, cls) for k in theme_defs[n][0])
                   and not any(kw_matches(k, lower, cls) for k in theme_defs[n][1])}
            read[r["text"]] = (hit, *words_phrases(cls))
        if r["has"]:
            r["themes"] = read[r["text"]][0]
    commenters = [r for r in rows if r["has"]]
    problems = []
    with open(themes_csv, newline="", encoding="utf-8") as f:
        got = {r["theme"]: r for r in csv.DictReader(f)}
    checked = 0
    for name in names + ["(no theme)"]:
        m = [r for r in commenters if (name in r["themes"] if name != "(no theme)" else not r["themes"])]
        o = [r for r in commenters if r not in m] if name == "(no theme)" else [r for r in commenters if name not in r["themes"]]
        g = got[name]
        nm, cm, _ = nps(m)
        no, co, _ = nps(o)
        want = {
            "comments": len(commenters), "mentions": len(m), "mention_pct": 100 * len(m) / len(commenters), "nps": nm, "nps_others": no,
            "detractor_pct": 100 * cm[1] / cm[2] if cm else None,
            "nps_impact": len([r for r in m if r["nps"] is not None]) / (len([r for r in m if r["nps"] is not None]) + len([r for r in o if r["nps"] is not None])) * (nm - no) if nm is not None and no is not None else None,
            "csat_pct": mean_of(m, "csat", lambda s: 100 * sum(x >= 4 for x in s) / len(s)),
            "csat_pct_others": mean_of(o, "csat", lambda s: 100 * sum(x >= 4 for x in s) / len(s)),
            "ces_mean": mean_of(m, "ces", lambda s: sum(s) / len(s)),
            "ces_mean_others": mean_of(o, "ces", lambda s: sum(s) / len(s)),
        }
        # The NPS difference's z-test (tested rows only: 30 mentions and 30 others at least).
        if name != "(no theme)" and len(m) >= 30 and len(o) >= 30 and cm and co:
            var = lambda p, d, n: (p + d) / n - ((p - d) / n) ** 2
            se = math.sqrt(var(*cm) / cm[2] + var(*co) / co[2])
            d = (cm[0] - cm[1]) / cm[2] - (co[0] - co[1]) / co[2]
            want["nps_diff"] = 100 * d
            want["nps_diff_low"] = 100 * (d - Z * se)
            want["nps_diff_high"] = 100 * (d + Z * se)
            want["nps_p"] = 2 * (1 - NormalDist().cdf(abs(d / se)))
        # The quotes: the impact's side first, then one theme only, then 20-280 characters, then row.
        if name != "(no theme)":
            impact = want["nps_impact"]
            side = lambda r: None if r["nps"] is None else (-1 if r["nps"] <= 6 else 1 if r["nps"] >= 9 else 0)
            wanted = -1 if impact is not None and impact < 0 else 1 if impact is not None and impact > 0 else None
            order = sorted(m, key=lambda r: (wanted is not None and side(r) != wanted, len(r["themes"]) > 1,
                                             not (20 <= len(r["text"]) <= 280), r["row"]))
            seen, quotes = set(), []
            for r in order:
                if r["text"] not in seen:
                    seen.add(r["text"])
                    quotes.append(r)
                if len(quotes) == 3:
                    break
            for k in range(3):
                want[f"quote_{k + 1}_id"] = quotes[k]["id"] if k < len(quotes) else None
                want[f"quote_{k + 1}"] = quotes[k]["text"] if k < len(quotes) else None
        for key, value in want.items():
            compare(f"{name}.{key}", g.get(key), value, problems)
            checked += 1
    # The comments no theme matches: comments per word and phrase.
    counts = defaultdict(int)
    for r in commenters:
        if not r["themes"]:
            _, words, phrases = read[r["text"]]
            for w in set(words):
                counts[("word", w)] += 1
            for p in set(phrases):
                counts[("phrase", p)] += 1
    with open(unmatched_csv, newline="", encoding="utf-8") as f:
        got_u = {(r["kind"], r["term"]): r for r in csv.DictReader(f)}
    if set(got_u) != set(counts):
        problems.append(f"unmatched terms differ: only cxstat {sorted(set(got_u) - set(counts))[:5]}, only check {sorted(set(counts) - set(got_u))[:5]}")
    for k, n in counts.items():
        if k in got_u:
            compare(f"unmatched {k}", got_u[k]["comments"], n, problems)
            checked += 1
    # --terms: occurrences on each side, the prior from all comments, the log-odds and z.
    voc = [defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])]
    for r in commenters:
        _, words, phrases = read[r["text"]]
        for kind, terms in ((0, words), (1, phrases)):
            for t in terms:
                c = voc[kind][t]
                c[0] += r["nps"] is not None and r["nps"] <= 6
                c[1] += r["nps"] is not None and r["nps"] >= 9
                c[2] += 1
    with open(terms_csv, newline="", encoding="utf-8") as f:
        got_t = {(r["kind"], r["term"]): r for r in csv.DictReader(f)}
    for kind, v in enumerate(voc):
        n_i = sum(c[0] for c in v.values())
        n_j = sum(c[1] for c in v.values())
        a0 = sum(c[2] for c in v.values())
        for t, (yi, yj, aw) in v.items():
            key = ("phrase" if kind else "word", t)
            if yi + yj == 0 or key not in got_t:
                continue
            delta = math.log((yi + aw) / (n_i + a0 - yi - aw)) - math.log((yj + aw) / (n_j + a0 - yj - aw))
            z = delta / math.sqrt(1 / (yi + aw) + 1 / (yj + aw))
            g = got_t[key]
            compare(f"terms {key}.detractors", g["detractors_count"], yi, problems)
            compare(f"terms {key}.promoters", g["promoters_count"], yj, problems)
            compare(f"terms {key}.log_odds", g["log_odds"], delta, problems)
            compare(f"terms {key}.z", g["z"], z, problems)
            checked += 4
    print(f"{checked} values checked, {len(problems)} differences")
    for p in problems[:40]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
