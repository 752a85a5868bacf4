-- Homework kinds as the protocol names them (exercise, reading, test, presentation,
-- other). Clients of before this version wrote the editor's French labels (exercice,
-- lecture, évaluation, exposé, autre), which the protocol now refuses; a value that is
-- neither becomes 'other'. Records keep their version: every client migrates its own
-- copy the same way (replica migration 0004), so nothing needs to be pulled again.
CREATE TEMP TABLE homework_kind_names (old TEXT PRIMARY KEY, new TEXT NOT NULL);
INSERT INTO homework_kind_names (old, new) VALUES
    ('exercise', 'exercise'), ('reading', 'reading'), ('test', 'test'),
    ('presentation', 'presentation'), ('other', 'other'),
    ('exercice', 'exercise'), ('exercices', 'exercise'), ('lecture', 'reading'),
    ('évaluation', 'test'), ('evaluation', 'test'), ('exposé', 'presentation'),
    ('expose', 'presentation'), ('autre', 'other');

UPDATE records
   SET data = json_set(data, '$.kind', coalesce(
       (SELECT new FROM homework_kind_names WHERE old = json_extract(records.data, '$.kind')),
       'other'))
 WHERE kind = 'homework' AND json_type(data, '$.kind') = 'text';

-- The conflict revisions of homework keep the kinds of each side.
UPDATE records
   SET data = json_set(data, '$.fields.kind.base', coalesce(
       (SELECT new FROM homework_kind_names
         WHERE old = json_extract(records.data, '$.fields.kind.base')),
       'other'))
 WHERE kind = 'conflict' AND json_extract(data, '$.recordKind') = 'homework'
   AND json_type(data, '$.fields.kind.base') = 'text';
UPDATE records
   SET data = json_set(data, '$.fields.kind.mine', coalesce(
       (SELECT new FROM homework_kind_names
         WHERE old = json_extract(records.data, '$.fields.kind.mine')),
       'other'))
 WHERE kind = 'conflict' AND json_extract(data, '$.recordKind') = 'homework'
   AND json_type(data, '$.fields.kind.mine') = 'text';
UPDATE records
   SET data = json_set(data, '$.fields.kind.theirs', coalesce(
       (SELECT new FROM homework_kind_names
         WHERE old = json_extract(records.data, '$.fields.kind.theirs')),
       'other'))
 WHERE kind = 'conflict' AND json_extract(data, '$.recordKind') = 'homework'
   AND json_type(data, '$.fields.kind.theirs') = 'text';

DROP TABLE homework_kind_names;
