//! Settings the school sets once and every client replicates, kept in the school record:
//! the limits on one day's homework (`config set workload-minutes N`,
//! `config set workload-assessments N`), above which the homework editor warns.

use ardoise_protocol::entities::{validate, WorkloadLimits};
use ardoise_protocol::EntityKind;
use serde_json::json;

use crate::store::{Store, StoreError, StoredRecord};

/// Why a setting was not changed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    /// The value or the store's state does not allow it.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The id of the school record.
const SCHOOL_ID: &str = "school";

/// The school's workload limits, the usual rule when it set none.
pub fn workload(store: &dyn Store) -> Result<WorkloadLimits, StoreError> {
    let record = store.read()?.get_record(EntityKind::School, SCHOOL_ID)?;
    Ok(record
        .and_then(|r| serde_json::from_value(r.data.get("workload")?.clone()).ok())
        .unwrap_or_default())
}

/// Changes one of the limits (`minutes` or `assessments`); the new limits. Clients see the
/// school record change through the ordinary change feed.
pub fn set_workload(
    store: &dyn Store,
    minutes: Option<u32>,
    assessments: Option<u32>,
) -> Result<WorkloadLimits, SettingError> {
    let mut tx = store.write()?;
    let school = tx
        .get_record(EntityKind::School, SCHOOL_ID)?
        .filter(|r| !r.deleted)
        .ok_or_else(|| {
            SettingError::Refused(
                "aucun établissement dans le serveur : importez d'abord l'emploi du temps \
                 (import sts)"
                    .into(),
            )
        })?;
    let mut limits: WorkloadLimits = school
        .data
        .get("workload")
        .and_then(|w| serde_json::from_value(w.clone()).ok())
        .unwrap_or_default();
    if let Some(m) = minutes {
        let range = WorkloadLimits::MINUTES;
        if !range.contains(&m) {
            return Err(SettingError::Refused(format!(
                "workload-minutes {m} : de {} à {} minutes",
                range.start(),
                range.end()
            )));
        }
        limits.max_minutes = m;
    }
    if let Some(a) = assessments {
        if a > WorkloadLimits::MAX_ASSESSMENTS {
            return Err(SettingError::Refused(format!(
                "workload-assessments {a} : de 0 à {} évaluations",
                WorkloadLimits::MAX_ASSESSMENTS
            )));
        }
        limits.max_assessments = a;
    }
    let mut data = school.data.clone();
    data.insert("workload".into(), json!(limits));
    let data =
        validate(EntityKind::School, &data).map_err(|e| SettingError::Refused(e.to_string()))?;
    if data != school.data {
        tx.put_record(&StoredRecord {
            version: school.version + 1,
            change_seq: 0,
            data,
            ..school
        })?;
        tx.commit()?;
    }
    Ok(limits)
}
