-- The school's limits on one day's homework (the homework editor warns above them), as
-- the school record carries them: JSON {"maxMinutes","maxAssessments"}, NULL for the
-- usual rule. Replicas synced before this version have none: the usual rule.
ALTER TABLE schools ADD COLUMN workload TEXT;
