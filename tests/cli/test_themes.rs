//! `cxstat themes` on fixtures/themes_responses.csv (comments that follow the scores: detractors
//! on delivery and unanswered calls, promoters on staff), checked against scripts/check_themes.py
//! (Python `jieba` and the standard library), which agrees on all 623 values it recomputes:
//!
//!   cxstat themes fixtures/themes_responses.csv -o th.csv
//!   cxstat themes fixtures/themes_responses.csv --unmatched --top 100000 -o un.csv
//!   cxstat themes fixtures/themes_responses.csv --terms --top 100000 --min-count 1 -o te.csv
//!   python3 scripts/check_themes.py fixtures/themes_responses.csv th.csv un.csv te.csv
//!
//! (399 values on the example data and on a generated file of 50,000 responses, all equal.)

use crate::workdir::{assert_close, csv_rows, cxstat, example, fixture, num, put, row, workdir};
use predicates::prelude::*;

fn themes(args: &[&str]) -> Vec<std::collections::HashMap<String, String>> {
    let out = cxstat().arg("themes").args(args).assert().success();
    csv_rows(&out.get_output().stdout)
}

#[test]
fn a_theme_mentioned_by_detractors_lowers_the_nps() {
    let file = fixture("themes_responses.csv");
    let rows = themes(&[file.to_str().unwrap()]);
    // 600 responses, 489 with a comment with text (blanks, N/A, 无 and 👍👍 are none).
    let delivery = row(&rows, &[("theme", "delivery")]);
    assert_eq!((delivery["responses"].as_str(), delivery["comments"].as_str(), delivery["mentions"].as_str()), ("600", "489", "123"));
    assert_close(num(delivery, "mention_pct"), 100.0 * 123.0 / 489.0, 1e-12);
    // The 123 mentioners: NPS −64.228 (check_themes.py), the other 366 commenters +26.230.
    assert_close(num(delivery, "nps"), -64.227_642_276_422_77, 1e-9);
    assert_close(num(delivery, "nps_others"), 26.229_508_196_721_312, 1e-9);
    // Impact = share × gap: 123/489 × (−64.2276 − 26.2295) = 0.251534 × −90.4572 = −22.7530.
    let impact = 123.0 / 489.0 * (num(delivery, "nps") - num(delivery, "nps_others"));
    assert_close(num(delivery, "nps_impact"), impact, 1e-12);
    assert_close(impact, -22.753_025_579_134_4, 1e-9);
    // The difference's z-test (compare's): −90.457 (−103.988 to −76.926), Holm over 7 tested themes.
    assert_close(num(delivery, "nps_diff"), -90.457_150_473_144_08, 1e-9);
    assert_close(num(delivery, "nps_diff_low"), -103.987_838_006_858_04, 1e-9);
    assert_close(num(delivery, "nps_diff_high"), -76.926_462_939_430_12, 1e-9);
    assert_close(num(delivery, "nps_p_adjusted") / num(delivery, "nps_p"), 7.0, 1e-9);
    assert_close(num(delivery, "detractor_pct"), 71.544_715_447_154_47, 1e-9);
    // Staff, mentioned by promoters: a positive impact.
    let staff = row(&rows, &[("theme", "staff")]);
    assert_eq!(staff["mentions"], "189");
    assert_close(num(staff, "nps_impact"), 21.476_482_617_586_91, 1e-9);
    // Refunds: 19 mentions, under the low base of 30: values, but no test.
    let refunds = row(&rows, &[("theme", "refunds")]);
    assert_eq!((refunds["mentions"].as_str(), refunds["low_base"].as_str(), refunds["nps_p"].as_str()), ("19", "true", ""));
    assert_eq!(refunds["note"], "low base: < 30 mentions, untested");
    // The comments no theme matches: 94 of 489.
    let none = row(&rows, &[("theme", "(no theme)")]);
    assert_eq!(none["mentions"], "94");
    // Themes by mentions, the comments of no theme last.
    let order: Vec<&str> = rows.iter().map(|r| r["theme"].as_str()).collect();
    assert_eq!(order, ["staff", "delivery", "waiting", "quality", "no_reply", "price", "website_app", "refunds", "billing", "(no theme)"]);
}

