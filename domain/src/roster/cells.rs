//! How a roster cell or a command-line option is read: the one owner of the accepted spellings,
//! so `hoctap member add --sex nữ` and a roster file's `gioi_tinh` column accept the same values.
//! Each reader returns `Some(None)` for an empty cell, `Some(Some(v))` for a value and `None`
//! when the text is not one of the accepted forms (the `*_HINT` constants list them for people).

use crate::model::{Schooling, Sex};
use crate::text;

/// The accepted yes/no forms, for messages.
pub const YES_NO_HINT: &str = "có hoặc không (cũng được: x, 1/0, yes/no)";

/// The accepted sex forms, for messages.
pub const SEX_HINT: &str = "nam, nữ hoặc khác";

/// The accepted schooling forms, for messages.
pub const SCHOOLING_HINT: &str =
    "mầm non, đang đi học, bỏ học, đã học xong, chưa đi học; hoặc preschool, in_school, out_of_school, finished, never";

/// Folded Vietnamese (and English) wordings of each schooling situation.
const SCHOOLING_WORDS: &[(&str, Schooling)] = &[
    ("mam non", Schooling::Preschool),
    ("chua den tuoi di hoc", Schooling::Preschool),
    ("dang hoc", Schooling::InSchool),
    ("dang di hoc", Schooling::InSchool),
    ("bo hoc", Schooling::OutOfSchool),
    ("nghi hoc", Schooling::OutOfSchool),
    ("thoi hoc", Schooling::OutOfSchool),
    ("khong di hoc", Schooling::OutOfSchool),
    ("da hoc xong", Schooling::Finished),
    ("tot nghiep", Schooling::Finished),
    ("da tot nghiep", Schooling::Finished),
    ("chua di hoc", Schooling::Never),
    ("chua tung di hoc", Schooling::Never),
];

/// A yes/no cell or option.
pub fn yes_no(v: &str) -> Option<Option<bool>> {
    match text::fold(v).as_str() {
        "" => Some(None),
        "co" | "yes" | "y" | "1" | "true" | "x" => Some(Some(true)),
        "khong" | "no" | "n" | "0" | "false" => Some(Some(false)),
        _ => None,
    }
}

/// A sex cell or option (nam/nữ/khác or English).
pub fn sex(v: &str) -> Option<Option<Sex>> {
    match text::fold(v).as_str() {
        "" => Some(None),
        "nam" | "male" | "m" => Some(Some(Sex::Male)),
        "nu" | "female" | "f" => Some(Some(Sex::Female)),
        "khac" | "other" => Some(Some(Sex::Other)),
        _ => None,
    }
}

/// A schooling cell or option: a code (`in_school`, also written `in school` or `in-school`) or
/// Vietnamese words (`đang đi học`).
pub fn schooling(v: &str) -> Option<Option<Schooling>> {
    let f = text::fold(v);
    if f.is_empty() {
        return Some(None);
    }
    if let Some(s) = Schooling::from_code(&f.replace([' ', '-'], "_")) {
        return Some(Some(s));
    }
    SCHOOLING_WORDS
        .iter()
        .find(|(words, _)| *words == f)
        .map(|(_, s)| Some(*s))
}

/// A birth year cell: a whole number (range checked by
/// [`check_birth_year`](super::check_birth_year)).
pub fn birth_year(v: &str) -> Option<Option<i32>> {
    let v = v.trim();
    if v.is_empty() {
        return Some(None);
    }
    v.parse::<i32>().ok().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every form a message offers is accepted.
    #[test]
    fn hints_list_accepted_forms() {
        let split = |hint: &str| -> Vec<String> {
            hint.replace(['(', ')'], ",")
                .replace("hoặc", ",")
                .replace("cũng được:", ",")
                .split([',', '/', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        for form in split(SCHOOLING_HINT) {
            assert!(matches!(schooling(&form), Some(Some(_))), "{form}");
        }
        for form in split(SEX_HINT) {
            assert!(matches!(sex(&form), Some(Some(_))), "{form}");
        }
        for form in split(YES_NO_HINT) {
            assert!(matches!(yes_no(&form), Some(Some(_))), "{form}");
        }
    }

    #[test]
    fn spellings() {
        assert_eq!(schooling("Đang đi học"), Some(Some(Schooling::InSchool)));
        assert_eq!(schooling("in school"), Some(Some(Schooling::InSchool)));
        assert_eq!(
            schooling("out-of-school"),
            Some(Some(Schooling::OutOfSchool))
        );
        assert_eq!(schooling(" "), Some(None));
        assert_eq!(schooling("đại học"), None);
        assert_eq!(sex("NỮ"), Some(Some(Sex::Female)));
        assert_eq!(sex("robot"), None);
        assert_eq!(yes_no("Không"), Some(Some(false)));
        assert_eq!(yes_no("maybe"), None);
        assert_eq!(birth_year(" 1980 "), Some(Some(1980)));
        assert_eq!(birth_year("19x0"), None);
        assert_eq!(birth_year(""), Some(None));
    }
}
