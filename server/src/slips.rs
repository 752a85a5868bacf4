//! Connection slips: a PDF to print and cut, one slip per person with her login and her
//! one-time activation code, four to an A4 page — what a school hands out at the start of
//! the year.
//!
//! The PDF is written here, by hand: one page object and one content stream per page,
//! the standard Helvetica and Courier fonts (every PDF reader has them, nothing is
//! embedded) in WinAnsiEncoding, which holds every letter of French names (`é`, `ç`,
//! `Œ`…). A character outside it prints as `?`.

use chrono::{DateTime, Utc};

use crate::accounts::Activation;

/// Page size: A4, in points.
const PAGE: (f32, f32) = (595.0, 842.0);
/// Slips per page.
const PER_PAGE: usize = 4;
/// Left margin, in points.
const LEFT: f32 = 48.0;

/// Who the slips are for, and where to connect.
#[derive(Debug, Clone)]
pub struct SlipHeader {
    /// The school's name.
    pub school: String,
    /// The server's address as users type it, if known.
    pub server_url: Option<String>,
}

/// The byte of `c` in WinAnsiEncoding (`?` when it has none).
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '…' => 0x85,
        'Š' => 0x8A,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '–' => 0x96,
        '—' => 0x97,
        'š' => 0x9A,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => b'?',
    }
}

/// A PDF string literal of `text`: WinAnsi bytes, `\`, `(` and `)` escaped.
fn pdf_string(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in text.chars() {
        let b = win_ansi(c);
        if matches!(b, b'\\' | b'(' | b')') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// `text` cut into lines of at most `width` characters, between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// A page's drawing operators.
#[derive(Default)]
struct Content(Vec<u8>);

impl Content {
    /// Writes `text` at (x, y) in `font` (`F1` Helvetica, `F2` Helvetica-Bold, `F3`
    /// Courier-Bold) of `size` points.
    fn text(&mut self, font: &str, size: f32, x: f32, y: f32, text: &str) {
        self.0
            .extend_from_slice(format!("BT /{font} {size} Tf {x:.1} {y:.1} Td ").as_bytes());
        self.0.extend(pdf_string(text));
        self.0.extend_from_slice(b" Tj ET\n");
    }

    /// A dashed line across the page at `y`: where to cut.
    fn cut(&mut self, y: f32) {
        self.0.extend_from_slice(
            format!(
                "q 0.6 G [4 3] 0 d 0.5 w 24 {y:.1} m {:.1} {y:.1} l S Q\n",
                PAGE.0 - 24.0
            )
            .as_bytes(),
        );
    }
}

/// The French name of a role, as printed on a slip.
fn role_label(role: ardoise_protocol::Role) -> &'static str {
    use ardoise_protocol::Role;
    match role {
        Role::Teacher => "Enseignant·e",
        Role::VieScolaire => "Vie scolaire",
        Role::Direction => "Direction",
        Role::Inspector => "Inspection",
        Role::Pupil => "Élève",
        Role::Parent => "Parent",
    }
}

/// Draws one slip whose top is at `top`.
fn slip(page: &mut Content, header: &SlipHeader, a: &Activation, top: f32) {
    let mut y = top - 34.0;
    page.text("F2", 13.0, LEFT, y, &format!("Ardoise — {}", header.school));
    y -= 16.0;
    page.text(
        "F1",
        10.0,
        LEFT,
        y,
        "Vos identifiants de connexion, personnels",
    );
    y -= 22.0;
    page.text("F2", 12.0, LEFT, y, &a.display_name);
    let mut who = role_label(a.role).to_string();
    if !a.classes.is_empty() {
        who.push_str(&format!(" — {}", a.classes.join(", ")));
    }
    page.text("F1", 10.0, LEFT + 300.0, y, &who);
    y -= 18.0;
    if let Some(url) = &header.server_url {
        page.text("F1", 10.0, LEFT, y, "Adresse du serveur :");
        page.text("F3", 10.0, LEFT + 110.0, y, url);
        y -= 16.0;
    }
    page.text("F1", 10.0, LEFT, y, "Identifiant :");
    page.text("F3", 12.0, LEFT + 110.0, y, &a.login);
    y -= 20.0;
    page.text("F1", 10.0, LEFT, y, "Code d'activation :");
    page.text("F3", 16.0, LEFT + 110.0, y, &a.code);
    y -= 18.0;
    let until = DateTime::<Utc>::from_timestamp(a.expires_at, 0)
        .map(|t| {
            ardoise_protocol::calendar::paris_today(t)
                .format("%d/%m/%Y")
                .to_string()
        })
        .unwrap_or_default();
    let help = format!(
        "À la première connexion, saisissez ce code à la place du mot de passe : Ardoise vous \
         demande alors de choisir le vôtre (8 caractères au moins). Le code ne sert qu'une \
         fois et jusqu'au {until}. Gardez votre mot de passe pour vous."
    );
    for line in wrap(&help, 105) {
        page.text("F1", 9.0, LEFT, y, &line);
        y -= 11.0;
    }
}

/// The PDF of the slips, four to a page.
pub fn slips_pdf(header: &SlipHeader, activations: &[Activation]) -> Vec<u8> {
    let height = PAGE.1 / PER_PAGE as f32;
    let pages: Vec<Content> = activations
        .chunks(PER_PAGE)
        .map(|chunk| {
            let mut page = Content::default();
            for (i, a) in chunk.iter().enumerate() {
                let top = PAGE.1 - height * i as f32;
                slip(&mut page, header, a, top);
                if i + 1 < PER_PAGE {
                    page.cut(top - height);
                }
            }
            page
        })
        .collect();

    // Objects: 1 catalog, 2 page tree, 3–5 fonts, then a page and its content per page.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 6 + 2 * i))
        .collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
    );
    for font in ["Helvetica", "Helvetica-Bold", "Courier-Bold"] {
        objects.push(
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>"
            )
            .into_bytes(),
        );
    }
    for (i, page) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << \
                 /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents {} 0 R >>",
                PAGE.0,
                PAGE.1,
                7 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", page.0.len()).into_bytes();
        stream.extend_from_slice(&page.0);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }

    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_letters_have_their_winansi_byte() {
        assert_eq!(pdf_string("é"), b"(\xE9)");
        assert_eq!(pdf_string("Œuvre €"), b"(\x8Cuvre \x80)");
        assert_eq!(pdf_string("a(b)\\"), b"(a\\(b\\)\\\\)");
        assert_eq!(pdf_string("日"), b"(?)");
    }

    #[test]
    fn long_help_is_wrapped_between_words() {
        let lines = wrap("un deux trois quatre", 9);
        assert_eq!(lines, vec!["un deux", "trois", "quatre"]);
    }
}