#[test]
fn quotes_are_whole_comments_chosen_by_the_rule() {
    let file = fixture("themes_responses.csv");
    let rows = themes(&[file.to_str().unwrap()]);
    // Delivery lowers the NPS: its quotes come from detractors, of no other theme first.
    let delivery = row(&rows, &[("theme", "delivery")]);
    assert_eq!((delivery["quote_1_id"].as_str(), delivery["quote_1"].as_str()), ("T0001", "The parcel arrived damaged. Late delivery too"));
    // A two-line comment is quoted whole, its line break kept.
    let waiting = row(&rows, &[("theme", "waiting")]);
    assert_eq!(waiting["quote_1"], "Shipping took forever\nand tracking never updated");
    let staff = row(&rows, &[("theme", "staff")]);
    assert_eq!(staff["quote_1"], "The agent was very helpful and friendly 👍");
    // --quotes: one per row, with the side of the respondent.
    let quotes = themes(&[file.to_str().unwrap(), "--quotes"]);
    let first = row(&quotes, &[("theme", "delivery"), ("rank", "1")]);
    assert_eq!((first["response_id"].as_str(), first["row"].as_str(), first["side"].as_str()), ("T0001", "3", "detractors"));
    assert!(quotes.iter().all(|q| q["theme"] != "(no theme)"));
}

#[test]
fn the_words_of_unmatched_comments_and_the_telling_terms() {
    let file = fixture("themes_responses.csv");
    let unmatched = themes(&[file.to_str().unwrap(), "--unmatched", "--top", "3"]);
    let average = row(&unmatched, &[("kind", "word"), ("term", "average")]);
    assert_eq!(average["comments"], "25");
    assert_close(num(average, "pct_of_unmatched"), 2500.0 / 94.0, 1e-12);
    // 贵公司 ("your company") is excluded from price, so it is among the unmatched.
    let all = themes(&[file.to_str().unwrap(), "--unmatched", "--top", "100"]);
    assert!(all.iter().any(|r| r["term"] == "贵公司"), "{all:?}");
    assert!(all.iter().any(|r| r["term"] == "chocolate"), "'late' does not match chocolate");
    // --terms: "late" leans to detractors (32 against 3), "friendly" to promoters (1 against 55).
    let terms = themes(&[file.to_str().unwrap(), "--terms", "--top", "3"]);
    let late = row(&terms, &[("term", "late")]);
    assert_eq!((late["leans_to"].as_str(), late["detractors_count"].as_str(), late["promoters_count"].as_str()), ("detractors", "32", "3"));
    assert_close(num(late, "z"), 2.561_164_763_378_321_7, 1e-9);
    let friendly = row(&terms, &[("term", "friendly")]);
    assert_eq!(friendly["leans_to"], "promoters");
    assert_close(num(friendly, "z"), -4.571_069_162_771_015, 1e-9);
    assert_eq!(terms.len(), 6, "three per side");
    // With CSAT boxes as the sides.
    let csat = cxstat().args(["themes", file.to_str().unwrap(), "--terms", "--target", "csat"]).assert().success();
    assert!(String::from_utf8_lossy(&csat.get_output().stdout).starts_with("leans_to,term,kind,bottom_boxes_count,top_boxes_count,"));
}

