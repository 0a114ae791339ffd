//! `cxstat loyalty` on two small fixtures, worked by hand.

use crate::workdir::{assert_close, csv_rows, cxstat, example, fixture, num, row, workdir};
use predicates::prelude::*;

#[test]
fn satisfaction_groups_linked_to_orders_in_the_window() {
    let out = cxstat()
        .args([
            "loyalty",
            "--responses",
            fixture("loyalty_responses.csv").to_str().unwrap(),
            "--orders",
            fixture("loyalty_orders.csv").to_str().unwrap(),
            "--window",
            "90d",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 response has no customer id").and(predicate::str::contains("column 'nps': 1 invalid value")));
    let rows = csv_rows(&out.get_output().stdout);
    // Orders end 2026-10-31 (the as-of day). C7 (surveyed 2026-09-20) has no complete 90-day window:
    // left out. C1 counts with its first survey (01-10, NPS 10); its order on the survey day does not
    // count, 02-01 and 03-15 do (2 orders, 80). C2 03-01 (80), C3 02-20 (40), C5 05-21 (60: day 90,
    // inclusive), C8 02-01 (25) reorder; C4's only order is a refund, C6 ordered before the survey.
    // All: 5 of 7 = 71.4 %, Wilson 95 % 35.893–91.778; 6 orders / 7; 285 / 7 = 40.71 revenue.
    let all = row(&rows, &[("measure", "all")]);
    assert_eq!((all["customers"].as_str(), all["reordered"].as_str()), ("7", "5"));
    assert_close(num(all, "reorder_pct"), 500.0 / 7.0, 1e-9);
    assert_close(num(all, "reorder_low"), 35.893_445, 1e-5);
    assert_close(num(all, "reorder_high"), 91.778_108, 1e-5);
    assert_close(num(all, "orders_per_customer"), 6.0 / 7.0, 1e-12);
    assert_close(num(all, "revenue_per_customer"), 285.0 / 7.0, 1e-9);
    // Promoters C1 (2 orders) and C2 (1): mean 1.5, s² = (5 − 9/2)/1 = 0.5, SE 0.5, t(0.975, 1) = 12.706205
    // → 1.5 ± 6.353102, cut at 0 below.
    let promoters = row(&rows, &[("group", "promoters")]);
    assert_eq!((promoters["customers"].as_str(), promoters["reordered"].as_str()), ("2", "2"));
    assert_close(num(promoters, "orders_per_customer"), 1.5, 1e-12);
    assert_eq!(num(promoters, "orders_low"), 0.0);
    assert_close(num(promoters, "orders_high"), 7.853_102, 1e-5);
    assert_close(num(promoters, "revenue_per_customer"), 80.0, 1e-12);
    // C8's NPS is invalid: in the CSAT boxes, not the NPS groups. Passives C3, C4: 1 of 2; detractors C5, C6: 1 of 2.
    assert_eq!(row(&rows, &[("group", "passives")])["reordered"], "1");
    assert_eq!(row(&rows, &[("group", "detractors")])["customers"], "2");
    // Chi-square of [[2, 0], [1, 1], [1, 1]]: expected 4/3 and 2/3 per row → 1/3 + 2/3 + 2 × (1/12 + 1/6)
    // = 1.5, df 2, p = e^(−0.75) = 0.472367.
    assert_close(num(promoters, "chi_square"), 1.5, 1e-9);
    assert_close(num(promoters, "p_value"), (-0.75f64).exp(), 1e-9);
    assert!(promoters["note"].contains("expected counts below 5"));
    // CSAT boxes: satisfied C1, C2, C4, C8 → 3 of 4; neutral C3 1 of 1; dissatisfied C5, C6 1 of 2.
    let satisfied = row(&rows, &[("group", "satisfied")]);
    assert_eq!((satisfied["customers"].as_str(), satisfied["reordered"].as_str()), ("4", "3"));
}

#[test]
fn windows_that_have_not_ended_are_an_error_when_nothing_is_left() {
    cxstat()
        .args([
            "loyalty",
            "--responses",
            fixture("loyalty_responses.csv").to_str().unwrap(),
            "--orders",
            fixture("loyalty_orders.csv").to_str().unwrap(),
            "--as-of",
            "2026-01-31",
        ])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("no surveyed customer whose 180-day window ends by 2026-01-31"));
    cxstat().args(["loyalty", "--responses", "x.csv", "--orders", "y.csv", "--window", "soon"]).assert().code(2);
}

#[test]
fn revenue_does_not_depend_on_the_order_of_the_rows() {
    // Amounts are fractions: summed as floats, the revenue interval's last digits changed from
    // run to run (and with the order of the rows). Summed exactly, every run gives the same bytes.
    let dir = workdir();
    let text = std::fs::read_to_string(example("orders.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = dir.path().join("orders_reversed.csv");
    std::fs::write(&reversed, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    let run = |orders: &std::path::Path| {
        let out = cxstat()
            .args(["loyalty", "--window", "90d", "--from", "2026-01-01", "--format", "csv", "--responses"])
            .arg(example("responses.csv"))
            .arg("--orders")
            .arg(orders)
            .assert()
            .success();
        out.get_output().stdout.clone()
    };
    let first = run(&example("orders.csv"));
    for _ in 0..4 {
        assert_eq!(run(&example("orders.csv")), first);
    }
    assert_eq!(run(&reversed), first);
}

#[test]
fn a_customers_first_response_of_a_day_is_the_earliest_whatever_the_row_order() {
    // C1 answered twice on 2026-01-10: 09:00 as a promoter (10), 17:00 as a detractor (0). The
    // first response is the 09:00 one in either order of the rows.
    let dir = workdir();
    let lines = ["R1,C1,2026-01-10 09:00:00,10", "R2,C1,2026-01-10 17:00:00,0", "R3,C2,2026-01-10 12:00:00,3"];
    let run = |order: [usize; 3]| {
        let file = dir.path().join(format!("r{}.csv", order[0]));
        let body: Vec<&str> = order.iter().map(|&i| lines[i]).collect();
        std::fs::write(&file, format!("response_id,customer_id,submitted_at,nps\n{}\n", body.join("\n"))).unwrap();
        let out = cxstat()
            .args(["loyalty", "--window", "60d", "--format", "csv", "--orders"])
            .arg(fixture("loyalty_orders.csv"))
            .arg("--responses")
            .arg(&file)
            .assert()
            .success();
        out.get_output().stdout.clone()
    };
    let forward = run([0, 1, 2]);
    assert_eq!(run([1, 0, 2]), forward);
    let rows = csv_rows(&forward);
    assert_eq!(row(&rows, &[("measure", "nps_group"), ("group", "promoters")])["customers"], "1");
    assert_eq!(row(&rows, &[("measure", "nps_group"), ("group", "detractors")])["customers"], "1");
}

/// `--adjust-for segment,channel` and the trend test on fixtures/loyalty_adjust_*.csv
/// (scripts/make_loyalty_fixture.py), against R 4.2 (`Rscript scripts/check_loyalty.R`):
/// chisq.test, prop.trend.test(score = 0, 1, 2), glm(binomial) with anova(test = "LRT"), and
/// exp(coef), exp(confint.default) of the groups. Ordering again follows the segment, and so does
/// satisfaction: unadjusted, the NPS groups look decisive (p = 3.4e-8); adjusted, they are not.
#[test]
fn satisfaction_against_ordering_again_adjusted_for_segment_and_channel_matches_r() {
    let out = cxstat()
        .args(["loyalty", "--window", "90d", "--adjust-for", "segment,channel", "--format", "csv", "--responses"])
        .arg(fixture("loyalty_adjust_responses.csv"))
        .arg("--orders")
        .arg(fixture("loyalty_adjust_orders.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let close = |got: f64, want: f64| assert!((got - want).abs() <= 1e-9 * want.abs().max(1e-3), "{got} against R's {want}");
    let promoters = row(&rows, &[("measure", "nps_group"), ("group", "promoters")]);
    close(num(promoters, "chi_square"), 34.3790292569773);
    close(num(promoters, "trend_chi_square"), 34.368453539922);
    close(num(promoters, "trend_p"), 4.56055679157923e-09);
    close(num(promoters, "adjusted_lr"), 3.1355384472277);
    assert_eq!(promoters["adjusted_df"], "2");
    close(num(promoters, "adjusted_p"), 0.208509802676416);
    close(num(promoters, "odds_ratio"), 1.69304623436543);
    close(num(promoters, "odds_ratio_low"), 0.892582304846613);
    close(num(promoters, "odds_ratio_high"), 3.21136273499344);
    let passives = row(&rows, &[("measure", "nps_group"), ("group", "passives")]);
    close(num(passives, "odds_ratio"), 1.43919729574674);
    close(num(passives, "odds_ratio_low"), 0.843948078144947);
    // Detractors are the reference: no odds ratio of their own.
    assert_eq!(row(&rows, &[("measure", "nps_group"), ("group", "detractors")])["odds_ratio"], "");
    let neutral = row(&rows, &[("measure", "csat_box"), ("group", "neutral")]);
    close(num(neutral, "trend_chi_square"), 11.4559237146524);
    close(num(neutral, "adjusted_lr"), 0.122304084607435);
    close(num(neutral, "adjusted_p"), 0.940680205717133);
    close(num(neutral, "odds_ratio"), 0.903838554193922);
    close(num(neutral, "odds_ratio_high"), 1.83971768900178);
}

#[test]
fn an_adjustment_that_repeats_itself_is_not_computable() {
    // The same column twice: collinear, said in the caption, no adjusted figures.
    let out = cxstat()
        .args(["loyalty", "--window", "90d", "--adjust-for", "segment,segment", "--format", "markdown", "--responses"])
        .arg(fixture("loyalty_adjust_responses.csv"))
        .arg("--orders")
        .arg(fixture("loyalty_adjust_orders.csv"))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("not computable: the covariates repeat each other or the groups (collinear)"), "{text}");
    cxstat()
        .args(["loyalty", "--adjust-for", "nope", "--responses"])
        .arg(fixture("loyalty_adjust_responses.csv"))
        .arg("--orders")
        .arg(fixture("loyalty_adjust_orders.csv"))
        .assert()
        .code(2);
}
