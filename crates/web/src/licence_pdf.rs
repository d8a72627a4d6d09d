//! A licence as a one-page PDF: its content, the issuing body's red round seal drawn from
//! its name, the SM2 signature, and a QR code that opens its public verification page.
//! Chinese text is set in a subset of WenQuanYi Zen Hei embedded in the file (only the
//! glyphs the page uses, a few dozen kilobytes; Debian's `fonts-wqy-zenhei`, GPL-2 with the
//! font embedding exception, or the font `TONGBAN_PDF_FONT` names), so the licence looks the
//! same in every reader and prints as shown. Where no such font is installed it falls back to
//! STSong-Light with the UniGB-UCS2-H encoding, one of the Adobe standard CJK fonts every
//! conforming reader supplies.

use std::collections::{BTreeSet, HashMap};

use pdf_writer::types::CidFontType;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use tongban_domain::licence::SealedLicence;

use crate::WebError;

const CJK: Name<'static> = Name(b"F1");
const LATIN: Name<'static> = Name(b"F2");

/// UTF-16BE, as UniGB-UCS2-H expects (characters outside the BMP are dropped).
fn ucs2(text: &str) -> Vec<u8> {
    text.chars()
        .filter_map(|c| u16::try_from(u32::from(c)).ok())
        .flat_map(u16::to_be_bytes)
        .collect()
}

/// Where the embeddable font is looked for, in order (after `TONGBAN_PDF_FONT`).
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

/// The glyphs of one page, cut from the installed font.
struct Subset {
    bytes: Vec<u8>,
    /// Character → glyph id in the subset (the CID too: the map is the identity).
    glyphs: HashMap<char, u16>,
    /// Advance of each subset glyph, in thousandths of the em.
    widths: Vec<f32>,
    bbox: Rect,
    ascent: f32,
    descent: f32,
}

/// A subset of the installed font holding `chars`; `None` when none is installed or it
/// cannot be read (the page then uses the reader's STSong-Light).
fn subset_font(chars: &BTreeSet<char>) -> Option<Subset> {
    let path = std::env::var("TONGBAN_PDF_FONT")
        .ok()
        .into_iter()
        .chain(FONT_PATHS.iter().map(|p| (*p).to_owned()))
        .find(|p| std::path::Path::new(p).is_file())?;
    let data = std::fs::read(&path).ok()?;
    let face = ttf_parser::Face::parse(&data, 0).ok()?;
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut glyphs = HashMap::new();
    let mut old_of_new = vec![0u16];
    for c in chars {
        if let Some(g) = face.glyph_index(*c) {
            let new = remapper.remap(g.0);
            if usize::from(new) == old_of_new.len() {
                old_of_new.push(g.0);
            }
            glyphs.insert(*c, new);
        }
    }
    let bytes = subsetter::subset(&data, 0, &remapper).ok()?;
    let em = f32::from(face.units_per_em());
    let scale = |v: f32| v * 1000.0 / em;
    let widths = old_of_new
        .iter()
        .map(|g| {
            scale(f32::from(
                face.glyph_hor_advance(ttf_parser::GlyphId(*g)).unwrap_or(0),
            ))
        })
        .collect();
    let b = face.global_bounding_box();
    Some(Subset {
        bytes,
        glyphs,
        widths,
        bbox: Rect::new(
            scale(f32::from(b.x_min)),
            scale(f32::from(b.y_min)),
            scale(f32::from(b.x_max)),
            scale(f32::from(b.y_max)),
        ),
        ascent: scale(f32::from(face.ascender())),
        descent: scale(f32::from(face.descender())),
    })
}

/// How the page's Chinese is written: glyph ids of the embedded subset (Identity-H), or
/// UTF-16BE for the reader's STSong-Light (UniGB-UCS2-H).
struct Cjk(Option<Subset>);

impl Cjk {
    fn encode(&self, text: &str) -> Vec<u8> {
        match &self.0 {
            Some(s) => text
                .chars()
                .flat_map(|c| s.glyphs.get(&c).copied().unwrap_or(0).to_be_bytes())
                .collect(),
            None => ucs2(text),
        }
    }

