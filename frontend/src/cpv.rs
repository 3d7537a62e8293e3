//! The CPV picker's vocabulary: the whole of CPV 2008 (from `factoria-vocabulary`), with a short
//! list of codes common in innovation procurement offered first in the picker. Codes outside
//! the vocabulary are refused wherever a CPV code is accepted.

use factoria_vocabulary::{self as vocabulary, Lang};

use crate::pages::company::CpvOption;

/// Codes common in innovation procurement, offered in the picker before any search.
pub const COMMON_CODES: &[&str] = &[
    "03000000", "09300000", "09332000", "15000000", "30000000", "30200000", "32000000", "32400000",
    "32440000", "32441000", "32500000", "33000000", "33100000", "33122000", "33195000", "34000000",
    "34926000", "34996000", "35000000", "35100000", "35120000", "35613000", "38000000", "38120000",
    "38221000", "38290000", "38340000", "38344000", "38420000", "38430000", "38551000", "42520000",
    "45000000", "45331000", "48000000", "48100000", "48180000", "48190000", "48300000", "48311000",
    "48332000", "48400000", "48482000", "48600000", "48700000", "48730000", "48800000", "48813000",
    "48813200", "48814000", "50000000", "50720000", "60000000", "60112000", "63513000", "65100000",
    "70000000", "71000000", "71300000", "71311000", "71311200", "71311210", "71312000", "71314000",
    "71314300", "71320000", "71354000", "71631000", "71800000", "72000000", "72200000", "72212000",
    "72300000", "72310000", "72316000", "72317000", "72320000", "72322000", "72330000", "72400000",
    "72500000", "72600000", "72700000", "72800000", "72900000", "73000000", "73100000", "73110000",
    "73200000", "75250000", "77100000", "79000000", "79212000", "79311000", "79400000", "79411000",
    "79512000", "79530000", "79600000", "79611000", "80000000", "80420000", "80500000", "85000000",
    "85100000", "85143000", "85300000", "85312400", "85320000", "90000000", "90500000", "90510000",
    "90511000", "90700000", "90711000", "90731400", "90733000", "92000000", "92521000",
];

fn lang(es: bool) -> Lang {
    if es { Lang::Es } else { Lang::En }
}

/// One option: the code, its label and, for codes below a division, the path above it
/// (`IT services… › Software programming…`), so the picker shows where a code sits.
pub fn option(code: &vocabulary::Code, es: bool) -> CpvOption {
    let lang = lang(es);
    let path: Vec<&str> = code.ancestors().iter().map(|a| a.label(lang)).collect();
    CpvOption {
        code: code.code.to_owned(),
        name: code.label(lang).to_owned(),
        path: path.join(" › "),
        level: code.level().name(lang).to_owned(),
    }
}

/// The picker's options in the page language: the common codes.
pub fn options(es: bool) -> Vec<CpvOption> {
    COMMON_CODES
        .iter()
        .filter_map(|c| vocabulary::lookup(c))
        .map(|c| option(c, es))
        .collect()
}

/// `72 IT services: …` for a division's two digits, or the digits alone if none has them.
pub fn division_label(digits: &str, es: bool) -> String {
    vocabulary::lookup(&format!("{digits:0<8}"))
        .map(|c| format!("{digits} {}", c.label(lang(es))))
        .unwrap_or_else(|| digits.to_owned())
}

/// The label of `code` in the page language, empty when the vocabulary lacks it.
pub fn label(code: &str, es: bool) -> String {
    vocabulary::lookup(code)
        .map(|c| c.label(lang(es)).to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_code_is_in_the_vocabulary() {
        assert_eq!(options(true).len(), COMMON_CODES.len());
    }

    #[test]
    fn options_show_where_a_code_sits() {
        let o = vocabulary::lookup("72212000").map(|c| option(c, false));
        let o = o.unwrap_or_else(|| panic!("72212000 missing"));
        assert!(o.path.starts_with("IT services"), "{}", o.path);
        assert_eq!(o.level, "category");
        assert_eq!(
            division_label("72", true),
            "72 Servicios TI: consultoría, desarrollo de software, Internet y apoyo"
        );
    }
}
