//! The smallest PDF writer that serves Ardoise's printed sheets (the vie scolaire's day,
//! the connection slips): PDF 1.4, A4 pages of plain drawing operators, the standard Type 1
//! fonts (every reader has them, nothing is embedded) in WinAnsiEncoding, which holds every
//! letter of French names. Written by hand: a few hundred bytes of structure around plain
//! text, readable by any viewer and easy to check in tests.

use std::fmt::Write as _;

/// A4 width, in points.
pub const PAGE_W: f32 = 595.0;
/// A4 height, in points.
pub const PAGE_H: f32 = 842.0;

/// `s` as the inside of a PDF string: `(`, `)` and `\` escaped, what is not plain ASCII
/// as the octal escape of its WinAnsi (cp1252) byte, `?` for what WinAnsi cannot show.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let byte: u8 = match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
                continue;
            }
            ' '..='~' => {
                out.push(c);
                continue;
            }
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            c if ('\u{a0}'..='\u{ff}').contains(&c) => c as u32 as u8,
            _ => b'?',
        };
        let _ = write!(out, "\\{byte:03o}");
    }
    out
}

/// Appends to a page's operators the drawing of `s` at (`x`, `y`) in font `font` (`F1` is
/// the first of [`assemble`]'s fonts) of `size` points.
pub fn text(page: &mut String, x: f32, y: f32, font: &str, size: f32, s: &str) {
    let _ = writeln!(
        page,
        "BT /{font} {size} Tf {x:.1} {y:.1} Td ({}) Tj ET",
        escape(s)
    );
}

/// The file: catalog, page tree, the `fonts` (standard Type 1 names, `F1`, `F2`… in this
/// order), then an A4 page and its content per page, and the cross-reference table with
/// each object's byte offset.
pub fn assemble(pages: &[String], fonts: &[&str]) -> Vec<u8> {
    let n = pages.len();
    let first_page = 3 + fonts.len();
    let mut objects: Vec<String> = Vec::new();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..n)
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        kids.join(" ")
    ));
    for base in fonts {
        objects.push(format!(
            "<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"
        ));
    }
    let resources: Vec<String> = (0..fonts.len())
        .map(|i| format!("/F{} {} 0 R", i + 1, 3 + i))
        .collect();
    for (i, content) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
             /Resources << /Font << {} >> >> /Contents {} 0 R >>",
            resources.join(" "),
            first_page + 2 * i + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(out, "{o:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_letters_are_their_winansi_bytes() {
        assert_eq!(escape("a(b)\\ é—"), "a\\(b\\)\\\\ \\351\\227");
        assert_eq!(escape("Œuvre €"), "\\214uvre \\200");
        assert_eq!(escape("• ‰ ™"), "\\225 \\211 \\231");
        assert_eq!(escape("日"), "\\077");
    }

    #[test]
    fn every_object_is_where_the_table_says() {
        let pdf = assemble(
            &["BT ET\n".into(), "BT ET\n".into()],
            &["Helvetica", "Courier"],
        );
        let text = String::from_utf8(pdf).unwrap();
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref\n0 9\n"));
        for (i, line) in text[xref..].lines().skip(3).take(8).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", i + 1)),
                "{i}"
            );
        }
        assert!(text.contains("/F2 4 0 R"));
        assert!(text.contains("/Kids [5 0 R 7 0 R]"));
    }
}
