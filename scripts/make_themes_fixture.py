#!/usr/bin/env python3
"""Writes fixtures/themes_responses.csv (UTF-8) and fixtures/themes_gbk.csv (GBK, no emoji):
survey responses whose comments follow the scores, unlike the example data's.

Detractors mostly complain about delivery (in English and Chinese) and about not hearing back;
promoters mostly praise the staff. So delivery must come out with a negative NPS impact and
staff with a positive one. Mixed in: blanks, N/A and 无, emoji, a comment over two lines, quotes
and commas, 贵公司 (the polite "your company", excluded from price), "chocolate" (not "late"),
and comments no theme matches. Deterministic: run it again and the files are the same.

  python3 scripts/make_themes_fixture.py
"""
import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DETRACTOR = [
    "Delivery was late again, and the courier was rude",
    "The parcel arrived damaged. Late delivery too",
    "物流太慢了，等了两个星期",
    "快递员态度很差，包裹还破损了",
    'They said "we will call back" and nobody did',
    "No reply to my emails for a week 😡",
    "Shipping took forever\nand tracking never updated",
    "退款一直没有到账，客服也不回复",
    "Too expensive for what you get",
]
PASSIVE = [
    "OK overall, delivery was a bit slow",
    "价格有点贵，质量还可以",
    "Fine. Nothing special",
    "The chocolate was nice",
    "贵公司的产品不错",
    "Average experience",
]
PROMOTER = [
    "The agent was very helpful and friendly 👍",
    "客服很耐心，服务态度好",
    "Great staff, quick answers",
    "Friendly staff in the store, thanks!",
    "Love the quality, will buy again",
    "工作人员热情周到",
    "Smooth checkout on the website",
]
EMPTY = ["", "", "N/A", "无", "   ", "👍👍"]


def main():
    rnd = random.Random(27)
    rows = []
    for i in range(600):
        nps = rnd.choices(range(11), weights=[3, 2, 3, 4, 5, 7, 8, 14, 14, 18, 16])[0]
        csat = max(1, min(5, round(1 + nps * 0.4 + rnd.uniform(-0.8, 0.8))))
        ces = max(1, min(7, round(1 + nps * 0.55 + rnd.uniform(-1, 1))))
        pool = DETRACTOR if nps <= 6 else PROMOTER if nps >= 9 else PASSIVE
        # Some comments cross the sides, so that no theme is perfectly one-sided.
        if rnd.random() < 0.15:
            pool = rnd.choice([DETRACTOR, PASSIVE, PROMOTER])
        comment = rnd.choice(EMPTY) if rnd.random() < 0.2 else rnd.choice(pool)
        month = 9 + i * 2 // 600
        day = 1 + i % 28
        segment = rnd.choice(["online", "store", "门店"])
        rows.append([f"T{i:04d}", f"2026-{month:02d}-{day:02d}", segment, nps, csat, ces, comment])
    header = ["response_id", "submitted_at", "segment", "nps", "csat", "ces", "comment"]
    with open(ROOT / "fixtures/themes_responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    # The same in GBK, as office software writes it (the emoji dropped: GBK has none).
    with open(ROOT / "fixtures/themes_gbk.csv", "w", newline="", encoding="gbk") as f:
        w = csv.writer(f)
        w.writerow(["编号", "提交日期", "渠道", "推荐意愿", "满意度", "费力度", "意见"])
        for r in rows[:200]:
            text = r[6].encode("gbk", errors="ignore").decode("gbk").strip()
            w.writerow(r[:6] + [text])


if __name__ == "__main__":
    main()
