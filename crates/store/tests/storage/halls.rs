//! A hall's day in storage (issue 16): numbers of the day per kind, a window holding one
//! ticket however many callers race for it, a ticket called once, a slot never overbooked.

use chrono::{NaiveDate, NaiveTime};
use tongban_domain::hall::queue::{TicketChannel, TicketStatus};
use tongban_domain::org::WindowKind;
use tongban_store::{NewAppointment, NewQueueTicket, QueueChange, StoreError};

use super::{Fixture, now};

fn ticket(hall_id: &str, kind: WindowKind) -> NewQueueTicket {
    NewQueueTicket {
        id: tongban_store::new_id(),
        hall_id: hall_id.into(),
        day: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        kind,
        implementation_code: None,
        priority: false,
        appointment_id: None,
        account_id: None,
        channel: TicketChannel::Kiosk,
        queue_key: now(),
    }
}

fn call(t: &tongban_store::QueueTicket, window_id: &str) -> QueueChange {
    QueueChange {
        id: t.id.clone(),
        version: t.version,
        action: "call",
        status: TicketStatus::Called,
        window_id: Some(window_id.into()),
        assigned_window_id: None,
        kind: t.kind,
        queue_key: t.queue_key,
        called: true,
        started: false,
        ended: false,
        recall: false,
        transfer: false,
        case_no: None,
        served_by: None,
        note: String::new(),
        tell: None,
    }
}

pub(super) async fn windows_hold_one_ticket_and_tickets_are_called_once(f: &Fixture) {
    let centre = f
        .store
        .list_halls(
            &[tongban_domain::org::HallKind::DistrictCentre],
            &tongban_domain::authz::Scope::All,
        )
        .await
        .unwrap()
        .remove(0);
    let windows: Vec<String> = centre
        .windows
        .iter()
        .take(8)
        .map(|w| w.id.clone())
        .collect();

    // Numbers per kind and day, taken in parallel: distinct and gap-free.
    let takes = (0..16).map(|i| {
        let store = f.store.clone();
        let kind = if i % 4 == 0 {
            WindowKind::Assistance
        } else {
            WindowKind::Comprehensive
        };
        let t = ticket(&centre.id, kind);
        tokio::spawn(async move { store.take_ticket(now(), "kiosk", &t).await.unwrap() })
    });
    let mut tickets = Vec::new();
    for t in takes {
        tickets.push(t.await.unwrap());
    }
    let mut numbers: Vec<String> = tickets.iter().map(|t| t.ticket_no.clone()).collect();
    numbers.sort();
    assert_eq!(numbers[0], "A001");
    assert_eq!(numbers[11], "A012");
    assert_eq!(&numbers[12..], ["B001", "B002", "B003", "B004"]);

    // Eight windows race for one ticket: exactly one gets it.
    let target = tickets
        .iter()
        .find(|t| t.kind == WindowKind::Comprehensive)
        .unwrap()
        .clone();
    let races = windows.iter().map(|w| {
        let store = f.store.clone();
        let change = call(&target, w);
        tokio::spawn(async move { store.step_ticket(now(), "clerk", &change).await })
    });
    let mut won = 0;
    for r in races {
        if r.await.unwrap().unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1, "a ticket is called once");

    // One window, several tickets at once: it ends up holding one.
    let w = &windows[7];
    let free: Vec<_> = tickets
        .iter()
        .filter(|t| t.id != target.id && t.kind == WindowKind::Comprehensive)
        .take(6)
        .cloned()
        .collect();
    let _ = f.store.window_ticket(w).await.unwrap();
    let races = free.iter().map(|t| {
        let store = f.store.clone();
        let change = call(t, w);
        tokio::spawn(async move { store.step_ticket(now(), "clerk", &change).await })
    });
    let mut held = 0;
    for r in races {
        match r.await.unwrap() {
            Ok(true) => held += 1,
            Ok(false) | Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    // The window that won the first race may be this one; either way a window holds one.
    let at_w: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM queue_tickets WHERE window_id = $1 AND status IN ('called', 'serving')",
    )
    .bind(w)
    .fetch_one(&f.raw)
    .await
    .unwrap();
    assert_eq!(at_w, 1);
    assert!(held <= 1);
    assert_eq!(
        f.store.hall_waiting(&centre.id).await.unwrap().len(),
        16 - 1 - held
    );
}

pub(super) async fn slots_are_never_overbooked(f: &Fixture) {
    let town = f
        .store
        .list_halls(
            &[tongban_domain::org::HallKind::TownCentre],
            &tongban_domain::authz::Scope::All,
        )
        .await
        .unwrap()
        .remove(0);
    let citizen = f
        .store
        .account_by_login("64030319580312024X")
        .await
        .unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let slot = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    let books = (0..12).map(|i| {
        let store = f.store.clone();
        let a = NewAppointment {
            id: tongban_store::new_id(),
            code: format!("{:08}", 1000 + i),
            hall_id: town.id.clone(),
            kind: WindowKind::Comprehensive,
            implementation_code: None,
            account_id: citizen.id.clone(),
            day,
            slot,
            slot_ends: NaiveTime::from_hms_opt(10, 30, 0).unwrap(),
            capacity: 3,
            confirmation: ("预约成功".into(), "…".into()),
        };
        tokio::spawn(async move { store.book_appointment(now(), &a).await })
    });
    let mut booked = 0;
    for b in books {
        match b.await.unwrap() {
            Ok(()) => booked += 1,
            Err(StoreError::Conflict(what)) => assert_eq!(what, "slot_full"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(booked, 3);
    let counts = f.store.slot_counts(&town.id, day).await.unwrap();
    assert_eq!(counts, vec![(WindowKind::Comprehensive, slot, 3)]);
    // A cancelled place is freed once; no-shows are recorded once the slot is over.
    let mine = f.store.appointments_of(&citizen.id, day).await.unwrap();
    assert!(
        f.store
            .cancel_appointment(now(), "x", &mine[0])
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .cancel_appointment(now(), "x", &mine[0])
            .await
            .unwrap()
    );
    assert_eq!(f.store.slot_counts(&town.id, day).await.unwrap()[0].2, 2);
    let n = f
        .store
        .record_no_shows(now(), day, NaiveTime::from_hms_opt(10, 30, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(n, 2);
}