    /// Writes the font objects at `font` (and the refs after it).
    fn write(&self, pdf: &mut Pdf, font: Ref, cid: Ref, descriptor: Ref, extra: [Ref; 2]) {
        let Some(s) = &self.0 else {
            write_standard_font(pdf, font, cid, descriptor);
            return;
        };
        let [file, cmap] = extra;
        let name = Name(b"TBSUBS+WenQuanYiZenHei");
        pdf.type0_font(font)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(pdf_writer::types::SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor)
            .default_width(1000.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid_font.widths().consecutive(0, s.widths.iter().copied());
        cid_font.finish();
        pdf.font_descriptor(descriptor)
            .name(name)
            .flags(pdf_writer::types::FontFlags::SYMBOLIC)
            .bbox(s.bbox)
            .italic_angle(0.0)
            .ascent(s.ascent)
            .descent(s.descent)
            .cap_height(s.ascent)
            .stem_v(80.0)
            .font_file2(file);
        pdf.stream(file, &s.bytes);
        // Text copied or read aloud from the PDF is the text, not glyph numbers.
        let mut unicode = pdf_writer::types::UnicodeCmap::new(
            Name(b"Tongban-UTF16"),
            pdf_writer::types::SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            },
        );
        for (c, g) in &s.glyphs {
            unicode.pair(*g, *c);
        }
        let cmap_bytes = unicode.finish();
        pdf.cmap(cmap, &cmap_bytes);
    }
}

/// STSong-Light as every conforming reader supplies it.
fn write_standard_font(pdf: &mut Pdf, font: Ref, cid: Ref, descriptor: Ref) {
    pdf.type0_font(font)
        .base_font(Name(b"STSong-Light-UniGB-UCS2-H"))
        .encoding_predefined(Name(b"UniGB-UCS2-H"))
        .descendant_font(cid);
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(pdf_writer::types::SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 4,
        })
        .font_descriptor(descriptor)
        .default_width(1000.0);
    // Latin letters and digits are half-width in Adobe-GB1 (proportional 1–95, half-width
    // 814–939); without widths readers would space them as ideographs.
    cid_font.widths().same(1, 95, 500.0).same(814, 939, 500.0);
    cid_font.finish();
    pdf.font_descriptor(descriptor)
        .name(Name(b"STSong-Light"))
        .flags(pdf_writer::types::FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
}

fn line(content: &mut Content, font: Name<'_>, size: f32, x: f32, y: f32, bytes: &[u8]) {
    content
        .begin_text()
        .set_font(font, size)
        .next_line(x, y)
        .show(Str(bytes))
        .end_text();
}

