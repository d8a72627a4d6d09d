//! Published lists (清单) generated from the published items.

use serde::Serialize;

use super::dictionaries::{CaseClass, CrossRegion, ItemKind, Necessity};
use super::item::ServiceItem;

/// The lists the plan asks the district to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemList {
    Licensing,
    Commitment,
    DeficiencyAcceptance,
    ZeroMaterial,
    CrossRegion,
    HallEntry,
    Intermediary,
    Immediate,
    SpecialProcedure,
}

impl ItemList {
    pub const ALL: [ItemList; 9] = [
        Self::Licensing,
        Self::Commitment,
        Self::DeficiencyAcceptance,
        Self::ZeroMaterial,
        Self::CrossRegion,
        Self::HallEntry,
        Self::Intermediary,
        Self::Immediate,
        Self::SpecialProcedure,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Licensing => "licensing",
            Self::Commitment => "commitment",
            Self::DeficiencyAcceptance => "deficiency-acceptance",
            Self::ZeroMaterial => "zero-material",
            Self::CrossRegion => "cross-region",
            Self::HallEntry => "hall-entry",
            Self::Intermediary => "intermediary",
            Self::Immediate => "immediate",
            Self::SpecialProcedure => "special-procedure",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.slug() == slug)
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Licensing => "行政许可事项清单",
            Self::Commitment => "告知承诺制事项清单",
            Self::DeficiencyAcceptance => "容缺受理事项清单",
            Self::ZeroMaterial => "“零材料”办理事项清单",
            Self::CrossRegion => "“跨省通办”“区内通办”事项清单",
            Self::HallEntry => "进驻政务服务中心事项清单",
            Self::Intermediary => "中介服务事项清单",
            Self::Immediate => "即办件清单",
            Self::SpecialProcedure => "特别程序（现场勘验、技术审查、听证论证）事项清单",
        }
    }

    pub fn includes(self, item: &ServiceItem) -> bool {
        match self {
            Self::Licensing => item.kind == ItemKind::Licensing,
            Self::Commitment => item.commitment.is_some(),
            Self::DeficiencyAcceptance => item.deficiency_acceptance(),
            Self::ZeroMaterial => item.zero_material(),
            Self::CrossRegion => item.cross_region != CrossRegion::None,
            Self::HallEntry => item.hall_entry,
            Self::Intermediary => !item.intermediaries.is_empty(),
            Self::Immediate => item.case_class == CaseClass::Immediate,
            Self::SpecialProcedure => !item.special_procedures.is_empty(),
        }
    }

    /// The list-specific column for one item (e.g. which materials may be supplied later).
    pub fn detail(self, item: &ServiceItem) -> String {
        match self {
            Self::DeficiencyAcceptance => item
                .materials
                .iter()
                .filter(|m| m.necessity == Necessity::Deficiency)
                .map(|m| m.name.clone())
                .collect::<Vec<_>>()
                .join("；"),
            Self::CrossRegion => item.cross_region.label().to_owned(),
            Self::Commitment => item.commitment.clone().unwrap_or_default(),
            Self::Intermediary => item
                .intermediaries
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
                .join("；"),
            Self::SpecialProcedure => item
                .special_procedures
                .iter()
                .map(|p| format!("{}（{} 个工作日）", p.kind.label(), p.limit_days))
                .collect::<Vec<_>>()
                .join("；"),
            Self::ZeroMaterial => "全部材料可通过电子证照或数据共享获取".to_owned(),
            Self::Licensing | Self::HallEntry | Self::Immediate => String::new(),
        }
    }

    /// The heading of the list-specific column, if the list has one.
    pub fn detail_heading(self) -> Option<&'static str> {
        match self {
            Self::DeficiencyAcceptance => Some("可容缺后补的材料"),
            Self::CrossRegion => Some("通办范围"),
            Self::Commitment => Some("承诺内容"),
            Self::Intermediary => Some("中介服务"),
            Self::SpecialProcedure => Some("特别程序及时限"),
            Self::ZeroMaterial => Some("说明"),
            Self::Licensing | Self::HallEntry | Self::Immediate => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::item::tests::item;

    #[test]
    fn lists_follow_the_item() {
        let i = item();
        let on: Vec<ItemList> = ItemList::ALL
            .into_iter()
            .filter(|l| l.includes(&i))
            .collect();
        assert_eq!(
            on,
            [
                ItemList::Licensing,
                ItemList::DeficiencyAcceptance,
                ItemList::CrossRegion,
                ItemList::HallEntry,
                ItemList::SpecialProcedure
            ]
        );
        assert_eq!(
            ItemList::DeficiencyAcceptance.detail(&i),
            "原食品经营许可证"
        );
        for l in ItemList::ALL {
            assert_eq!(ItemList::parse(l.slug()), Some(l));
        }
    }
}
