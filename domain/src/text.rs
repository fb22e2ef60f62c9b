//! Vietnamese text: NFC normalisation of whatever the keyboard sent, diacritic-insensitive
//! search folding (đ matches d), and the sort key that orders people the Vietnamese way.
//!
//! People sort by given name (the last word), then middle name(s), then family name (the first
//! word), in Vietnamese alphabetical order `a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`
//! (with the foreign letters f j w z in their Latin places). Tones are secondary
//! (ngang, huyền, hỏi, ngã, sắc, nặng): they only decide between names that are otherwise equal,
//! as in a multi-level collation. Case is tertiary. Keys compare with plain byte comparison, so
//! SQLite can index and `ORDER BY` them as BLOBs.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

const BREVE: char = '\u{0306}';
const CIRCUMFLEX: char = '\u{0302}';
const HORN: char = '\u{031B}';
const GRAVE: char = '\u{0300}';
const HOOK: char = '\u{0309}';
const TILDE: char = '\u{0303}';
const ACUTE: char = '\u{0301}';
const DOT_BELOW: char = '\u{0323}';

/// NFC form, as stored.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// A name or label as stored: NFC, trimmed, inner runs of white space collapsed to one space.
pub fn clean(s: &str) -> String {
    let n = nfc(s);
    n.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Search form: lower case, no diacritics, `đ` → `d`, white space collapsed.
/// `fold("Nguyễn Thị Đào") == "nguyen thi dao"`, whether the input was NFC or NFD.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Primary rank of a base letter with its vowel modifier, in Vietnamese alphabetical order.
fn letter_rank(base: char, modifier: Option<char>) -> Option<u8> {
    const ORDER: [&str; 33] = [
        "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
        "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
    ];
    let letter = match (base, modifier) {
        ('a', Some(BREVE)) => "ă",
        ('a', Some(CIRCUMFLEX)) => "â",
        ('e', Some(CIRCUMFLEX)) => "ê",
        ('o', Some(CIRCUMFLEX)) => "ô",
        ('o', Some(HORN)) => "ơ",
        ('u', Some(HORN)) => "ư",
        ('đ', _) => "đ",
        _ => {
            let mut buf = [0u8; 4];
            let s: &str = base.encode_utf8(&mut buf);
            return ORDER.iter().position(|l| *l == s).map(|p| p as u8);
        }
    };
    ORDER.iter().position(|l| *l == letter).map(|p| p as u8)
}

fn tone_rank(mark: char) -> Option<u8> {
    match mark {
        GRAVE => Some(1),
        HOOK => Some(2),
        TILDE => Some(3),
        ACUTE => Some(4),
        DOT_BELOW => Some(5),
        _ => None,
    }
}

/// One collation element: primary weight (2 bytes), tone, case.
struct Element {
    primary: u16,
    tone: u8,
    upper: bool,
}

fn elements(word: &str) -> Vec<Element> {
    let mut out = Vec::with_capacity(word.len());
    let mut chars = word.nfd().peekable();
    while let Some(c) = chars.next() {
        let upper = c.is_uppercase();
        let base = c.to_lowercase().next().unwrap_or(c);
        let mut modifier = None;
        let mut tone = 0;
        while let Some(&m) = chars.peek() {
            if !is_combining_mark(m) {
                break;
            }
            chars.next();
            match tone_rank(m) {
                Some(t) => tone = t,
                None => modifier = Some(m),
            }
        }
        let primary = if let Some(rank) = letter_rank(base, modifier) {
            0x0200 + u16::from(rank)
        } else if let Some(d) = base.to_digit(10) {
            // Digits sort before letters.
            0x0100 + d as u16
        } else {
            // Anything else after letters, by code point (clamped into two bytes).
            0x0400u16.saturating_add(u16::try_from(u32::from(base)).unwrap_or(u16::MAX - 0x0400))
        };
        out.push(Element {
            primary,
            tone,
            upper,
        });
    }
    out
}

/// Sort key for a person's full name ("Họ Đệm Tên"): given name first, then middle, then family
/// name; Vietnamese letter order; tones secondary; case tertiary. Compare keys bytewise.
pub fn name_sort_key(full_name: &str) -> Vec<u8> {
    let cleaned = nfc(full_name);
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let ordered: Vec<&str> = match words.as_slice() {
        [] => Vec::new(),
        [only] => vec![*only],
        [family, middle @ .., given] => {
            let mut v = Vec::with_capacity(words.len());
            v.push(*given);
            v.extend(middle.iter().copied());
            v.push(*family);
            v
        }
    };
    collation_key(&ordered)
}

/// Sort key for a label (a hamlet's or unit's name): words in their written order.
pub fn label_sort_key(label: &str) -> Vec<u8> {
    let cleaned = nfc(label);
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    collation_key(&words)
}

fn collation_key(words: &[&str]) -> Vec<u8> {
    let per_word: Vec<Vec<Element>> = words.iter().map(|w| elements(w)).collect();
    let n: usize = per_word.iter().map(Vec::len).sum();
    let mut key = Vec::with_capacity(n * 4 + words.len() * 2 + 4);
    // Level 1: primary weights, words separated by 0x0001 (below every character, so a word
    // sorts before its extensions: "An" < "Anh").
    for (i, word) in per_word.iter().enumerate() {
        if i > 0 {
            key.extend_from_slice(&[0, 1]);
        }
        for e in word {
            key.extend_from_slice(&e.primary.to_be_bytes());
        }
    }
    // Level separator.
    key.extend_from_slice(&[0, 0]);
    // Level 2: tones.
    key.extend(per_word.iter().flatten().map(|e| e.tone + 1));
    key.push(0);
    // Level 3: case (lower before upper).
    key.extend(per_word.iter().flatten().map(|e| u8::from(e.upper) + 1));
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    #[test]
    fn nfc_normalises_nfd_input() {
        let composed = "Nguyễn Thị Ánh";
        assert_ne!(nfd(composed), composed);
        assert_eq!(nfc(&nfd(composed)), composed);
        assert_eq!(clean("  Trần   Văn  An "), "Trần Văn An");
    }

    #[test]
    fn fold_ignores_case_diacritics_and_d_stroke() {
        assert_eq!(fold("Nguyễn Thị Đào"), "nguyen thi dao");
        assert_eq!(fold(&nfd("Nguyễn Thị Đào")), "nguyen thi dao");
        assert_eq!(fold("ĐẶNG  Ưng"), "dang ung");
    }

    #[test]
    fn alphabet_order_is_vietnamese() {
        let letters = [
            "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k", "l", "m", "n", "o",
            "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "x", "y",
        ];
        for pair in letters.windows(2) {
            assert!(
                label_sort_key(pair[0]) < label_sort_key(pair[1]),
                "{} should sort before {}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn tones_are_secondary() {
        let tones = ["a", "à", "ả", "ã", "á", "ạ"];
        for pair in tones.windows(2) {
            assert!(label_sort_key(pair[0]) < label_sort_key(pair[1]));
        }
        // A tone never beats a letter difference: "Ạn" (a) < "Ăn" (ă).
        assert!(label_sort_key("Ạn") < label_sort_key("Ăn"));
        // A letter difference later in the word beats a tone earlier: "Án" < "Ao".
        assert!(label_sort_key("Án") < label_sort_key("Ao"));
    }

    #[test]
    fn people_sort_by_given_then_middle_then_family() {
        let mut names = vec![
            "Trần Văn Bình",
            "Nguyễn Văn Đức",
            "Phạm Thị Ánh",
            "Đỗ Anh",
            "Lê Văn An",
            "Nguyễn Thị An",
            "Nguyễn Văn Dũng",
        ];
        names.sort_by_key(|n| name_sort_key(n));
        assert_eq!(
            names,
            [
                "Nguyễn Thị An", // given An, middle Thị
                "Lê Văn An",     // given An, middle Văn
                "Đỗ Anh",        // "An" < "Anh"; no middle name, family Đỗ < Thị
                "Phạm Thị Ánh",  // same letters as Anh, differs only later
                "Trần Văn Bình",
                "Nguyễn Văn Dũng", // d before đ
                "Nguyễn Văn Đức",
            ]
        );
    }

    #[test]
    fn nfd_and_nfc_names_get_equal_keys() {
        for n in ["Nguyễn Thị Ánh", "Đặng Văn Ưng", "Hồ Thị Hường"] {
            assert_eq!(name_sort_key(n), name_sort_key(&nfd(n)));
        }
    }
}
