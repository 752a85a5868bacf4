-- Séances and homework that have documents attached. The transfer queue looks them up
-- after every sync (attached documents must open offline in class); most lessons have
-- none, so these indexes hold few rows and the lookup does not read the whole logbook.
CREATE INDEX sessions_with_attachments ON sessions(id) WHERE attachments <> '[]';
CREATE INDEX homework_with_attachments ON homework(id) WHERE attachments <> '[]';
