-- 007: notes in both languages (schema.PROJECT_COLUMNS replaced `notes` with `notes_zh` and `notes_en`).
--
-- The one `notes` column held English text (the shipped projects were noted in English), so it
-- becomes `notes_en`, keeping every saved version's note; `notes_zh` starts empty, to be filled by a
-- curator or a new import (an imported note may stay in one language; nothing is machine-translated).
-- (Numbers 004-006 are taken by other changes; migrations apply in file-name order, each once.)

ALTER TABLE projects RENAME COLUMN notes TO notes_en;
ALTER TABLE projects ADD COLUMN notes_zh text NOT NULL DEFAULT '';
ALTER TABLE projects_history RENAME COLUMN notes TO notes_en;
ALTER TABLE projects_history ADD COLUMN notes_zh text NOT NULL DEFAULT '';
