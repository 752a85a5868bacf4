-- Co-teaching and class labels, as a school's timetable program gives them (STS-Web) and
-- as Open ENT NG lists a course's teachers: a lesson may have teachers besides its first,
-- and a class or group has a long label beside its short name. Records synced before this
-- version had neither: no co-teacher, no label.
ALTER TABLE courses ADD COLUMN co_teacher_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE course_occurrences ADD COLUMN co_teacher_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE audiences ADD COLUMN label TEXT;

-- Derived from course_occurrences.co_teacher_ids, kept in step by the replica: the lessons
-- a teacher gives besides those where she is the first teacher (her timetable has both).
CREATE TABLE lesson_co_teachers (
    occurrence_id TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, teacher_id)
) WITHOUT ROWID;
CREATE INDEX lesson_co_teachers_teacher ON lesson_co_teachers(teacher_id, occurrence_id);