/// Renders the licence with `verify_url` in its QR code; `fields` are its data items with
/// the licence type's labels.
pub fn render(
    sealed: &SealedLicence,
    fields: &[(String, String)],
    verify_url: &str,
) -> Result<Vec<u8>, WebError> {
    let l = &sealed.licence;
    let mut rows: Vec<(String, String)> = vec![
        ("持证人".into(), l.holder_name.clone()),
        ("证件号码".into(), l.holder_id.clone()),
        ("发证机构".into(), l.issuer_name.clone()),
        ("发证日期".into(), l.issued_on.clone()),
        (
            "有效期至".into(),
            l.valid_until.clone().unwrap_or_else(|| "长期".into()),
        ),
    ];
    if let Some(no) = &l.case_no {
        rows.push(("办件编号".into(), no.clone()));
    }
    rows.extend(fields.iter().cloned());
    // Long values (a combined licence's permits) wrap within the page instead of running
    // off its edge.
    let rows: Vec<String> = rows
        .iter()
        .flat_map(|(label, value)| wrap(&format!("{label}：{value}"), 470.0, 12.0))
        .collect();
    let signed_by = format!(
        "电子签章：{}（密钥 {}）",
        sealed.seal.algorithm, sealed.seal.key_id
    );
    // Every character the page sets in Chinese, for the font subset.
    let chars: BTreeSet<char> = [
        l.type_name.as_str(),
        "电子证照",
        ID_LABEL,
        SCAN_LABEL,
        SEAL_BELOW,
        &l.issuer_name,
        &signed_by,
    ]
    .into_iter()
    .chain(rows.iter().map(String::as_str))
    .flat_map(str::chars)
    .collect();
    let cjk = Cjk(subset_font(&chars));

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page = Ref::new(3);
    let font = Ref::new(4);
    let cid = Ref::new(5);
    let descriptor = Ref::new(6);
    let latin = Ref::new(7);
    let content_id = Ref::new(8);
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, 595.0, 842.0))
        .parent(tree)
        .contents(content_id);
    p.resources().fonts().pair(CJK, font).pair(LATIN, latin);
    p.finish();
    cjk.write(&mut pdf, font, cid, descriptor, [Ref::new(9), Ref::new(10)]);
    pdf.type1_font(latin).base_font(Name(b"Courier"));

    let mut c = Content::new();
    line(&mut c, CJK, 24.0, 60.0, 770.0, &cjk.encode(&l.type_name));
    line(&mut c, CJK, 11.0, 60.0, 745.0, &cjk.encode("电子证照"));
    let mut y = 700.0;
    for row in &rows {
        line(&mut c, CJK, 12.0, 60.0, y, &cjk.encode(row));
        y -= 22.0;
    }
    y -= 10.0;
    line(&mut c, CJK, 10.0, 60.0, y, &cjk.encode(ID_LABEL));
    y -= 14.0;
    line(&mut c, LATIN, 8.0, 60.0, y, l.identifier.as_bytes());
    y -= 20.0;
    line(&mut c, CJK, 10.0, 60.0, y, &cjk.encode(&signed_by));
    for chunk in sealed.seal.signature.as_bytes().chunks(64) {
        y -= 12.0;
        line(&mut c, LATIN, 8.0, 60.0, y, chunk);
    }
    seal_image(&mut c, &cjk, &l.issuer_name, (465.0, 640.0), 62.0);
    // The QR code, one filled square per dark module, bottom right.
    let qr = qrcode::QrCode::new(verify_url.as_bytes()).map_err(WebError::internal)?;
    let width = qr.width();
    let module = 160.0 / width as f32;
    let (x0, y0) = (375.0, 60.0);
    for (i, colour) in qr.to_colors().iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            let (col, row) = ((i % width) as f32, (i / width) as f32);
            c.rect(
                x0 + col * module,
                y0 + (width as f32 - 1.0 - row) * module,
                module,
                module,
            );
        }
    }
    c.fill_nonzero();
    line(&mut c, CJK, 10.0, 375.0, 40.0, &cjk.encode(SCAN_LABEL));
    pdf.stream(content_id, &c.finish());
    Ok(pdf.finish())
}

/// `text` cut into lines no wider than `width` points at `size` (ideographs a full em,
/// ASCII about half).
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0.0;
    for c in text.chars() {
        let w = if c.is_ascii() { size * 0.55 } else { size };
        if used + w > width && !lines.last().is_some_and(String::is_empty) {
            lines.push(String::new());
            used = 0.0;
        }
        used += w;
        if let Some(l) = lines.last_mut() {
            l.push(c);
        }
    }
    lines
}

const ID_LABEL: &str = "证照标识（GB/T 36904）";
const SCAN_LABEL: &str = "扫码核验证照状态";
const SEAL_BELOW: &str = "电子证照专用章";

