//! Dictionaries of the national exchange schema (STANDARDS.md), each with its code, its
//! Chinese label and a parser.

use serde::{Deserialize, Serialize};

macro_rules! dictionary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The national dictionary code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            pub fn from_label(label: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.label() == label)
            }
        }
    };
}

dictionary! {
    /// 事项类型.
    ItemKind {
        Licensing = "01", "行政许可";
        Penalty = "02", "行政处罚";
        Enforcement = "03", "行政强制";
        Levy = "04", "行政征收";
        Payment = "05", "行政给付";
        Inspection = "06", "行政检查";
        Confirmation = "07", "行政确认";
        Reward = "08", "行政奖励";
        Adjudication = "09", "行政裁决";
        OtherPower = "10", "其他行政权力";
        PublicService = "20", "公共服务";
    }
}

dictionary! {
    /// 服务对象.
    Audience {
        NaturalPerson = "1", "自然人";
        Enterprise = "2", "企业法人";
        PublicInstitution = "3", "事业法人";
        SocialOrganisation = "4", "社会组织法人";
        UnincorporatedEnterprise = "5", "非法人企业";
        Government = "6", "行政机关";
        Other = "9", "其他组织";
    }
}

impl Audience {
    /// True for the audiences a legal person (enterprise account) belongs to.
    pub fn is_legal_person(self) -> bool {
        !matches!(self, Audience::NaturalPerson)
    }
}

dictionary! {
    /// 办件类型.
    CaseClass {
        Immediate = "1", "即办件";
        Promised = "2", "承诺件";
    }
}

dictionary! {
    /// 时限单位.
    TimeUnit {
        WorkingDays = "1", "工作日";
        NaturalDays = "2", "自然日";
    }
}

dictionary! {
    /// 材料形式.
    MaterialForm {
        Original = "1", "原件";
        Copy = "2", "复印件";
        OriginalOrCopy = "3", "原件或复印件";
        Electronic = "4", "电子材料";
    }
}

dictionary! {
    /// 材料必要性: 容缺后补 marks a material that deficiency acceptance may let slide.
    Necessity {
        Required = "1", "必要";
        Optional = "2", "非必要";
        Deficiency = "3", "容缺后补";
    }
}

dictionary! {
    /// 通办范围.
    CrossRegion {
        None = "0", "不通办";
        InRegion = "1", "区内通办";
        CrossProvince = "2", "跨省通办";
    }
}

dictionary! {
    /// 特别程序: time spent in them is not counted in the limit.
    SpecialProcedureKind {
        SiteInspection = "1", "现场勘验";
        TechnicalReview = "2", "技术审查";
        Hearing = "3", "听证论证";
    }
}

dictionary! {
    /// 网上办理深度 (multi-valued).
    OnlineDepth {
        Consult = "1", "咨询";
        Collect = "2", "收件";
        PreReview = "3", "预审";
        Accept = "4", "受理";
        Handle = "5", "办理";
        Feedback = "6", "结果反馈";
        LicenceFeedback = "7", "电子证照反馈";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::from_code(k.code()), Some(*k));
            assert_eq!(ItemKind::from_label(k.label()), Some(*k));
        }
        assert_eq!(ItemKind::from_code("20"), Some(ItemKind::PublicService));
        assert_eq!(Audience::from_code("1"), Some(Audience::NaturalPerson));
        assert!(Audience::Enterprise.is_legal_person());
        assert_eq!(CaseClass::from_code("3"), None);
    }
}
