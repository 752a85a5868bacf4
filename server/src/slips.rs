//! Connection slips: a PDF to print and cut, one slip per person with her login and her
//! one-time activation code, four to an A4 page — what a school hands out at the start of
//! the year.
//!
//! Written with [`ardoise_protocol::pdf`]: the standard Helvetica and Courier fonts in
//! WinAnsiEncoding, which holds every letter of French names (`é`, `ç`, `Œ`…).

use std::fmt::Write as _;

use ardoise_protocol::pdf::{self, PAGE_H, PAGE_W};
use chrono::{DateTime, Utc};

use crate::accounts::Activation;

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

/// A dashed line across the page at `y`: where to cut.
fn cut(page: &mut String, y: f32) {
    let _ = writeln!(
        page,
        "q 0.6 G [4 3] 0 d 0.5 w 24 {y:.1} m {:.1} {y:.1} l S Q",
        PAGE_W - 24.0
    );
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
fn slip(page: &mut String, header: &SlipHeader, a: &Activation, top: f32) {
    let mut y = top - 34.0;
    pdf::text(
        page,
        LEFT,
        y,
        "F2",
        13.0,
        &format!("Ardoise — {}", header.school),
    );
    y -= 16.0;
    pdf::text(
        page,
        LEFT,
        y,
        "F1",
        10.0,
        "Vos identifiants de connexion, personnels",
    );
    y -= 22.0;
    pdf::text(page, LEFT, y, "F2", 12.0, &a.display_name);
    let mut who = role_label(a.role).to_string();
    if !a.classes.is_empty() {
        who.push_str(&format!(" — {}", a.classes.join(", ")));
    }
    y -= 13.0;
    pdf::text(page, LEFT, y, "F1", 10.0, &who);
    y -= 18.0;
    if let Some(url) = &header.server_url {
        pdf::text(page, LEFT, y, "F1", 10.0, "Adresse du serveur :");
        pdf::text(page, LEFT + 110.0, y, "F3", 10.0, url);
        y -= 16.0;
    }
    pdf::text(page, LEFT, y, "F1", 10.0, "Identifiant :");
    pdf::text(page, LEFT + 110.0, y, "F3", 12.0, &a.login);
    y -= 20.0;
    pdf::text(page, LEFT, y, "F1", 10.0, "Code d'activation :");
    pdf::text(page, LEFT + 110.0, y, "F3", 16.0, &a.code);
    y -= 18.0;
    // The code works until this time of day, 30 days on: the whole day before, surely.
    let until = DateTime::<Utc>::from_timestamp(a.expires_at - 24 * 3600, 0)
        .map(|t| {
            ardoise_protocol::calendar::paris_today(t)
                .format("%d/%m/%Y")
                .to_string()
        })
        .unwrap_or_default();
    let help = format!(
        "À la première connexion, saisissez ce code à la place du mot de passe : Ardoise vous \
         demande alors de choisir le vôtre (8 caractères au moins). Le code ne sert qu'une \
         fois, jusqu'au {until} inclus. Gardez votre mot de passe pour vous."
    );
    for line in wrap(&help, 105) {
        pdf::text(page, LEFT, y, "F1", 9.0, &line);
        y -= 11.0;
    }
}

/// The PDF of the slips, four to a page.
pub fn slips_pdf(header: &SlipHeader, activations: &[Activation]) -> Vec<u8> {
    let height = PAGE_H / PER_PAGE as f32;
    let pages: Vec<String> = activations
        .chunks(PER_PAGE)
        .map(|chunk| {
            let mut page = String::new();
            for (i, a) in chunk.iter().enumerate() {
                let top = PAGE_H - height * i as f32;
                slip(&mut page, header, a, top);
                if i + 1 < PER_PAGE {
                    cut(&mut page, top - height);
                }
            }
            page
        })
        .collect();
    pdf::assemble(&pages, &["Helvetica", "Helvetica-Bold", "Courier-Bold"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_help_is_wrapped_between_words() {
        let lines = wrap("un deux trois quatre", 9);
        assert_eq!(lines, vec!["un deux", "trois", "quatre"]);
    }
}
