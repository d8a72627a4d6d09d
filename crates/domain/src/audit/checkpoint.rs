//! Sealed checkpoints of the audit trail: a database administrator can recompute every hash
//! of the chain after changing a row, or cut its tail, and the chain alone would still look
//! whole. A checkpoint records each chain's head (seq and hash) at a moment and is sealed
//! with an SM2 key held outside the database; verification then demands that every chain
//! still passes through each sealed head. Checkpoints are numbered and each names the
//! digest of the one before, so one cannot be dropped from the middle unnoticed.

use std::collections::BTreeMap;

use sm3::{Digest, Sm3};

use super::{AuditEntry, GENESIS_HASH};

/// One chain's head as a checkpoint records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainHead {
    pub chain: i64,
    pub seq: i64,
    pub hash: String,
}

/// What a checkpoint states.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// 1, 2, 3, … without gaps.
    pub number: i64,
    /// RFC 3339 UTC.
    pub at: String,
    pub heads: Vec<ChainHead>,
    /// The digest of checkpoint `number - 1` (`GENESIS_HASH` for the first).
    pub prev: String,
}

impl Checkpoint {
    /// The next checkpoint after `prev` with the heads read now.
    pub fn next(prev: Option<&SealedCheckpoint>, at: String, mut heads: Vec<ChainHead>) -> Self {
        heads.sort_by_key(|h| h.chain);
        Checkpoint {
            number: prev.map_or(1, |p| p.checkpoint.number + 1),
            at,
            heads,
            prev: prev.map_or_else(|| GENESIS_HASH.to_owned(), |p| p.checkpoint.digest()),
        }
    }

    /// The text the seal signs: one field per line, heads in chain order.
    pub fn canonical(&self) -> String {
        let mut s = format!(
            "tongban-audit-checkpoint/1\n{}\n{}\n{}\n",
            self.number, self.at, self.prev
        );
        for h in &self.heads {
            s.push_str(&format!("{}:{}:{}\n", h.chain, h.seq, h.hash));
        }
        s
    }

    /// SM3 of the canonical text, lower-case hex.
    pub fn digest(&self) -> String {
        Sm3::digest(self.canonical().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A checkpoint with its SM2 seal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealedCheckpoint {
    pub checkpoint: Checkpoint,
    /// The sealing key's public half (hex), as published.
    pub public_key: String,
    /// SM2 signature (with SM3) over `checkpoint.canonical()`.
    pub signature: String,
}

impl SealedCheckpoint {
    pub fn seal(checkpoint: Checkpoint, secret: &crate::seal::SealSecret) -> Self {
        let signature = secret.sign(checkpoint.canonical().as_bytes());
        SealedCheckpoint {
            public_key: secret.public_hex(),
            checkpoint,
            signature,
        }
    }

    /// Whether the seal is `public_key`'s over this checkpoint.
    pub fn verifies(&self, public_key: &str) -> bool {
        self.public_key == public_key
            && crate::seal::verify(
                public_key,
                self.checkpoint.canonical().as_bytes(),
                &self.signature,
            )
    }
}

/// What checking the trail against its checkpoints found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointBreak {
    #[error("第 {number} 号审计检查点的签章无效（不是平台的审计密钥所签，或内容被改）")]
    Forged { number: i64 },
    #[error("第 {number} 号审计检查点缺失或与前一检查点不相接")]
    Missing { number: i64 },
    #[error("第 {number} 号审计检查点与公布的副本不一致")]
    Differs { number: i64 },
    #[error(
        "第 {chain} 号审计链第 {seq} 条记录与第 {number} 号检查点封存的不一致（记录被改后重算了哈希）"
    )]
    NotAsSealed { number: i64, chain: i64, seq: i64 },
    #[error("第 {chain} 号审计链在第 {number} 号检查点封存的第 {seq} 条之前被截断")]
    Cut { number: i64, chain: i64, seq: i64 },
}

