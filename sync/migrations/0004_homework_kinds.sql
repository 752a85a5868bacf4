-- Homework kinds as the protocol names them. Until this version the editor offered French
-- labels as values (exercice, lecture, évaluation, exposé, autre) while the protocol and
-- the demo school said exercise, reading, test: saving a homework from the server blanked
-- or translated its kind. Every place a kind is kept is brought to the protocol's names:
-- the homework table, the merge base (mirror), the edits waiting to go up (outbox) and the
-- conflicts waiting for a choice. A value that is neither becomes 'other'.
CREATE TEMP TABLE homework_kind_names (old TEXT PRIMARY KEY, new TEXT NOT NULL);
INSERT INTO homework_kind_names (old, new) VALUES
    ('exercise', 'exercise'), ('reading', 'reading'), ('test', 'test'),
    ('presentation', 'presentation'), ('other', 'other'),
    ('exercice', 'exercise'), ('exercices', 'exercise'), ('lecture', 'reading'),
    ('évaluation', 'test'), ('evaluation', 'test'), ('exposé', 'presentation'),
    ('expose', 'presentation'), ('autre', 'other');

UPDATE homework
   SET kind = coalesce((SELECT new FROM homework_kind_names WHERE old = homework.kind), 'other');

UPDATE mirror
   SET data = json_set(data, '$.kind', coalesce(
       (SELECT new FROM homework_kind_names WHERE old = json_extract(mirror.data, '$.kind')),
       'other'))
 WHERE kind = 'homework' AND json_type(data, '$.kind') = 'text';

UPDATE outbox
   SET fields = json_set(fields, '$.kind.new', coalesce(
       (SELECT new FROM homework_kind_names WHERE old = json_extract(outbox.fields, '$.kind.new')),
       'other'))
 WHERE kind = 'homework' AND json_type(fields, '$.kind.new') = 'text';
UPDATE outbox
   SET fields = json_set(fields, '$.kind.base', coalesce(
       (SELECT new FROM homework_kind_names WHERE old = json_extract(outbox.fields, '$.kind.base')),
       'other'))
 WHERE kind = 'homework' AND json_type(fields, '$.kind.base') = 'text';

UPDATE conflicts
   SET fields = json_set(fields, '$.kind.base', coalesce(
       (SELECT new FROM homework_kind_names WHERE old = json_extract(conflicts.fields, '$.kind.base')),
       'other'))
 WHERE record_kind = 'homework' AND json_type(fields, '$.kind.base') = 'text';
UPDATE conflicts
   SET fields = json_set(fields, '$.kind.mine', coalesce(
       (SELECT new FROM homework_kind_names WHERE old = json_extract(conflicts.fields, '$.kind.mine')),
       'other'))
 WHERE record_kind = 'homework' AND json_type(fields, '$.kind.mine') = 'text';
UPDATE conflicts
   SET fields = json_set(fields, '$.kind.theirs', coalesce(
       (SELECT new FROM homework_kind_names WHERE old = json_extract(conflicts.fields, '$.kind.theirs')),
       'other'))
 WHERE record_kind = 'homework' AND json_type(fields, '$.kind.theirs') = 'text';

DROP TABLE homework_kind_names;
