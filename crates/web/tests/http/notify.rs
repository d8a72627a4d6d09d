//! Reaching people (issue 16): a notification goes to the message centre and, as the person
//! chose, to a real SMTP server started here and to an HTTP SMS gateway double; both first
//! refuse, and the outbox tries again later with the same delivery.

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::support::*;

/// A minimal SMTP server (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT) that refuses its first
/// `refuse` connections with a 421, as a relay under load does, and keeps every message.
async fn smtp_server(refuse: usize) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        let mut connections = 0;
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            connections += 1;
            let refusing = connections <= refuse;
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                if refusing {
                    let _ = write
                        .write_all(b"421 4.3.2 Service not available, try later\r\n")
                        .await;
                    return;
                }
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    } else if upper.starts_with("HELO")
                        || upper.starts_with("MAIL")
                        || upper.starts_with("RCPT")
                        || upper.starts_with("RSET")
                        || upper.starts_with("NOOP")
                    {
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        write
                            .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                            .await
                            .unwrap();
                        let mut message = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            message.push_str(&l);
                            message.push('\n');
                        }
                        kept.lock().unwrap().push(message);
                        b"250 OK queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 Bye\r\n").await;
                        return;
                    } else {
                        b"502 Command not implemented\r\n"
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

type Hits = Arc<Mutex<Vec<(String, String, Value)>>>;

/// An SMS gateway double: answers 503 to its first `refuse` requests, then 200, keeping
/// (Authorization, Idempotency-Key, body) of each.
async fn sms_gateway(refuse: usize) -> (String, Hits) {
    use axum::http::{HeaderMap, StatusCode as S};
    let hits: Hits = Arc::new(Mutex::new(Vec::new()));
    let kept = hits.clone();
    let app = axum::Router::new().route(
        "/sms/send",
        axum::routing::post(
            move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                let kept = kept.clone();
                async move {
                    let header = |n: &str| {
                        headers
                            .get(n)
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_default()
                    };
                    let mut hits = kept.lock().unwrap();
                    hits.push((header("authorization"), header("idempotency-key"), body));
                    if hits.len() <= refuse {
                        S::SERVICE_UNAVAILABLE
                    } else {
                        S::OK
                    }
                }
            },
        ),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

/// The text of a MIME body as lettre writes it (base64 or quoted-printable, or plain).
fn body_text(message: &str) -> String {
    let (head, body) = message.split_once("\n\n").unwrap();
    if head.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.lines().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap(),
        )
        .unwrap()
    } else {
        body.to_owned()
    }
}

#[tokio::test]
async fn email_and_sms_go_out_and_are_tried_again_after_a_refusal() {
    let app = TestApp::new().await;
    let (smtp_port, mails) = smtp_server(1).await;
    let (gateway, hits) = sms_gateway(1).await;

    // The person chooses e-mail besides SMS; a wrong address is refused by field.
    let person = staff_client(&app, CITIZEN).await;
    let res = person
        .post_form("/me/notifications", &[("sms", "1"), ("email", "maxiulan@")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("电子邮箱地址格式不正确"));
    let res = person
        .post_form(
            "/me/notifications",
            &[("sms", "1"), ("email", "maxiulan@example.cn")],
        )
        .await;
    assert_eq!(location(&res), "/me/notifications?saved=1");

    // Something to tell: a booking.
    let town: Value = app.get("/api/v1/halls").await.json().await.unwrap();
    let hall_id = town
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"].as_str().unwrap().contains("大河乡民生"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.token(CITIZEN).await;
    let res = app.client.post(app.url("/api/v1/appointments")).bearer_auth(&token)
        .json(&json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2026-11-30", "slot": "10:00"}))
        .send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    let senders = tongban_app::notify::Senders {
        sms: Some(Arc::new(
            tongban_app::notify::SmsGateway::new(&gateway, "k-123").unwrap(),
        )),
        email: Some(Arc::new(
            tongban_app::notify::SmtpSender::new(
                &format!("smtp://127.0.0.1:{smtp_port}"),
                "红寺堡区通办 <noreply@zwfw.hongsibu.example>",
            )
            .unwrap(),
        )),
        link_base: "https://zwfw.hongsibu.example".into(),
    };
    let state = app.state.as_ref().unwrap();
    let delivered = tongban_app::notify::deliver_pending(state, &senders)
        .await
        .unwrap();
    assert!(delivered >= 1);
    // Both refused the first time: kept for a retry, with the reason.
    let account = app.store.account_by_login(CITIZEN).await.unwrap();
    let tried = app.store.deliveries_of(&account.id, 10).await.unwrap();
    let booked: Vec<_> = tried
        .iter()
        .filter(|d| d.topic == "appointment.booked")
        .collect();
    assert_eq!(booked.len(), 2, "{tried:?}");
    for d in &booked {
        assert_eq!(d.status, "pending");
        assert_eq!(d.attempts, 1);
        assert!(d.last_error.is_some());
    }
    assert_eq!(hits.lock().unwrap().len(), 1);
    assert!(mails.lock().unwrap().is_empty());
    // Not yet due again.
    tongban_app::notify::deliver_pending(state, &senders)
        .await
        .unwrap();
    assert_eq!(hits.lock().unwrap().len(), 1);

    // Two minutes later (the first retry waits 30 seconds) both go out.
    let later = app.app_at(chrono::Duration::minutes(2)).await;
    assert!(
        tongban_app::notify::send_due(&later, &senders)
            .await
            .unwrap()
            >= 2
    );
    let tried = app.store.deliveries_of(&account.id, 10).await.unwrap();
    assert!(
        tried
            .iter()
            .filter(|d| d.topic == "appointment.booked")
            .all(|d| d.status == "sent" && d.attempts == 2),
        "{tried:?}"
    );

    let hits = hits.lock().unwrap().clone();
    let booked_sms: Vec<_> = hits
        .iter()
        .filter(|(_, _, b)| b["text"].as_str().unwrap().contains("预约成功"))
        .collect();
    assert_eq!(booked_sms.len(), 2, "the refused try and the retry");
    assert_eq!(
        booked_sms[0].1, booked_sms[1].1,
        "one delivery, one idempotency key"
    );
    assert_eq!(booked_sms[1].0, "Bearer k-123");
    assert_eq!(booked_sms[1].2["to"], "13909531234");
    assert!(
        booked_sms[1].2["text"]
            .as_str()
            .unwrap()
            .starts_with("【红寺堡通办】预约成功：")
    );

    let mails = mails.lock().unwrap().clone();
    let mail = mails
        .iter()
        .find(|m| m.contains("maxiulan@example.cn"))
        .expect("a mail to the address given");
    assert!(mail.contains("Subject:"));
    let text = body_text(mail);
    assert!(text.contains("您已预约大河乡民生服务中心"), "{text}");
    assert!(
        text.contains("https://zwfw.hongsibu.example/me/appointments"),
        "{text}"
    );

    // The message centre has it once.
    let inbox = person.get("/me/messages").await.text().await.unwrap();
    assert_eq!(inbox.matches("预约成功").count(), 1);
    let page = person.get("/me/notifications").await.text().await.unwrap();
    assert!(page.contains("已发送"));
}
