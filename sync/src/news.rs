//! The school's news (actualités) as the replica holds them: published by the direction
//! or the vie scolaire to the whole school, the staff or one class or group, with the
//! days they are shown; written offline and queued like any edit; read offline by
//! everyone they are for, with unread marks kept on the device; gone from the replica once
//! their last day is past.

use ardoise_protocol::entities::{validate, NewsAudience};
use ardoise_protocol::{Data, EntityKind, ErrorCode, Role};
use chrono::NaiveDate;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::logbook::Me;
use crate::queries::audience_id;
use crate::replica::Replica;
use crate::{Result, SyncError};

/// A news item as the app shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewsView {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its text, Markdown (shown as text, never as HTML).
    pub text: String,
    /// Who it is for.
    pub audience: NewsAudience,
    /// The class or group's name, for a class's item.
    pub audience_name: Option<String>,
    /// First day shown, YYYY-MM-DD.
    pub from: String,
    /// Last day shown, YYYY-MM-DD.
    pub until: String,
    /// Its author's name.
    pub author: String,
    /// Whether the reader wrote it (and may change it).
    pub mine: bool,
    /// Whether this device has shown it to the reader.
    pub read: bool,
}

/// A news item written in the app or the CLI: a new one without `id`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewsInput {
    /// The item to change, `None` for a new one.
    #[serde(default)]
    pub id: Option<String>,
    /// Its title.
    pub title: String,
    /// Its text (Markdown).
    pub text: String,
    /// Who it is for (not changed on an existing item).
    pub audience: NewsAudience,
    /// The class or group, by name, for a class's item.
    #[serde(default)]
    pub audience_name: Option<String>,
    /// First day shown, YYYY-MM-DD.
    pub from: String,
    /// Last day shown, YYYY-MM-DD.
    pub until: String,
}

/// The news the reader sees on `today`: those shown that day, and their own until their
/// last day (scheduled ones included); newest first.
pub fn list(replica: &Replica, today: NaiveDate) -> Result<Vec<NewsView>> {
    let me = replica.user_id()?;
    let conn = replica.conn();
    let mut stmt = conn.prepare(
        "SELECT n.id, n.title, n.text, n.audience, a.name, n.from_date, n.until_date,
                coalesce(u.display_name, n.author_id), n.author_id = ?1,
                EXISTS (SELECT 1 FROM news_read r WHERE r.news_id = n.id)
           FROM news n
           LEFT JOIN audiences a ON a.id = n.audience_id
           LEFT JOIN users u ON u.id = n.author_id
          WHERE n.until_date >= ?2 AND (n.from_date <= ?2 OR n.author_id = ?1)
          ORDER BY n.from_date DESC, n.created_at DESC, n.id",
    )?;
    let rows = stmt.query_map(params![me, today.to_string()], |r| {
        let audience: String = r.get(3)?;
        Ok(NewsView {
            id: r.get(0)?,
            title: r.get(1)?,
            text: r.get(2)?,
            audience: serde_json::from_value(Value::String(audience))
                .unwrap_or(NewsAudience::School),
            audience_name: r.get(4)?,
            from: r.get(5)?,
            until: r.get(6)?,
            author: r.get(7)?,
            mine: r.get(8)?,
            read: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks an item shown to the reader on this device.
pub fn mark_read(replica: &Replica, id: &str) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    replica.conn().execute(
        "INSERT OR IGNORE INTO news_read (news_id, read_at)
         SELECT id, ?2 FROM news WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

fn may_publish(me: &Me) -> Result<()> {
    if me.is(Role::Direction) || me.is(Role::VieScolaire) {
        Ok(())
    } else {
        Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seules la direction et la vie scolaire publient des actualités.",
        ))
    }
}

/// The stored item `id`, refused unless the reader may change it (their own; the
/// direction: any).
fn editable(replica: &Replica, me: &Me, id: &str) -> Result<Data> {
    let (_, data) = replica
        .get(EntityKind::News, id)?
        .ok_or_else(|| SyncError::NotFound(format!("actualité {id}")))?;
    if data["authorId"] != json!(me.id) && !me.is(Role::Direction) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Vous ne pouvez modifier que vos propres actualités.",
        ));
    }
    Ok(data)
}

/// Writes a news item (direction, vie scolaire): a new one, or changes to one's own (its
/// audience stays). Queued; it reaches its readers with the next sync.
pub fn save(replica: &mut Replica, input: &NewsInput) -> Result<NewsView> {
    let me = Me::load(replica)?;
    may_publish(&me)?;
    let id = match &input.id {
        Some(id) => {
            let mut data = editable(replica, &me, id)?;
            for (k, v) in [
                ("title", json!(input.title.trim())),
                ("text", json!(input.text)),
                ("from", json!(input.from)),
                ("until", json!(input.until)),
            ] {
                data.insert(k.into(), v);
            }
            let data = validate(EntityKind::News, &data)?;
            let changes: Data = ["title", "text", "from", "until"]
                .into_iter()
                .map(|k| (k.to_string(), data[k].clone()))
                .collect();
            replica.local_update(EntityKind::News, id, &changes)?;
            id.clone()
        }
        None => {
            let audience_id = match (input.audience, &input.audience_name) {
                (NewsAudience::Class, Some(name)) => Some(audience_id(replica.conn(), name)?),
                (NewsAudience::Class, None) => {
                    return Err(SyncError::refused(
                        ErrorCode::ProtocolInvalidData,
                        "Précisez la classe ou le groupe de l'actualité.",
                    ))
                }
                _ => None,
            };
            let data = json!({
                "authorId": me.id, "audience": input.audience, "audienceId": audience_id,
                "title": input.title.trim(), "text": input.text,
                "from": input.from, "until": input.until,
                "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            });
            let data = validate(EntityKind::News, data.as_object().unwrap_or(&Data::new()))?;
            let id = Uuid::now_v7().to_string();
            replica.local_create(EntityKind::News, &id, data)?;
            // One's own item is read.
            mark_read(replica, &id)?;
            id
        }
    };
    view(replica, &id)
}

/// Deletes a news item (one's own; the direction: any). Queued.
pub fn delete(replica: &mut Replica, id: &str) -> Result<()> {
    let me = Me::load(replica)?;
    may_publish(&me)?;
    editable(replica, &me, id)?;
    replica.local_delete(EntityKind::News, id)?;
    Ok(())
}

/// One item, as the list shows it on its first day.
fn view(replica: &Replica, id: &str) -> Result<NewsView> {
    let missing = || SyncError::NotFound(format!("actualité {id}"));
    let (_, data) = replica.get(EntityKind::News, id)?.ok_or_else(missing)?;
    let from: NaiveDate = data["from"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .ok_or_else(missing)?;
    list(replica, from)?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or_else(missing)
}

/// Removes from the replica the items whose last day is before `today` (but those with an
/// edit waiting to go up), and the unread marks of items gone. Run after each sync.
pub fn purge_expired(replica: &Replica, today: NaiveDate) -> Result<usize> {
    let conn = replica.conn();
    let gone = conn.execute(
        "DELETE FROM news WHERE until_date < ?1
            AND id NOT IN (SELECT record_id FROM outbox WHERE kind = 'news')",
        [today.to_string()],
    )?;
    conn.execute(
        "DELETE FROM news_read WHERE news_id NOT IN (SELECT id FROM news)",
        [],
    )?;
    Ok(gone)
}
