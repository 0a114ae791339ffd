//! Design-based variances of `cxstat survey` (`--weight`, `--strata`, `--cluster`) on
//! fixtures/survey_design.csv (made by scripts/make_design_fixture.py), checked against R:
//! `Rscript scripts/check_design.R` (R 4.2.2, survey 4.1.1: svydesign, svymean with
//! deff = "replace", degf, svyciprop(method = "logit"), estimate ± qt(df)·SE). R_FIGURES is what it
//! printed: design, domain, estimate, then the estimate, SE, design effect, df and interval.

use std::collections::HashMap;

use crate::workdir::{csv_rows, cxstat, fixture, num, row, workdir};
use predicates::prelude::*;

const R_FIGURES: &str = "\
weights Total top est=0.764804182729694 se=0.0450060633153512 deff=1.05849804158902 df=94 low=0.66427837982312 high=0.842371986562385
weights Total npsv est=0.303479672415266 se=0.0860235170901521 deff=1.15882262659402 df=95 low=0.132701398786969 high=0.474257946043563
weights Total ces est=5.42358759275106 se=0.133889153688249 deff=1.20440462290902 df=96 low=5.15781972319686 high=5.68935546230525
weights Total asked est=0.586633830778473 se=0.056141545417107 deff=1.24777972558234 df=96 low=0.472654811660741 high=0.692029384069323
weights segment=business top est=0.723976488627651 se=0.0727627464663465 deff=1.08625423967054 df=41 low=0.556983290696865 high=0.845484835087582
weights segment=business npsv est=0.163709215798512 se=0.14024851499178 deff=1.28749418458058 df=42 low=-0.119323746153857 high=0.44674217775088
weights segment=business ces est=5.1509354381948 se=0.188805757399216 deff=1.24078590015729 df=42 low=4.76990999380066 high=5.53196088258894
weights segment=business asked est=0.453360587723381 se=0.085651280495511 deff=1.21368748438565 df=41 low=0.292126244579642 high=0.625011942507772
weights segment=retail top est=0.792553376270574 se=0.0568376996752976 deff=1.02174245216144 df=52 low=0.656262918957204 high=0.884329810422932
weights segment=retail npsv est=0.398666393106278 se=0.108539185021508 deff=1.0930416627285 df=52 low=0.180866584258871 high=0.616466201953686
weights segment=retail ces est=5.60539038435784 se=0.181049756382522 deff=1.16252901564171 df=53 low=5.24225056054032 high=5.96853020817536
weights segment=retail asked est=0.672980220154856 se=0.0698288269751619 deff=1.1964289999998 df=54 low=0.521377994609326 high=0.795406206656081
weights month=2026-09 top est=0.73474329198992 se=0.0670198741531523 deff=1.08318607607128 df=47 low=0.581037589208378 high=0.8469156427181
weights month=2026-09 npsv est=0.21318061733501 se=0.129472638888255 deff=1.17658929606662 df=46 low=-0.0474342876636436 high=0.473795522333664
weights month=2026-09 ces est=5.3285689614053 se=0.192456272173059 deff=1.22539936459273 df=47 low=4.94139688155335 high=5.71574104125724
weights month=2026-09 asked est=0.626216081932268 se=0.0782252688139129 deff=1.25484630786214 df=48 low=0.461096293222969 high=0.766376951753116
weights month=2026-10 top est=0.795136869047817 se=0.0596757697102149 deff=1.00565309184352 df=46 low=0.649935207355561 high=0.89027858831135
weights month=2026-10 npsv est=0.387505694224093 se=0.112030748178124 deff=1.10202051778783 df=48 low=0.16225277801451 high=0.612758610433676
weights month=2026-10 ces est=5.51433373651058 se=0.184494321032607 deff=1.15070578939791 df=48 low=5.14338304205814 high=5.88528443096302
weights month=2026-10 asked est=0.547607948484968 se=0.0802818863764823 deff=1.22277988507943 df=47 low=0.386766327354277 high=0.699085361076838
strata Total top est=0.764804182729694 se=0.045113296763127 deff=1.06354809968269 df=92 low=0.663982863090807 high=0.842547818795582
strata Total npsv est=0.303479672415266 se=0.086887099482329 deff=1.18220604577348 df=93 low=0.130939112620011 high=0.476020232210521
strata Total ces est=5.42358759275106 se=0.13392494314832 deff=1.20504859967785 df=94 low=5.15767647867941 high=5.6894987068227
strata Total asked est=0.586633830778473 se=0.0567010508528109 deff=1.27277434785847 df=94 low=0.471481984448949 high=0.693031440949389
strata segment=business top est=0.723976488627651 se=0.0734862521642132 deff=1.10796365736373 df=39 low=0.554892261163187 high=0.846588141508257
strata segment=business npsv est=0.163709215798512 se=0.140879049506891 deff=1.29909693706924 df=40 low=-0.121017964169605 high=0.448436395766629
strata segment=business ces est=5.1509354381948 se=0.189831978928259 deff=1.25431071721267 df=40 low=4.76727069728976 high=5.53460017909984
strata segment=business asked est=0.453360587723381 se=0.0854365602730099 deff=1.20760989650871 df=39 low=0.292263537528624 high=0.624856344616321
strata segment=retail top est=0.792553376270574 se=0.056918639989752 deff=1.02465457002857 df=50 low=0.655890635044941 high=0.884498472888996
strata segment=retail npsv est=0.398666393106278 se=0.10959562773908 deff=1.11442298396542 df=50 low=0.178537096364547 high=0.618795689848009
strata segment=retail ces est=5.60539038435784 se=0.182424678004218 deff=1.1802529332612 df=51 low=5.23915756149148 high=5.9716232072242
strata segment=retail asked est=0.672980220154856 se=0.0699207088759901 deff=1.1995796327525 df=52 low=0.521028976500412 high=0.795633712027217
strata month=2026-09 top est=0.73474329198992 se=0.0677706213534286 deff=1.10758939207952 df=45 low=0.57894969833142 high=0.848023562506033
strata month=2026-09 npsv est=0.21318061733501 se=0.130408247455931 deff=1.19365551933279 df=44 low=-0.0496399360277118 high=0.476001170697732
strata month=2026-09 ces est=5.3285689614053 se=0.194667431518476 deff=1.25371871693802 df=45 low=4.93648862787921 high=5.72064929493139
strata month=2026-09 asked est=0.626216081932268 se=0.079018487509824 deff=1.28042408273233 df=46 low=0.459214099517835 high=0.767730806211389
strata month=2026-10 top est=0.795136869047817 se=0.058409937061497 deff=0.963442080200439 df=44 low=0.653284920025213 high=0.888828901074398
strata month=2026-10 npsv est=0.387505694224093 se=0.111415323747291 deff=1.08994619825427 df=46 low=0.163238279400989 high=0.611773109047198
strata month=2026-10 ces est=5.51433373651058 se=0.181687196742682 deff=1.11595566564469 df=46 low=5.14861637780723 high=5.88005109521393
strata month=2026-10 asked est=0.547607948484968 se=0.0811961834264068 deff=1.25078994364353 df=45 low=0.384823501183907 high=0.700807338722454
cluster Total top est=0.764804182729694 se=0.0982233800634784 deff=5.04170876735083 df=9 low=0.485989429103886 high=0.917923307201439
cluster Total npsv est=0.303479672415266 se=0.210394177261125 deff=6.93186361887606 df=9 low=-0.172465022687023 high=0.779424367517556
cluster Total ces est=5.42358759275106 se=0.304746518062957 deff=6.23963413701498 df=9 low=4.73420307407712 high=6.11297211142499
cluster Total asked est=0.586633830778473 se=0.0448307400434244 deff=0.795648070889924 df=9 low=0.482970306599932 high=0.683148526219954
cluster segment=business top est=0.723976488627651 se=0.0901415548664195 deff=1.66710674188957 df=9 low=0.485967890910881 high=0.879180116577131
cluster segment=business npsv est=0.163709215798512 se=0.224603427400321 deff=3.30203362617278 df=9 low=-0.344379036284151 high=0.671797467881175
cluster segment=business ces est=5.1509354381948 se=0.289497520656063 deff=2.91713199147889 df=9 low=4.49604654823037 high=5.80582432815923
cluster segment=business asked est=0.453360587723381 se=0.0632943326543073 deff=0.662779098145642 df=9 low=0.317593018333283 high=0.596439728556318
cluster segment=retail top est=0.792553376270574 se=0.114394148370102 deff=4.13881554163738 df=9 low=0.441872273114779 high=0.948550707580799
cluster segment=retail npsv est=0.398666393106278 se=0.196188337851447 deff=3.57116551270563 df=9 low=-0.0451424606218467 high=0.842475246834403
cluster segment=retail ces est=5.60539038435784 se=0.30030134975992 deff=3.19832417068908 df=9 low=4.92606153500047 high=6.28471923371521
cluster segment=retail asked est=0.672980220154856 se=0.0483333077394225 deff=0.573205664099382 df=9 low=0.555984824651951 high=0.771800931756038
cluster month=2026-09 top est=0.73474329198992 se=0.146712585170618 deff=5.19075573079493 df=9 low=0.335352871026357 high=0.938296142157447
cluster month=2026-09 npsv est=0.21318061733501 se=0.255510828532427 deff=4.58234215432171 df=9 low=-0.364825033602125 high=0.791186268272145
cluster month=2026-09 ces est=5.3285689614053 se=0.329895949216195 deff=3.60053865510892 df=9 low=4.58229247690777 high=6.07484544590283
cluster month=2026-09 asked est=0.626216081932268 se=0.0881464864036739 deff=1.59333251910553 df=9 low=0.416812743594939 high=0.797041706992797
cluster month=2026-10 top est=0.795136869047817 se=0.0793375448774641 deff=1.77750015986305 df=9 low=0.563256671786499 high=0.921141210436145
cluster month=2026-10 npsv est=0.387505694224093 se=0.192622659165641 deff=3.25784153400182 df=9 low=-0.0482370339246986 high=0.823248422372885
cluster month=2026-10 ces est=5.51433373651058 se=0.313115117091677 deff=3.31441102098201 df=9 low=4.80601813160124 high=6.22264934141991
cluster month=2026-10 asked est=0.547607948484968 se=0.04874468465003 deff=0.450783155250711 df=9 low=0.436815224317829 high=0.65387548479398
";

