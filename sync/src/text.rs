//! Lesson HTML as plain text, for what shows it without a browser: the printed archive,
//! the pupils' list of homework.

/// The paragraphs of sanitised lesson HTML as plain text: a block (paragraph, list item,
/// heading, line break…) starts a new one, a list item with a bullet; entities decoded,
/// white space collapsed.
pub(crate) fn plain_text(html: &str) -> Vec<String> {
    const BLOCKS: [&str; 17] = [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "table",
        "hr",
    ];
    let mut out = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut Vec<String>| {
        let text = current.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() && text != "•" {
            out.push(text);
        }
        current.clear();
    };
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').unwrap_or(rest.len());
                let tag = &rest[1..end];
                let closing = tag.starts_with('/');
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if BLOCKS.contains(&name.as_str()) {
                    flush(&mut current, &mut out);
                    if name == "li" && !closing {
                        current.push_str("• ");
                    }
                }
                rest = rest.get(end + 1..).unwrap_or("");
            }
            '&' => {
                let entity = rest
                    .get(1..)
                    .and_then(|r| r.find(';').filter(|&i| i <= 10).map(|i| &r[..i]));
                match entity.and_then(decode_entity) {
                    Some(decoded) => {
                        current.push(decoded);
                        rest = &rest[entity.map_or(0, str::len) + 2..];
                    }
                    None => {
                        current.push('&');
                        rest = &rest[1..];
                    }
                }
            }
            _ => {
                current.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    flush(&mut current, &mut out);
    out
}

/// The character an HTML entity (without `&` and `;`) stands for: the few the sanitiser
/// writes, and numeric ones.
fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_html_reads_as_paragraphs_of_text() {
        let html = "<h2>La Révolution</h2><p>Les causes&nbsp;: la <strong>crise</strong> \
                    financière &amp; politique.<br>Suite</p><ul><li>1789</li><li>1792 &#8211; \
                    la République</li></ul><p>a &lt; b &#x2192; c &unknown; d</p>";
        assert_eq!(
            plain_text(html),
            vec![
                "La Révolution",
                "Les causes : la crise financière & politique.",
                "Suite",
                "• 1789",
                "• 1792 – la République",
                "a < b → c &unknown; d",
            ]
        );
        assert!(plain_text("<p> </p><li></li>").is_empty());
    }
}
