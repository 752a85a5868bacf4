-- Co-teaching and class labels, as a school's timetable program gives them (STS-Web) and
-- as Open ENT NG lists a course's teachers: a lesson may have teachers besides its first,
-- and a class or group has a long label beside its short name. Records synced before this
-- version had neither: no co-teacher, no label.
ALTER TABLE courses ADD COLUMN co_teacher_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE course_occurrences ADD COLUMN co_teacher_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE audiences ADD COLUMN label TEXT;

-- Derived from course_occurrences.co_teacher_ids, kept in step by the triggers below
-- whatever writes a lesson: the lessons a teacher gives besides those where she is the
-- first teacher (her timetable has both).
CREATE TABLE lesson_co_teachers (
    occurrence_id TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, teacher_id)
) WITHOUT ROWID;
CREATE INDEX lesson_co_teachers_teacher ON lesson_co_teachers(teacher_id, occurrence_id);

-- A lesson without co-teachers (nearly all of them) costs its writes one comparison.
CREATE TRIGGER lesson_co_teachers_on_insert AFTER INSERT ON course_occurrences
WHEN NEW.co_teacher_ids <> '[]'
BEGIN
    INSERT OR IGNORE INTO lesson_co_teachers (occurrence_id, teacher_id)
        SELECT NEW.id, value FROM json_each(NEW.co_teacher_ids) WHERE type = 'text';
END;
CREATE TRIGGER lesson_co_teachers_on_update AFTER UPDATE OF co_teacher_ids ON course_occurrences
WHEN OLD.co_teacher_ids IS NOT NEW.co_teacher_ids
BEGIN
    DELETE FROM lesson_co_teachers WHERE occurrence_id = OLD.id;
    INSERT OR IGNORE INTO lesson_co_teachers (occurrence_id, teacher_id)
        SELECT NEW.id, value FROM json_each(NEW.co_teacher_ids) WHERE type = 'text';
END;
CREATE TRIGGER lesson_co_teachers_on_delete AFTER DELETE ON course_occurrences
WHEN OLD.co_teacher_ids <> '[]'
BEGIN
    DELETE FROM lesson_co_teachers WHERE occurrence_id = OLD.id;
END;