fn survey(args: &[&str]) -> Vec<HashMap<String, String>> {
    let file = fixture("survey_design.csv");
    let mut all = vec!["survey", file.to_str().unwrap(), "--format", "csv"];
    all.extend(args);
    csv_rows(&cxstat().args(&all).assert().success().get_output().stdout)
}

fn close(actual: f64, expected: f64, what: &str) {
    let scale = expected.abs().max(1e-3);
    assert!((actual - expected).abs() <= 1e-9 * scale, "{what}: expected {expected}, got {actual}");
}

#[test]
fn every_design_figure_matches_r_survey() {
    let mut checked = 0;
    for (design, extra) in [
        ("weights", vec!["--weight", "weight"]),
        ("strata", vec!["--weight", "weight", "--strata", "region"]),
        ("cluster", vec!["--weight", "weight", "--strata", "region", "--cluster", "store"]),
    ] {
        let by_segment = survey(&[extra.as_slice(), &["--by", "segment"]].concat());
        let by_month = survey(&[extra.as_slice(), &["--period", "month"]].concat());
        for line in R_FIGURES.lines().filter(|l| l.starts_with(&format!("{design} "))) {
            let parts: Vec<&str> = line.split(' ').collect();
            let (domain, estimate) = (parts[1], parts[2]);
            let r: HashMap<&str, f64> =
                parts[3..].iter().map(|p| p.split_once('=').unwrap()).map(|(k, v)| (k, v.parse().unwrap())).collect();
            let found = match domain.split_once('=') {
                None => row(&by_segment, &[("segment", "Total")]),
                Some(("segment", s)) => row(&by_segment, &[("segment", s)]),
                Some((_, m)) => row(&by_month, &[("period", m)]),
            };
            let (column, value, unit) = match estimate {
                "top" => ("csat", "csat_pct", 100.0),
                "npsv" => ("nps", "nps", 100.0),
                "ces" => ("ces", "ces_mean", 1.0),
                _ => ("designation", "designation_pct", 100.0),
            };
            let what = format!("{design} {domain} {estimate}");
            close(num(found, value), unit * r["est"], &format!("{what} estimate"));
            close(num(found, &format!("{column}_se")), unit * r["se"], &format!("{what} se"));
            close(num(found, &format!("{column}_deff")), r["deff"], &format!("{what} deff"));
            close(num(found, &format!("{column}_df")), r["df"], &format!("{what} df"));
            let (low, high) = (format!("{column}_low"), format!("{column}_high"));
            close(num(found, &low), unit * r["low"], &format!("{what} low"));
            close(num(found, &high), unit * r["high"], &format!("{what} high"));
            checked += 1;
        }
    }
    // 3 designs × 5 domains × 4 estimates.
    assert_eq!(checked, 60);
}