#[test]
fn a_gbk_file_reads_as_its_utf8_twin() {
    let dir = workdir();
    let gbk = std::fs::read(fixture("themes_gbk.csv")).unwrap();
    let (text, _, bad) = encoding_rs::GBK.decode(&gbk);
    assert!(!bad);
    let utf8 = put(dir.path(), "twin.csv", text.as_bytes());
    let a = cxstat().args(["themes", fixture("themes_gbk.csv").to_str().unwrap()]).assert().success();
    let b = cxstat().args(["themes", utf8.to_str().unwrap()]).assert().success();
    assert_eq!(a.get_output().stdout, b.get_output().stdout);
    // The Chinese headers are recognised: 意见 is the comment, 推荐意愿 the NPS.
    let rows = csv_rows(&a.get_output().stdout);
    assert!(num(row(&rows, &[("theme", "delivery")]), "mentions") > 0.0);
}

#[test]
fn groups_have_their_themes_and_the_total_is_the_ungrouped_run() {
    let file = fixture("themes_responses.csv");
    let plain = themes(&[file.to_str().unwrap()]);
    let grouped = themes(&[file.to_str().unwrap(), "--by", "segment"]);
    for theme in ["delivery", "staff", "(no theme)"] {
        let total = row(&grouped, &[("segment", "Total"), ("theme", theme)]);
        let all = row(&plain, &[("theme", theme)]);
        for key in ["mentions", "comments", "nps", "nps_others", "nps_impact"] {
            assert_eq!(total[key], all[key], "{theme} {key}");
        }
    }
    let mentions: f64 =
        ["online", "store", "门店"].iter().map(|s| num(row(&grouped, &[("segment", s), ("theme", "delivery")]), "mentions")).sum();
    assert_eq!(mentions, 123.0);
}

