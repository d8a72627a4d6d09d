//! Raw SM2 verification rate of the seal crate on one thread: a licence's canonical
//! encoding verified against its seal for a few seconds. `bench/licence-verify.sh` prints it
//! beside the HTTP rate measured in the same run.

use std::time::{Duration, Instant};

use tongban_domain::licence::{Licence, Seal, SealedLicence, licence_identifier, verdict};
use tongban_domain::seal::SealSecret;

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let key = SealSecret::generate();
    let licence = Licence {
        identifier: licence_identifier("11640303MB0000103K001", "11640303MB0000103K", 1, 1),
        type_code: "11640303MB0000103K001".into(),
        type_name: "社会保障卡".into(),
        issuer_code: "11640303MB0000103K".into(),
        issuer_name: "红寺堡区人力资源和社会保障局".into(),
        holder_name: "马秀兰".into(),
        holder_id_type: "111".into(),
        holder_id: "64030319580312024X".into(),
        fields: Default::default(),
        issued_on: "2026-11-27".into(),
        valid_until: None,
        case_no: None,
    };
    let sealed = SealedLicence {
        seal: Seal::new("K", &key, &licence.canonical()),
        licence,
    };
    let public = key.public_hex();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        for _ in 0..100 {
            let v = verdict(&sealed, Some(&public), false, today);
            assert_eq!(v, tongban_domain::licence::Verdict::Valid);
        }
        n += 100;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!("{rate:.0}");
}