/// The red round seal (公章 layout) drawn from the issuing body's name: a ring, the name
/// along the upper arc with each character upright to the centre, a five-pointed star, and
/// 电子证照专用章 beneath it. It shows whose seal the licence bears; what proves it is the
/// SM2 signature printed below and checked by the QR code.
fn seal_image(c: &mut Content, cjk: &Cjk, issuer: &str, (cx, cy): (f32, f32), r: f32) {
    const RED: (f32, f32, f32) = (0.82, 0.06, 0.06);
    c.save_state();
    c.set_fill_rgb(RED.0, RED.1, RED.2)
        .set_stroke_rgb(RED.0, RED.1, RED.2)
        .set_line_width(3.0);
    // The ring: four Bézier quarters.
    let k = 0.552_284_8 * r;
    c.move_to(cx + r, cy)
        .cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r)
        .cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy)
        .cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r)
        .cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy)
        .close_path()
        .stroke();
    // The star.
    let (outer, inner) = (r * 0.3, r * 0.3 * 0.382);
    for i in 0..10 {
        let radius = if i % 2 == 0 { outer } else { inner };
        let a = (90.0 + 36.0 * i as f32).to_radians();
        let (x, y) = (cx + radius * a.cos(), cy + radius * a.sin());
        if i == 0 {
            c.move_to(x, y);
        } else {
            c.line_to(x, y);
        }
    }
    c.close_path().fill_nonzero();
    // The name along the upper arc, centred on the top.
    let chars: Vec<char> = issuer.chars().collect();
    let n = chars.len().max(1) as f32;
    let size = if n > 16.0 { 9.0 } else { 11.0 };
    let step = (250.0 / n).min(24.0);
    let baseline = r - 5.0 - size;
    for (i, ch) in chars.iter().enumerate() {
        let theta = 90.0 + step * (n - 1.0) / 2.0 - step * i as f32;
        let (t, a) = (theta.to_radians(), (theta - 90.0).to_radians());
        // The glyph's bottom-left corner, so that its middle sits on the arc.
        let (x, y) = (
            cx + baseline * t.cos() - a.cos() * size / 2.0,
            cy + baseline * t.sin() - a.sin() * size / 2.0,
        );
        c.begin_text()
            .set_font(CJK, size)
            .set_text_matrix([a.cos(), a.sin(), -a.sin(), a.cos(), x, y])
            .show(Str(&cjk.encode(&ch.to_string())))
            .end_text();
    }
    let size = 8.0;
    let width = SEAL_BELOW.chars().count() as f32 * size;
    c.begin_text()
        .set_font(CJK, size)
        .next_line(cx - width / 2.0, cy - r * 0.6)
        .show(Str(&cjk.encode(SEAL_BELOW)))
        .end_text();
    c.restore_state();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seal_is_drawn_in_red_with_the_issuer_along_its_arc() {
        let mut c = Content::new();
        seal_image(
            &mut c,
            &Cjk(None),
            "红寺堡区审批服务管理局",
            (100.0, 100.0),
            60.0,
        );
        let ops = String::from_utf8_lossy(&c.finish()).into_owned();
        assert!(ops.contains("0.82 0.06 0.06 rg"), "red fill");
        // One text object per character of the name, and one for 电子证照专用章.
        assert_eq!(
            ops.matches("BT").count(),
            "红寺堡区审批服务管理局".chars().count() + 1
        );
        assert!(ops.contains(" Tm"), "characters are turned along the arc");
    }

    #[test]
    fn the_page_embeds_a_subset_of_the_installed_font_or_names_the_readers_own() {
        use tongban_domain::licence::{Licence, Seal};
        let sealed = SealedLicence {
            licence: Licence {
                identifier:
                    "1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0".into(),
                type_code: "11640303MB0000103K001".into(),
                type_name: "食品经营许可证".into(),
                issuer_code: "11640303MB0000103K".into(),
                issuer_name: "吴忠市市场监督管理局红寺堡区分局".into(),
                holder_name: "马秀兰".into(),
                holder_id_type: "111".into(),
                holder_id: "64030319580312024X".into(),
                fields: Default::default(),
                issued_on: "2026-12-03".into(),
                valid_until: Some("2031-12-02".into()),
                case_no: None,
            },
            seal: Seal {
                key_id: "D-SJJ-20261203-ab12".into(),
                algorithm: "SM2-SM3".into(),
                signature: "ab".repeat(64),
            },
        };
        let fields = [("经营场所".to_owned(), "红寺堡区罗山路 18 号".to_owned())];
        let pdf = render(&sealed, &fields, "https://zwfw.example/licences/x/status").unwrap();
        let text = String::from_utf8_lossy(&pdf);
        let installed = FONT_PATHS.iter().any(|p| std::path::Path::new(p).is_file());
        if installed {
            assert!(text.contains("/FontFile2") && text.contains("/ToUnicode"));
            assert!(text.contains("Identity-H"));
            assert!(
                pdf.len() < 200_000,
                "a subset, not the whole font: {}",
                pdf.len()
            );
        } else {
            assert!(text.contains("STSong-Light"));
        }
    }

    #[test]
    fn long_rows_wrap_within_the_page() {
        let lines = wrap(
            &format!("载明的许可：{}", "营业执照:1.2.156.3005.2.X;".repeat(4)),
            470.0,
            12.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| {
            l.chars()
                .map(|c| if c.is_ascii() { 6.6 } else { 12.0 })
                .sum::<f32>()
                <= 470.0
        }));
        assert_eq!(
            wrap("持证人：马秀兰", 470.0, 12.0),
            vec!["持证人：马秀兰".to_owned()]
        );
    }

    #[test]
    fn chinese_is_encoded_as_ucs2() {
        assert_eq!(ucs2("证A"), vec![0x8B, 0xC1, 0x00, 0x41]);
    }
}
