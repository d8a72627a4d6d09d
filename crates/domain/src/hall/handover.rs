//! 就近办: paper up the chain. A village point takes in a matter and keeps the papers it
//! received; they go up 村 → 乡镇 → 区 on a handover list the sending clerk signs when it
//! leaves and the receiving clerk signs when it arrives. A case's paper is where the last
//! signed list put it, or on the way.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverStatus {
    /// Signed by the sender, on the way.
    Sent,
    /// Signed by the receiver.
    Received,
}

impl HandoverStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Received => "received",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sent" => Some(Self::Sent),
            "received" => Some(Self::Received),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Sent => "已移交，待签收",
            Self::Received => "已签收",
        }
    }
}

/// Why a handover is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoverError {
    #[error("纸质材料只能逐级上交：村（社区）交乡镇，乡镇交区政务服务中心")]
    NotUpTheChain,
    #[error("移交清单至少要有一件办件")]
    Empty,
    #[error("办件 {0} 的纸质材料不在本单位")]
    NotHere(String),
    #[error("办件 {0} 没有登记收到的纸质材料")]
    NoPaper(String),
    #[error("只有接收单位的工作人员可以签收")]
    NotTheReceiver,
    #[error("该清单已签收")]
    AlreadyReceived,
}

/// Where the paper goes next from the unit at `from_path`: a village's to its town (its
/// parent), a town's to the district (`district_path`, the unit that runs the district
/// centre). `None` at the district.
pub fn next_up(from_path: &str, district_path: &str) -> Option<String> {
    let segments: Vec<&str> = from_path.split('/').collect();
    match segments.len() {
        // root/town/village → root/town
        n if n >= 3 => Some(segments[..n - 1].join("/")),
        // root/town → the district centre's unit
        2 if crate::authz::local_hall_unit(from_path) => Some(district_path.to_owned()),
        _ => None,
    }
}

/// Checks a handover from the unit at `from_path` to `to_path`, of cases whose paper is
/// at `here` (case number, whether its paper is at the sending unit, whether any paper was
/// recorded).
pub fn check(
    from_path: &str,
    to_path: &str,
    district_path: &str,
    cases: &[(String, bool, bool)],
) -> Result<(), HandoverError> {
    if next_up(from_path, district_path).as_deref() != Some(to_path) {
        return Err(HandoverError::NotUpTheChain);
    }
    if cases.is_empty() {
        return Err(HandoverError::Empty);
    }
    for (no, here, paper) in cases {
        if !here {
            return Err(HandoverError::NotHere(no.clone()));
        }
        if !paper {
            return Err(HandoverError::NoPaper(no.clone()));
        }
    }
    Ok(())
}

/// Who may sign a list as received: staff of the receiving unit itself (a village's clerk
/// cannot sign for the town above it); for the district, any district unit's staff at the
/// centre.
pub fn may_receive(
    status: HandoverStatus,
    to_path: &str,
    actor_path: &str,
) -> Result<(), HandoverError> {
    if status == HandoverStatus::Received {
        return Err(HandoverError::AlreadyReceived);
    }
    let district = !crate::authz::local_hall_unit(to_path);
    if actor_path == to_path || (district && !crate::authz::local_hall_unit(actor_path)) {
        Ok(())
    } else {
        Err(HandoverError::NotTheReceiver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "640303/D-SPJ";

    #[test]
    fn paper_goes_up_one_level_at_a_time() {
        let village = "640303/640303200000/640303200203";
        let town = "640303/640303200000";
        assert_eq!(next_up(village, D).as_deref(), Some(town));
        assert_eq!(next_up(town, D).as_deref(), Some(D));
        assert_eq!(next_up(D, D), None);
        let ok = vec![("A".to_owned(), true, true)];
        assert!(check(village, town, D, &ok).is_ok());
        assert_eq!(
            check(village, D, D, &ok),
            Err(HandoverError::NotUpTheChain),
            "no skipping the town"
        );
        assert_eq!(
            check(town, "640303/640303201000", D, &ok),
            Err(HandoverError::NotUpTheChain)
        );
        assert_eq!(check(village, town, D, &[]), Err(HandoverError::Empty));
        assert_eq!(
            check(village, town, D, &[("B".into(), false, true)]),
            Err(HandoverError::NotHere("B".into()))
        );
        assert_eq!(
            check(village, town, D, &[("C".into(), true, false)]),
            Err(HandoverError::NoPaper("C".into()))
        );
    }

    #[test]
    fn only_the_receiver_signs_once() {
        let town = "640303/640303200000";
        assert!(may_receive(HandoverStatus::Sent, town, town).is_ok());
        assert_eq!(
            may_receive(
                HandoverStatus::Sent,
                town,
                "640303/640303200000/640303200203"
            ),
            Err(HandoverError::NotTheReceiver)
        );
        assert_eq!(
            may_receive(HandoverStatus::Received, town, town),
            Err(HandoverError::AlreadyReceived)
        );
    }
}