/// The fixture with `edit` applied to each data row's fields (region, store, …).
fn edited(dir: &std::path::Path, edit: impl Fn(usize, &mut Vec<String>)) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture("survey_design.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        edit(i, &mut fields);
        out.push_str(&(fields.join(",") + "\n"));
    }
    let path = dir.join("design.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn kish_keeps_the_effective_size_method() {
    // --variance kish: Wilson on Kish's n eff., no design columns. Total CSAT: n eff. 75.52 of 95.
    let rows = survey(&["--weight", "weight", "--variance", "kish"]);
    let total = &rows[0];
    assert!(!total.contains_key("csat_se") && !total.contains_key("csat_deff"));
    let n_eff = num(total, "csat_n_eff");
    assert!((n_eff - 75.5196775980954).abs() < 1e-9, "{n_eff}");
    // Wilson at p = 0.764804182729694 on n = 75.52 (z = 1.959964): 65.81 to 84.97 — narrower than
    // the clustered design's 48.60 to 91.79.
    let p = num(total, "csat_pct") / 100.0;
    let z: f64 = 1.959963984540054;
    let z2n = z * z / n_eff;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n_eff + z * z / (4.0 * n_eff * n_eff)).sqrt();
    assert!((num(total, "csat_low") - 100.0 * (centre - half)).abs() < 1e-9);
    // Kish takes no strata or clusters.
    let file = fixture("survey_design.csv");
    cxstat()
        .args(["survey", file.to_str().unwrap(), "--weight", "weight", "--cluster", "store", "--variance", "kish"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--variance kish takes no --strata or --cluster"));
}

#[test]
fn clustered_results_do_not_depend_on_row_order() {
    let dir = workdir();
    let file = fixture("survey_design.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    let reversed = crate::workdir::put(dir.path(), "reversed.csv", (lines.join("\n") + "\n").as_bytes());
    let run = |f: &std::path::Path| {
        let args = ["survey", f.to_str().unwrap(), "--weight", "weight", "--strata", "region", "--cluster", "store", "--by", "segment"];
        let out =
            cxstat().env("POLARS_IDEAL_MORSEL_SIZE", "7").args(args).args(["--period", "month", "--format", "json"]).assert().success();
        out.get_output().stdout.clone()
    };
    assert_eq!(run(&reversed), run(&file));
}

#[test]
fn a_stratum_of_one_cluster_and_blank_clusters_are_refused() {
    let dir = workdir();
    // West's store S5 moved to a region of its own: one cluster, no variance.
    let lonely = edited(dir.path(), |_, f| {
        if f[2] == "west" && f[3] == "S5" {
            f[2] = "east".into();
        }
    });
    let design = ["--weight", "weight", "--strata", "region", "--cluster", "store"];
    cxstat()
        .arg("survey")
        .arg(&lonely)
        .args(design)
        .assert()
        .code(65)
        .stderr(predicate::str::contains("stratum 'east' of 'region' has one cluster ('S5' in 'store')"));
    // Without --cluster each response is a unit: east has 9 and is fine.
    cxstat().arg("survey").arg(&lonely).args(&design[..4]).assert().success();
    // Rows 2 and 5 (data rows 0 and 3) without a store.
    let blank = edited(dir.path(), |i, f| {
        if i == 0 || i == 3 {
            f[3] = String::new();
        }
    });
    cxstat()
        .arg("survey")
        .arg(&blank)
        .args(design)
        .assert()
        .code(65)
        .stderr(predicate::str::contains("2 responses have no value in --strata 'region' or --cluster 'store' (rows 2, 5)"));
}

#[test]
fn a_group_in_one_cluster_has_no_interval_and_partials_need_kish() {
    // Grouped by store within region: each group is one cluster, df = 1 − 1 = 0: no interval, the
    // SE itself 0 (one unit of its stratum carries all of the group).
    let rows = survey(&["--weight", "weight", "--strata", "region", "--cluster", "store", "--by", "region", "--by", "store"]);
    let s1 = row(&rows, &[("region", "north"), ("store", "S1")]);
    assert_eq!(s1["nps_df"], "0");
    assert_eq!((s1["csat_low"].as_str(), s1["nps_low"].as_str(), s1["ces_low"].as_str()), ("", "", ""));
    assert_eq!(num(s1, "csat_se"), 0.0);
    let file = fixture("survey_design.csv");
    let partials = workdir();
    cxstat()
        .args(["survey", file.to_str().unwrap(), "--weight", "weight", "--emit-partials"])
        .arg(partials.path().join("p.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Add --variance kish"));
}

/// `compare` under the design on the same fixture, against R (`Rscript
/// scripts/check_compare_design.R`: svyttest for each difference, svychisq(statistic = "F") for
/// each distribution, on the rows of the two sides as a subset of the whole design).
const R_COMPARE: &str = "\
segment top difference=-0.0685768876429226 statistic=-0.72517058399021 df=8 p=0.489013153774379 low=-0.286647766378602 high=0.149493991092757
segment npsv difference=-0.234957177307766 statistic=-1.9610338898827 df=8 p=0.0855212487198971 low=-0.511246243632886 high=0.0413318890173532
segment ces difference=-0.454454946163042 statistic=-2.34248038476807 df=8 p=0.047232449478846 low=-0.901833285777067 high=-0.00707660654901743
segment asked difference=-0.219619632431474 statistic=-3.37551140392673 df=8 p=0.00970597899398799 low=-0.369654314574706 high=-0.0695849502882431
segment csat_distribution F=0.585781562930322 ndf=1.90681470212535 ddf=17.1613323191281 p=0.559680263562289
segment nps_distribution F=1.08323202118605 ndf=3.59470725113855 ddf=32.3523652602469 p=0.377220444901886
segment ces_distribution F=1.3302875197403 ndf=2.0206796297385 ddf=18.1861166676465 p=0.289176480426834
month top difference=0.0603935770578974 statistic=0.461472133567738 df=8 p=0.656748097205317 low=-0.241396776692336 high=0.362183930808131
month npsv difference=0.174325076889083 statistic=1.10806404975344 df=8 p=0.300033108732672 low=-0.188464735004425 high=0.537114888782591
month ces difference=0.185764775105281 statistic=0.956119455163169 df=8 p=0.36700814361505 low=-0.262269554972173 high=0.633799105182736
month asked difference=-0.0786081334473001 statistic=-0.703548683529889 df=8 p=0.501673473954729 low=-0.336260070027825 high=0.179043803133225
month csat_distribution F=0.185122190003818 ndf=2.45147852348317 ddf=22.0633067113486 p=0.871568942544253
month nps_distribution F=0.670114517173613 ndf=3.16567110625721 ddf=28.4910399563149 p=0.585034183014612
month ces_distribution F=0.316693993162708 ndf=2.23807407413122 ddf=20.142666667181 p=0.755526901284435
";

#[test]
fn design_based_comparisons_match_r_survey() {
    let file = fixture("survey_design.csv");
    let design = ["--weight", "weight", "--strata", "region", "--cluster", "store", "--format", "csv", "--adjust", "none"];
    let segments =
        csv_rows(&cxstat().arg("compare").arg(&file).args(design).args(["--segments", "segment"]).assert().success().get_output().stdout);
    let months = csv_rows(&cxstat().arg("compare").arg(&file).args(design).assert().success().get_output().stdout);
    let mut checked = 0;
    for line in R_COMPARE.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let rows = if parts[0] == "segment" { &segments } else { &months };
        let r: HashMap<&str, f64> = parts[2..].iter().map(|p| p.split_once('=').unwrap()).map(|(k, v)| (k, v.parse().unwrap())).collect();
        let (metric, unit) = match parts[1] {
            "top" => ("csat_pct", 100.0),
            "npsv" => ("nps", 100.0),
            "ces" => ("ces_mean", 1.0),
            "asked" => ("designation_pct", 100.0),
            other => (other, 1.0),
        };
        let found = row(rows, &[("metric", metric)]);
        let what = format!("{} {metric}", parts[0]);
        if let Some(f) = r.get("F") {
            assert_eq!(found["test"], "Rao–Scott F");
            close(num(found, "statistic"), *f, &what);
            close(num(found, "df"), r["ndf"], &what);
            close(num(found, "p_value"), r["p"], &what);
            assert!(found["note"].contains(&format!("F on {:.2} and {:.1} df", r["ndf"], r["ddf"])), "{what}: {}", found["note"]);
        } else {
            assert_eq!(found["test"], "design t (Taylor)");
            close(num(found, "difference"), unit * r["difference"], &what);
            close(num(found, "statistic"), r["statistic"], &what);
            close(num(found, "df"), r["df"], &what);
            close(num(found, "p_value"), r["p"], &what);
            close(num(found, "diff_low"), unit * r["low"], &what);
            close(num(found, "diff_high"), unit * r["high"], &what);
        }
        checked += 1;
    }
    assert_eq!(checked, 14);
}