#[test]
fn the_config_adds_themes_and_stop_words() {
    let dir = workdir();
    let config = put(
        dir.path(),
        "cx.toml",
        "[themes.drone]\nkeywords = [\"drone\", \"无人机\"]\nregex = ['\\bflew\\b']\nexclude = [\"toy drone\"]\n\n[words]\nmore_stop_words = [\"arrived\"]\n"
            .as_bytes(),
    );
    let data = put(
        dir.path(),
        "r.csv",
        "id,nps,comment\n1,9,The drone arrived on time\n2,3,无人机送货太慢\n3,10,A toy drone for my son\n4,8,It flew in\n5,5,\"Late, again\"\n6,7,It arrived broken\n"
            .as_bytes(),
    );
    let args = |extra: &[&str]| {
        let mut a = vec![data.to_str().unwrap().to_string(), "--config".into(), config.to_str().unwrap().into()];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let own = cxstat().arg("themes").args(args(&["--no-builtin-themes", "--min-n", "1"])).assert().success();
    let rows = csv_rows(&own.get_output().stdout);
    // drone: rows 1, 2 (无人机) and 4 (the regex); row 3 is a toy drone (excluded).
    assert_eq!(rows.len(), 2);
    assert_eq!(row(&rows, &[("theme", "drone")])["mentions"], "3");
    assert_eq!(row(&rows, &[("theme", "(no theme)")])["mentions"], "3");
    // "arrived" is a stop word now, so not among the words of the unmatched comments.
    let words = cxstat().arg("themes").args(args(&["--no-builtin-themes", "--unmatched"])).assert().success();
    let text = String::from_utf8_lossy(&words.get_output().stdout).to_string();
    assert!(!text.contains("arrived") && text.contains("broken") && text.contains("toy"), "{text}");
}

#[test]
fn json_has_the_run_and_the_themes() {
    let out = cxstat().args(["themes", example("responses.csv").to_str().unwrap(), "--format", "json"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["comment_column"], "comment");
    assert_eq!(json["responses"], 4000);
    assert!(json["themes"].as_array().unwrap().iter().any(|t| t["theme"] == "delivery"));
}

#[test]
fn a_chart_of_mention_shares() {
    let dir = workdir();
    let svg = dir.path().join("t.svg");
    cxstat().args(["themes", fixture("themes_responses.csv").to_str().unwrap(), "--chart", svg.to_str().unwrap()]).assert().success();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("What customers say") && text.contains("all commenters +3.5") && text.contains("delivery"), "{}", &text[..300]);
    let png = dir.path().join("t.png");
    cxstat().args(["themes", fixture("themes_responses.csv").to_str().unwrap(), "--chart", png.to_str().unwrap()]).assert().success();
    assert_eq!(&std::fs::read(&png).unwrap()[..4], b"\x89PNG");
}

#[test]
fn what_does_not_fit_is_refused_with_a_way_out() {
    let dir = workdir();
    let no_comment = put(dir.path(), "n.csv", b"id,nps\n1,9\n");
    cxstat()
        .args(["themes", no_comment.to_str().unwrap()])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("no comment column").and(predicate::str::contains("--col comment=HEADER")));
    let empty = put(dir.path(), "e.csv", b"id,nps,comment\n1,9,\n2,3,N/A\n3,5,...\n");
    cxstat().args(["themes", empty.to_str().unwrap()]).assert().code(65).stderr(predicate::str::contains("no comment with text"));
    let file = fixture("themes_responses.csv");
    cxstat()
        .args(["themes", file.to_str().unwrap(), "--terms", "--by", "segment"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("drop --by"));
    cxstat()
        .args(["themes", file.to_str().unwrap(), "--no-builtin-themes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[themes.NAME]"));
    let bad = put(dir.path(), "bad.toml", b"[themes.x]\nregex = [\"(\"]\n");
    cxstat()
        .args(["themes", file.to_str().unwrap(), "--config", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[themes.x]: the regex '(' is not valid"));
    cxstat().args(["themes", file.to_str().unwrap(), "--target", "ces"]).assert().code(2);
}

#[test]
fn weights_count_in_the_themes_nps() {
    // Weighted, the satisfaction per theme is read in a pass of its own (exact sums of weights);
    // unweighted, it is added up from the comments' pass. Both must give the weighted figures.
    let dir = workdir();
    let file = put(
        dir.path(),
        "weighted.csv",
        b"id,nps,w,comment\nr1,10,2,Great delivery\nr2,0,1,Late delivery again\nr3,9,0.5,Friendly staff\n\
          r4,3,1.5,Rude staff\nr5,10,1,\nr6,7,3,ok fine\n",
    );
    let rows = themes(&[file.to_str().unwrap(), "--weight", "w"]);
    let delivery = row(&rows, &[("theme", "delivery")]);
    // Mentioners r1 (promoter, 2) and r2 (detractor, 1): (2 − 1) / 3 = +33.3; the other
    // commenters r3, r4, r6: (0.5 − 1.5) / 5 = −20 (r5 wrote nothing).
    assert_eq!((delivery["responses"].as_str(), delivery["comments"].as_str(), delivery["mentions"].as_str()), ("6", "5", "2"));
    assert_close(num(delivery, "nps"), 100.0 / 3.0, 1e-12);
    assert_close(num(delivery, "nps_others"), -20.0, 1e-12);
    // Impact: weighted share 3/8 × (33.3 + 20) = 20.
    assert_close(num(delivery, "nps_impact"), 20.0, 1e-12);
    let staff = row(&rows, &[("theme", "staff")]);
    // r3 (promoter, 0.5), r4 (detractor, 1.5): −50; others r1, r2, r6: (2 − 1) / 6 = +16.7.
    assert_close(num(staff, "nps"), -50.0, 1e-12);
    assert_close(num(staff, "nps_others"), 100.0 / 6.0, 1e-12);
    // Unweighted (one pass): r1, r2 → 0; others r3, r4, r6 → 0 too (one promoter, one detractor).
    let rows = themes(&[file.to_str().unwrap()]);
    let delivery = row(&rows, &[("theme", "delivery")]);
    assert_close(num(delivery, "nps"), 0.0, 1e-12);
    assert_close(num(delivery, "nps_others"), 0.0, 1e-12);
    let staff = row(&rows, &[("theme", "staff")]);
    // r3, r4: 0; r1, r2, r6: (1 − 1) / 3 = 0.
    assert_close(num(staff, "nps"), 0.0, 1e-12);
}