/// Checks the checkpoints themselves: each sealed by `public_key`, numbered from 1 without
/// gaps, each naming the digest of the one before. `copies` are checkpoints kept outside the
/// database (the file each seal also writes, a published copy someone saved): each must be
/// among `stored`, unchanged.
pub fn check_checkpoints(
    stored: &[SealedCheckpoint],
    copies: &[SealedCheckpoint],
    public_key: &str,
) -> Result<(), CheckpointBreak> {
    let mut prev = GENESIS_HASH.to_owned();
    for (i, c) in stored.iter().enumerate() {
        let number = i as i64 + 1;
        if c.checkpoint.number != number || c.checkpoint.prev != prev {
            return Err(CheckpointBreak::Missing { number });
        }
        if !c.verifies(public_key) {
            return Err(CheckpointBreak::Forged { number });
        }
        prev = c.checkpoint.digest();
    }
    for copy in copies {
        let number = copy.checkpoint.number;
        match stored.iter().find(|c| c.checkpoint.number == number) {
            None => return Err(CheckpointBreak::Missing { number }),
            Some(c) if c != copy => return Err(CheckpointBreak::Differs { number }),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Each chain's sealed heads, to compare rows with as the chain is walked.
#[derive(Debug, Clone, Default)]
pub struct SealedHeads {
    /// chain → seq → (checkpoint number, hash).
    by_chain: BTreeMap<i64, BTreeMap<i64, (i64, String)>>,
}

impl SealedHeads {
    pub fn of(checkpoints: &[SealedCheckpoint]) -> Self {
        let mut by_chain: BTreeMap<i64, BTreeMap<i64, (i64, String)>> = BTreeMap::new();
        for c in checkpoints {
            for h in c.checkpoint.heads.iter().filter(|h| h.seq > 0) {
                by_chain
                    .entry(h.chain)
                    .or_default()
                    .entry(h.seq)
                    .or_insert((c.checkpoint.number, h.hash.clone()));
            }
        }
        SealedHeads { by_chain }
    }

    /// A row of `chain`, checked against a sealed head at its seq, if any.
    pub fn check_row(&self, chain: i64, row: &AuditEntry) -> Result<(), CheckpointBreak> {
        match self.by_chain.get(&chain).and_then(|m| m.get(&row.seq)) {
            Some((number, hash)) if *hash != row.hash => Err(CheckpointBreak::NotAsSealed {
                number: *number,
                chain,
                seq: row.seq,
            }),
            _ => Ok(()),
        }
    }

    /// After `checked` rows of `chain` were walked: a sealed head beyond them was cut off.
    pub fn check_end(&self, chain: i64, checked: i64) -> Result<(), CheckpointBreak> {
        if let Some((seq, (number, _))) = self
            .by_chain
            .get(&chain)
            .and_then(|m| m.range(checked + 1..).next())
        {
            return Err(CheckpointBreak::Cut {
                number: *number,
                chain,
                seq: *seq,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEvent, next_entry};
    use crate::seal::SealSecret;

    fn rows(n: usize, detail: &str) -> Vec<AuditEntry> {
        let mut rows: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = rows.last().map(|r| (r.seq, r.hash.as_str()));
            rows.push(next_entry(
                prev,
                format!("2026-11-27T00:00:{i:02}Z"),
                AuditEvent::new("a", "x", format!("t:{i}"), if i == 2 { detail } else { "" }),
            ));
        }
        rows
    }

    fn sealed(
        secret: &SealSecret,
        prev: Option<&SealedCheckpoint>,
        r: &[AuditEntry],
    ) -> SealedCheckpoint {
        let head = r.last().unwrap();
        SealedCheckpoint::seal(
            Checkpoint::next(
                prev,
                "2026-11-28T00:00:00Z".into(),
                vec![ChainHead {
                    chain: 0,
                    seq: head.seq,
                    hash: head.hash.clone(),
                }],
            ),
            secret,
        )
    }

    #[test]
    fn a_recomputed_chain_and_a_cut_tail_are_found() {
        let secret = SealSecret::generate();
        let honest = rows(5, "");
        let c1 = sealed(&secret, None, &honest[..4]);
        let heads = SealedHeads::of(std::slice::from_ref(&c1));
        assert!(honest.iter().all(|r| heads.check_row(0, r).is_ok()));
        assert_eq!(heads.check_end(0, 5), Ok(()));
        // Row 3 changed and every later hash recomputed: a consistent chain, but not as sealed.
        let rewritten = rows(5, "changed");
        assert_eq!(
            rewritten.iter().find_map(|r| heads.check_row(0, r).err()),
            Some(CheckpointBreak::NotAsSealed {
                number: 1,
                chain: 0,
                seq: 4
            })
        );
        assert_eq!(
            heads.check_end(0, 3),
            Err(CheckpointBreak::Cut {
                number: 1,
                chain: 0,
                seq: 4
            })
        );
    }

    #[test]
    fn checkpoints_must_be_sealed_by_the_key_and_follow_one_another() {
        let secret = SealSecret::generate();
        let r = rows(4, "");
        let c1 = sealed(&secret, None, &r[..2]);
        let c2 = sealed(&secret, Some(&c1), &r);
        let key = secret.public_hex();
        assert_eq!(
            check_checkpoints(&[c1.clone(), c2.clone()], &[], &key),
            Ok(())
        );
        // Dropping the first breaks the link; a copy kept elsewhere shows a dropped last one.
        assert_eq!(
            check_checkpoints(std::slice::from_ref(&c2), &[], &key),
            Err(CheckpointBreak::Missing { number: 1 })
        );
        assert_eq!(
            check_checkpoints(std::slice::from_ref(&c1), std::slice::from_ref(&c2), &key),
            Err(CheckpointBreak::Missing { number: 2 })
        );
        // Another key's seal, or a changed head, is forged.
        let other = SealSecret::generate();
        let forged = sealed(&other, None, &r[..2]);
        assert_eq!(
            check_checkpoints(&[forged], &[], &key),
            Err(CheckpointBreak::Forged { number: 1 })
        );
        let mut changed = c1.clone();
        changed.checkpoint.heads[0].hash = "00".into();
        assert_eq!(
            check_checkpoints(&[changed], &[], &key),
            Err(CheckpointBreak::Forged { number: 1 })
        );
    }
}
