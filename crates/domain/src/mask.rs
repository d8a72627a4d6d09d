//! Masking of personal data for lists, logs and exports.
//!
//! Staff see unmasked data only on a person's own record, and that view is audited; every
//! other place shows these forms.

/// `640303********123X`: keeps the division code and the last four characters.
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 6, 4)
}

/// `138****1234`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// `张*` / `欧阳**`: keeps the family name's first character.
pub fn mask_name(name: &str) -> String {
    let n = name.chars().count();
    match n {
        0 => String::new(),
        1 => "*".to_owned(),
        _ => name
            .chars()
            .take(1)
            .chain("*".repeat(n - 1).chars())
            .collect(),
    }
}

fn mask_middle(s: &str, keep_head: usize, keep_tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= keep_head + keep_tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..keep_head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep_head - keep_tail));
    out.extend(&chars[chars.len() - keep_tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_id_number("64030319900101123X"), "640303********123X");
        assert_eq!(mask_phone("13800001234"), "138****1234");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_phone("123"), "***");
    }
}
